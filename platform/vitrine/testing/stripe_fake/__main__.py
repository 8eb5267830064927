"""Run the Stripe fake as a server for the demo: `python -m vitrine.testing.stripe_fake --port 12111 ...`."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from types import FrameType

from vitrine.testing.stripe_fake.fake import CONNECT_SECRET, PLATFORM_SECRET, StripeFake
from vitrine.testing.stripe_fake.webhooks import WebhookEndpoint, Webhooks

logger = logging.getLogger("vitrine.testing.stripe_fake")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m vitrine.testing.stripe_fake",
        description="A local fake of the Stripe API (test double: no real payment, nothing sent to Stripe).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=12111, help="port to listen on (default 12111)")
    parser.add_argument("--public-url", help="the fake's address as browsers reach it (default http://HOST:PORT)")
    parser.add_argument("--platform-webhook", help="URL of the platform's webhook endpoint")
    parser.add_argument("--connect-webhook", help="URL of the connected accounts' webhook endpoint")
    parser.add_argument("--platform-secret", default=PLATFORM_SECRET, help="signing secret of the platform endpoint")
    parser.add_argument("--connect-secret", default=CONNECT_SECRET, help="signing secret of the connect endpoint")
    parser.add_argument("--webhook-host", help="Host header of webhook deliveries (e.g. console.localhost)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM)."""
    options = arguments(argv)
    logging.basicConfig(level=logging.DEBUG if options.verbose else logging.INFO, format="stripe-fake %(message)s")
    platform = (
        WebhookEndpoint(options.platform_webhook, options.platform_secret, options.webhook_host)
        if options.platform_webhook
        else None
    )
    connect = (
        WebhookEndpoint(options.connect_webhook, options.connect_secret, options.webhook_host)
        if options.connect_webhook
        else None
    )
    stop = threading.Event()

    def interrupted(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    fake = StripeFake(
        webhooks=Webhooks(platform=platform, connect=connect),
        host=options.host,
        port=options.port,
        public_url=options.public_url,
    )
    with fake:
        logger.info("Stripe fake (test double, not Stripe) on %s", fake.base_url)
        stop.wait()


if __name__ == "__main__":
    main()
