"""infra/compose.yaml, the single-host install, read by Compose itself with the example settings.

Debian's docker-compose (1.29, `apt-get install docker-compose`) checks the file against the
Compose schema and resolves every `${...}` from `.env.example`, as `docker compose config` does,
without a Docker daemon. Version 1 predates the top-level `name:`, the one line left out. Skipped
without it, unless VITRINE_REQUIRE_PROXIES=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from vitrine.testing.helpers import ROOT_DIR

INFRA = ROOT_DIR / "infra"


def test_the_compose_file_is_valid_and_every_service_gets_what_it_needs(tmp_path):
    compose = shutil.which("docker-compose")
    if compose is None:
        if os.environ.get("VITRINE_REQUIRE_PROXIES") == "1":
            pytest.fail("docker-compose is not installed (apt-get install docker-compose)")
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    shipped = (INFRA / "compose.yaml").read_text()
    assert "\nname: vitrine\n" in shipped
    # A copy of infra/ (and the build context above it: the project's root) in this test's folder, with
    # the containers' .env made from the example as the README says: nothing is written into the checkout.
    folder = tmp_path / "infra"
    folder.mkdir()
    (folder / "compose.yaml").write_text(shipped.replace("\nname: vitrine\n", "\n"))
    for name in ("Caddyfile", "Dockerfile", ".env.example"):
        shutil.copy(INFRA / name, folder / name)
    shutil.copy(INFRA / ".env.example", folder / ".env")
    result = subprocess.run(  # noqa: S603 (docker-compose with the test's arguments)
        [compose, "-f", str(folder / "compose.yaml"), "--env-file", str(folder / ".env.example"), "config"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert {"migrate", "web", "worker", "beat", "postgres", "redis", "proxy"} <= set(services)
    # migrations run once, by Vitrine's command, before web, worker and beat start
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate_schemas"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://") and environment["CELERY_BROKER_URL"]
    # the proxy's own file exists where it is mounted from
    volumes = [_volume(v) for v in services["proxy"]["volumes"]]
    files = [source for source, _target in volumes if source.startswith("/")]
    assert files == [str(folder / "Caddyfile")], files
    # uploads: web sends them by X-Accel-Redirect from the volume the proxy reads (infra/Caddyfile's root)
    assert services["web"]["environment"]["MEDIA_ACCEL_REDIRECT_PREFIX"] == "/"
    assert ("media", "/srv/media") in volumes
    assert "root * /srv/media" in (INFRA / "Caddyfile").read_text()


def _volume(volume) -> tuple[str, str]:
    """(source, target) of a volume in either of Compose's notations."""
    if isinstance(volume, dict):
        return volume["source"], volume["target"]
    source, target, *_mode = volume.split(":")
    return source, target
