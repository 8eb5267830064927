"""Signed links to an order for the person who placed it: in its emails, opened on any device.

A guest has no account to sign in to: the link is their way back to the order (status, pickup
code and QR code, cancelling it) from another phone or computer. It is /commande/<token>/, the
token signed with django.core.signing (a TimestampSigner under this module's salt) over

- the order's id and its territory's schema: a token shown on another territory's host is
  refused, even where an order of that id exists;
- a fingerprint of the pickup code and the email address (keyed, so the readable payload
  reveals neither): an order anonymised when its shopper deletes their account, or given a new
  code, leaves every earlier link dead.

How long a link works: while the order is on its way (awaiting payment, placed, accepted,
ready), then LINK_DAYS_AFTER_END days after it ended (collected, cancelled, refused, not
collected; counted from its last change), and never more than LINK_MAX_AGE after the email
that carried it was sent. An order's path from checkout to its end takes at most a few weeks
(a pickup slot within a week, release after the territory's delay of at most 30 days), so a
link from the first email lasts the order's whole life and a month after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.core import signing
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from vitrine.orders import selectors
from vitrine.orders.models import Order
from vitrine.shops.notices import territory_link

SALT = "vitrine.orders.links.order"
LINK_DAYS_AFTER_END = 30
LINK_MAX_AGE = timedelta(days=90)
# A real token is about 110 characters; anything much longer is not worth verifying.
TOKEN_MAX_LENGTH = 300


class OrderLinkInvalid(Exception):
    """A link that is not, or no longer, an order's: forged, altered, another territory's, or dead."""


class OrderLinkExpired(OrderLinkInvalid):
    """A genuine link past its time (LINK_MAX_AGE, or LINK_DAYS_AFTER_END after the order ended)."""


@dataclass(frozen=True)
class ShopperProof:
    """What shows that the person acting for a guest placed order `order_id`.

    `via`: "link", the signed link of the order's emails (orders.links.order_by_link), or
    "session", the browser session that placed it (the checkout's confirmation pages).
    orders.lifecycle.order_cancel asks for one when nobody's account owns the order.
    """

    order_id: int
    via: Literal["link", "session"]


def _signer() -> signing.TimestampSigner:
    # Dots rather than the default colons: legal in a path, but some mail programs and URL tools escape them.
    return signing.TimestampSigner(salt=SALT, sep=".")


def _fingerprint(order: Order) -> str:
    return salted_hmac(f"{SALT}.fingerprint", f"{order.pickup_code}|{order.email}").hexdigest()[:16]


def order_link_token(*, order: Order) -> str:
    """Sign a token for `order` in the current territory (its emails put it in their link)."""
    schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection
    return _signer().sign_object({"o": order.pk, "t": schema, "f": _fingerprint(order)})


def order_link_url(*, order: Order) -> str:
    """The order's link, absolute, on its territory's own address (never the Host of a request)."""
    return territory_link("order_link", token=order_link_token(order=order))


def order_by_link(*, token: str, now: datetime | None = None) -> tuple[Order, ShopperProof]:
    """The order a link points to, with the proof that its holder is the order's shopper.

    Raises OrderLinkExpired for a genuine link past its time, OrderLinkInvalid for anything else
    (forged, altered, another territory's, an order since anonymised or gone).
    """
    if len(token) > TOKEN_MAX_LENGTH:
        raise OrderLinkInvalid
    try:
        data = _signer().unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise OrderLinkExpired from None
    except signing.BadSignature:
        raise OrderLinkInvalid from None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("f"), str):
        raise OrderLinkInvalid
    if data.get("t") != connection.schema_name:  # type: ignore[attr-defined]  # django-tenants' connection
        raise OrderLinkInvalid
    order = selectors.order_page_get(order_id=data["o"])
    if order is None or not constant_time_compare(data["f"], _fingerprint(order)):
        raise OrderLinkInvalid
    if order.status not in Order.IN_PROGRESS:
        if order.updated_at < (now or timezone.now()) - timedelta(days=LINK_DAYS_AFTER_END):
            raise OrderLinkExpired
    return order, ShopperProof(order_id=order.pk, via="link")
