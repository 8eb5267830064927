"""The edge proxies of infra/ run for real in front of gunicorn: Caddy (the compose file's) and nginx.

Each proxy is started from the shipped file, with only what a test machine must change
substituted (the upstream's address, the ports, the certificates: Caddy's own local CA, a
certificate made here for nginx), and asked over HTTPS by curl as a browser would (SNI and
Host the territory's name). What a person relies on:

- a territory's page comes through with its Host (the routing picks the territory);
- HTTP is sent to HTTPS;
- /metrics and /internal/ are refused at the edge, even with the token, and a client that sets
  the Host to web's own address gets neither /metrics nor the detail of /healthz;
- a territory's upload is sent by the proxy from the volume (X-Accel-Redirect), on its own
  host only, never on another territory's;
- Caddy asks the application before obtaining a certificate on demand: a territory's custom
  domain gets one, a name nobody registered fails the TLS handshake.

The binaries are Debian's (`apt-get install caddy nginx-light`); without them the tests skip,
unless VITRINE_REQUIRE_PROXIES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.tenancy.models import Domain, Territory
from vitrine.testing.helpers import (
    ROOT_DIR,
    TEST_VAR,
    free_port,
    port_open,
    process_start,
    process_stop,
    subprocess_env,
)
from vitrine.testing.processes import web_start

TOKEN = "scrape-token-for-the-proxies"
CUSTOM_DOMAIN = "achetez.nancy-proxy.fr"
REQUIRED = os.environ.get("VITRINE_REQUIRE_PROXIES") == "1"


def _binary(name: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None)
    if found is None:
        message = f"{name} is not installed (apt-get install {name if name != 'nginx' else 'nginx-light'})"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return found


def _substitute(text: str, replacements: list[tuple[str, str]]) -> str:
    """Each replacement must apply: a shipped file that drifted fails here instead of testing nothing."""
    for old, new in replacements:
        assert old in text, f"{old!r} is no longer in the shipped file"
        text = text.replace(old, new)
    return text


def curl(url: str, *, resolve: str, headers: dict | None = None) -> tuple[int, str, bytes]:
    """(status or -exit code, Location, body) of a GET by curl, `resolve` sending the name to 127.0.0.1."""
    port = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
    command = ["curl", "-sk", "--max-time", "30", "--resolve", f"{resolve}:{port}:127.0.0.1", "-D", "-", url]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(command, capture_output=True, timeout=60)  # noqa: S603 (curl with the test's arguments)
    if result.returncode:
        return -result.returncode, "", b""
    head, _sep, body = result.stdout.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    location = re.search(rb"(?im)^location: (\S+)", head)
    return status, location.group(1).decode() if location else "", body


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """A file of Nancy's in the media volume, and her own domain (committed, removed after)."""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        nancy = Territory.objects.get(schema_name="nancy")
        Domain.objects.create(domain=CUSTOM_DOMAIN, tenant=nancy, is_primary=False)
        with tenant_context(nancy):
            photo = default_storage.save("proxies/bague.txt", ContentFile(b"the bytes of Nancy's photo"))
        connection.set_schema_to_public()
        try:
            yield {"photo": photo, "media_root": Path(settings.MEDIA_ROOT)}
        finally:
            with tenant_context(nancy):
                default_storage.delete(photo)
            connection.set_schema_to_public()
            Domain.objects.filter(domain=CUSTOM_DOMAIN).delete()


@contextmanager
def web(world: dict, *, accel_prefix: str) -> Iterator[int]:
    """gunicorn with DEBUG off on the test database, sending uploads by X-Accel-Redirect as the proxy expects."""
    port = free_port()
    env = subprocess_env(SITE_PORT=str(port), MEDIA_ACCEL_REDIRECT_PREFIX=accel_prefix, VITRINE_METRICS_TOKEN=TOKEN)
    process = web_start(env, port=port, log_path=TEST_VAR / "proxies-web.log", production=True)
    try:
        yield port
    finally:
        process_stop(process)


