"""`make demo`: one command for the whole platform on a fresh machine.

Starts the embedded PostgreSQL (unless DATABASE_URL is set), sets up the demo
territories, then runs a Celery worker (with beat) and the web server until
Ctrl-C, which stops everything it started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from vitrine.config.env import ROOT_DIR, VAR_DIR

PORT = int(os.environ.get("PORT", "8000"))
STRIPE_FAKE_PORT = int(os.environ.get("STRIPE_FAKE_PORT", "12111"))
DEMO_PASSWORD = "vitrine-demo"
CONSOLE_EMAIL = "admin@vitrine.localhost"


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "vitrine.config.django.local")
    env.setdefault("SITE_PORT", str(PORT))
    # The demo is for people to try: French error pages, never Django's debug pages (which list
    # the URLs and the settings). DJANGO_DEBUG=1 make demo brings them back for a developer.
    env.setdefault("DJANGO_DEBUG", "0")
    if not env.get("DATABASE_URL"):
        # Only without DATABASE_URL: the embedded server needs the pgserver package (extra 'local').
        from vitrine.config.embedded import embedded_database_url

        print("Starting the embedded PostgreSQL under var/pgdata ...", flush=True)
        # Stopped when this process exits (Ctrl-C), children use the URL.
        env["DATABASE_URL"] = embedded_database_url(VAR_DIR / "pgdata")
    manage = [sys.executable, str(ROOT_DIR / "manage.py")]
    VAR_DIR.mkdir(exist_ok=True)
    # Online payment on the local fake of Stripe (never Stripe itself), unless real keys are set.
    stripe_fake = None if env.get("STRIPE_SECRET_KEY") else stripe_fake_start(env)
    subprocess.run([*manage, "demo_setup"], env=env, check=True, cwd=ROOT_DIR)

    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "vitrine.config.celery",
                "worker",
                "--beat",
                "--loglevel",
                "info",
                "--concurrency",
                "2",
                "--schedule",
                str(VAR_DIR / "celerybeat-schedule"),
            ],
            env=env,
            cwd=ROOT_DIR,
        ),
        subprocess.Popen([*manage, "runserver", f"0.0.0.0:{PORT}", "--noreload"], env=env, cwd=ROOT_DIR),
        *([stripe_fake] if stripe_fake else []),
    ]
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        time.sleep(2)
        print(banner(), flush=True)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        print("\nStopping the web server, the worker and the database ...", flush=True)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


def stripe_fake_start(env: dict) -> subprocess.Popen:
    """Start the local fake of Stripe (its hosted pages stand in for Stripe's) and point `env` at it."""
    # The fake is a test and demo tool: imported only when the demo starts it.
    from vitrine.testing.stripe_fake import API_KEY, CONNECT_SECRET, PLATFORM_SECRET, PUBLISHABLE_KEY

    base = f"http://127.0.0.1:{STRIPE_FAKE_PORT}"
    webhooks = f"http://127.0.0.1:{PORT}/stripe/webhooks"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vitrine.testing.stripe_fake",
            "--port",
            str(STRIPE_FAKE_PORT),
            "--platform-webhook",
            f"{webhooks}/plateforme/",
            "--connect-webhook",
            f"{webhooks}/comptes/",
            "--webhook-host",
            "console.localhost",
        ],
        env=env,
        cwd=ROOT_DIR,
    )
    env.update(
        STRIPE_SECRET_KEY=API_KEY,
        STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY,
        STRIPE_WEBHOOK_SECRET_PLATFORM=PLATFORM_SECRET,
        STRIPE_WEBHOOK_SECRET_CONNECT=CONNECT_SECRET,
        STRIPE_API_BASE=base,
    )
    for _attempt in range(50):
        try:
            socket.create_connection(("127.0.0.1", STRIPE_FAKE_PORT), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return process


def banner() -> str:
    return f"""
================================================================================
 Vitrine demo is running (Ctrl-C stops everything)

   Achetez Grand Nancy      http://nancy.localhost:{PORT}
   Limoges en boutiques     http://limoges.localhost:{PORT}
   Tarn, marché des villages http://tarn.localhost:{PORT}
   Console (super-admin)    http://console.localhost:{PORT}

 Console login:   {CONSOLE_EMAIL} / {DEMO_PASSWORD}
 Territory admins: admin@nancy.localhost, admin@limoges.localhost,
                   admin@tarn.localhost (password {DEMO_PASSWORD})
                  (the console and the admins set up two-factor sign-in at first:
                   an authenticator app scans the QR code shown)
 Shop owners:     e.g. bijouterie@nancy.localhost (password {DEMO_PASSWORD});
                  the table above lists every demo shop's login; the first three
                  Click & Collect shops have orders on their board (/pro/commandes/).
 Shopper:         client@nancy.localhost (password {DEMO_PASSWORD}): orders in /compte/.
 Online payment (Nancy, its first three Click & Collect shops): Stripe is the
                  local fake at http://127.0.0.1:{STRIPE_FAKE_PORT}/ (its page says so; card
                  4242 4242 4242 4242 pays, 4000 0027 6000 3184 asks for 3-D Secure).
                  Nancy's team sees the money at /equipe/paiements/rapprochement/.
 Emails are written to var/mail/.
================================================================================
"""


if __name__ == "__main__":
    sys.exit(main())