def _checks(https: int, http: int, world: dict) -> None:
    """What either proxy must do, asked as a browser would."""
    home = f"https://nancy.{settings.BASE_DOMAIN}:{https}/"
    nancy = f"nancy.{settings.BASE_DOMAIN}"
    # a territory's page, through the proxy, routed by its Host
    status, _location, body = curl(home, resolve=nancy)
    assert status == 200 and "Achetez Grand Nancy" in body.decode(), (status, body[:300])
    # HTTP is sent to HTTPS
    status, location, _body = curl(f"http://{nancy}:{http}/boutiques/", resolve=nancy)
    assert status in (301, 308) and location.startswith(f"https://{nancy}"), (status, location)
    # the internal endpoints are refused at the edge, even with the token
    for path in ("/metrics", "/internal/tls-ask?domain=" + nancy):
        status, _location, body = curl(
            home.rstrip("/") + path, resolve=nancy, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert status == 404 and b"vitrine_" not in body, (path, status)
    # and a Host set to web's own address by the client gets no further: the proxy said it forwarded it
    for host in ("10.0.0.5", "web:8000", "localhost"):
        status, _location, body = curl(home + "healthz", resolve=nancy, headers={"Host": host})
        assert status in (200, 404, 421) and b"database" not in body, (host, status, body[:200])
        status, _location, body = curl(
            home + "metrics", resolve=nancy, headers={"Host": host, "Authorization": f"Bearer {TOKEN}"}
        )
        assert status in (404, 421) and b"vitrine_" not in body, (host, status)
    # Nancy's file is sent from the volume on her host, never on Limoges's
    status, _location, body = curl(f"{home}media/{world['photo']}", resolve=nancy)
    assert status == 200 and body == b"the bytes of Nancy's photo", (status, body[:300])
    limoges = f"limoges.{settings.BASE_DOMAIN}"
    status, _location, body = curl(f"https://{limoges}:{https}/media/{world['photo']}", resolve=limoges)
    assert status == 404 and b"Nancy" not in body, status


def test_caddy_routes_by_host_refuses_internal_paths_and_asks_before_a_certificate(world, tmp_path):
    caddy = _binary("caddy")
    http, https = free_port(), free_port()
    with ExitStack() as stack:
        upstream = f"127.0.0.1:{stack.enter_context(web(world, accel_prefix='/'))}"  # the compose file's prefix
        _caddy_run(caddy, stack, upstream, http, https, world, tmp_path)


def _caddy_run(caddy: str, stack: ExitStack, upstream: str, http: int, https: int, world: dict, tmp_path: Path) -> None:
    shipped = (ROOT_DIR / "infra" / "Caddyfile").read_text()
    caddyfile = _substitute(
        shipped,
        [
            ("web:8000", upstream),
            # Caddy's own CA instead of Let's Encrypt (no Internet here), the test's ports, no admin API
            (
                "\temail {$ACME_EMAIL}\n",
                f"\temail {{$ACME_EMAIL}}\n\tlocal_certs\n\tskip_install_trust\n\thttp_port {http}\n"
                f"\thttps_port {https}\n\tadmin off\n\tstorage file_system {tmp_path / 'data'}\n",
            ),
            ("root * /srv/media", f"root * {world['media_root']}"),
        ],
    )
    (tmp_path / "Caddyfile").write_text(caddyfile)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "BASE_DOMAIN": settings.BASE_DOMAIN,
        "ACME_EMAIL": "ops@vitrine.example.fr",
    }
    validate = subprocess.run(  # noqa: S603 (caddy with the test's arguments)
        [caddy, "validate", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert validate.returncode == 0, validate.stderr[-2000:]
    log = TEST_VAR / "proxies-caddy.log"
    # the caller's stack stops Caddy, then gunicorn
    proxy = process_start(
        [caddy, "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        log_path=log,
        ready=lambda: port_open(https) and port_open(http),
        name="Caddy",
    )
    stack.callback(process_stop, proxy)
    _checks(https, http, world)
    # on demand: the application says yes to a territory's own domain, which gets a certificate
    status, _location, body = curl(f"https://{CUSTOM_DOMAIN}:{https}/", resolve=CUSTOM_DOMAIN)
    assert status == 200 and "Achetez Grand Nancy" in body.decode(), (status, log.read_text()[-2000:])
    # and no to a name nobody registered: no certificate, the handshake fails
    status, _location, _body = curl(f"https://inconnu.example.org:{https}/", resolve="inconnu.example.org")
    assert status < 0, status


def _certificate(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 (openssl with the test's arguments)
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={names[0]}",
            "-addext",
            "subjectAltName=" + ",".join(f"DNS:{n}" for n in names),
            "-keyout",
            str(folder / "privkey.pem"),
            "-out",
            str(folder / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_nginx_routes_by_host_refuses_internal_paths_and_serves_media_from_the_volume(world, tmp_path):
    nginx = _binary("nginx")
    http, https = free_port(), free_port()
    base = settings.BASE_DOMAIN
    _certificate(tmp_path / "platform", base, f"*.{base}", f"console.{base}")
    _certificate(tmp_path / "certs" / CUSTOM_DOMAIN, CUSTOM_DOMAIN)
    shipped = (ROOT_DIR / "infra" / "nginx.conf").read_text()
    site = _substitute(
        shipped,
        [
            ("server web:8000;", "server 127.0.0.1:{port};"),
            ("listen 80 default_server;", f"listen {http} default_server;"),
            ("listen [::]:80 default_server;", ""),
            ("listen 443 ssl", f"listen {https} ssl"),
            ("listen [::]:443 ssl", f"listen [::1]:{https} ssl"),
            ("/etc/letsencrypt/live/vitrine.example.fr/", f"{tmp_path / 'platform'}/"),
            ("/etc/nginx/certs/", f"{tmp_path / 'certs'}/"),
            ("alias /srv/vitrine/media/;", f"alias {world['media_root']}/;"),
            ("return 301 https://$host$request_uri;", f"return 301 https://$host:{https}$request_uri;"),
        ],
    )
    site = site.replace("vitrine.example.fr", base)  # as the file says to do
    for folder in ("client", "proxy", "logs"):
        (tmp_path / folder).mkdir()
    (tmp_path / "nginx.conf").write_text(
        # The custom domains' certificates are read by the workers at each handshake: as the files' owner here.
        f"daemon off;\nuser root;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\n"
        "events {}\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n"
        f" client_body_temp_path {tmp_path}/client;\n proxy_temp_path {tmp_path}/proxy;\n"
        f" include {tmp_path}/vitrine.conf;\n}}\n"
    )
    arguments = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    with web(world, accel_prefix="/_protected_media/") as port:  # the prefix nginx.conf says to set
        (tmp_path / "vitrine.conf").write_text(site.replace("{port}", str(port)))
        check = subprocess.run([*arguments, "-t"], capture_output=True, text=True, timeout=60)  # noqa: S603 (nginx with the test's arguments)
        assert check.returncode == 0, check.stderr
        proxy = process_start(
            arguments,
            env={"PATH": os.environ["PATH"]},
            log_path=TEST_VAR / "proxies-nginx.log",
            ready=lambda: port_open(https) and port_open(http),
            name="nginx",
        )
        try:
            _checks(https, http, world)
            # a custom domain whose certificate is on disk is served, picked by SNI
            status, _location, body = curl(f"https://{CUSTOM_DOMAIN}:{https}/", resolve=CUSTOM_DOMAIN)
            assert status == 200 and "Achetez Grand Nancy" in body.decode(), status
            # and a name without one fails the handshake
            status, _location, _body = curl(f"https://inconnu.example.org:{https}/", resolve="inconnu.example.org")
            assert status < 0, status
        finally:
            process_stop(proxy)
