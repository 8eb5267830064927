"""Nudging inactive shops (issue #12): who is inactive, the email the team writes, and its sending.

A shop is inactive when its catalogue is stale (no product changed in N days, or none at all)
or when it had no order in N days. The team writes an email (or keeps the default one) with
placeholders, previews it for one shop, and sends it to the shops it ticks. A shop nudged less
than NUDGE_CAP_DAYS ago is skipped (shown, not emailed): the audit trail's "shop.nudge" rows are
the record the cap reads, one per email sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.audit.services import audit_record
from vitrine.catalog.models import Product
from vitrine.notifications.services import outbox_email_queue
from vitrine.orders.models import Order
from vitrine.shops.models import Shop
from vitrine.shops.notices import shop_owner_emails, territory_link
from vitrine.shops.permissions import staff_check

NUDGE_VERB = "shop.nudge"
NUDGE_CAP_DAYS = 14
NUDGE_MAX_SHOPS = 200  # one send; the form lists at most this many
DAYS_CHOICES = (14, 30, 60, 90)

REASON_STALE = "stale"
REASON_NO_ORDER = "no_order"
REASONS = {
    REASON_STALE: gettext_lazy("Stale catalogue"),
    REASON_NO_ORDER: gettext_lazy("No recent order"),
}

# The placeholders the team may use, replaced for each shop (anything else stays as typed).
PLACEHOLDERS = ("{boutique}", "{constat}", "{lien}", "{territoire}")
DEFAULT_SUBJECT = gettext_lazy("{boutique}: your storefront on {territoire}")
DEFAULT_BODY = gettext_lazy(
    "Hello,\n\n"
    "We noticed that {constat}. Shoppers of {territoire} look for local shops like yours: a few fresh "
    "products, with a photo and a price, are enough to be found again.\n\n"
    "Your merchant area, from your phone: {lien}\n\n"
    "Need a hand? Just answer this email, the territory team will call you back.\n"
)


@dataclass(frozen=True)
class NudgeRow:
    shop: Shop
    last_product_at: datetime | None
    last_order_at: datetime | None
    last_nudged_at: datetime | None
    capped: bool  # nudged within the cap: shown, skipped

    def finding(self, *, reason: str, days: int) -> str:
        """What is stale, in one phrase for the email's {constat}."""
        if reason == REASON_NO_ORDER:
            return _("%(shop)s has had no Click & Collect order in the last %(days)s days") % {
                "shop": self.shop.name,
                "days": days,
            }
        if self.last_product_at is None:
            return _("%(shop)s has no product online yet") % {"shop": self.shop.name}
        return _("no product of %(shop)s has been updated since %(date)s") % {
            "shop": self.shop.name,
            "date": timezone.localtime(self.last_product_at).strftime("%d/%m/%Y"),
        }


def _last_nudges() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(verb=NUDGE_VERB, object_type="shop", object_id=OuterRef("pk"))


def nudge_candidates(*, reason: str, days: int, now: datetime | None = None) -> list[NudgeRow]:
    """Approved shops inactive for `days` by `reason`, the longest inactive first, with their last nudge."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    cap_since = now - timedelta(days=NUDGE_CAP_DAYS)
    # Subqueries, not joins: a shop's products times its orders would multiply the rows.
    products = Product.objects.filter(shop=OuterRef("pk")).exclude(status=Product.Status.ARCHIVED)
    shops = Shop.objects.filter(status=Shop.Status.APPROVED).annotate(
        last_product_at=Subquery(products.order_by("-updated_at").values("updated_at")[:1]),
        last_order_at=Subquery(
            Order.objects.filter(shop=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
        ),
        last_nudged_at=Subquery(_last_nudges().order_by("-created_at").values("created_at")[:1]),
    )
    if reason == REASON_STALE:
        shops = shops.filter(Q(last_product_at__isnull=True) | Q(last_product_at__lt=since))
        order_by = ["last_product_at", "name"]
    elif reason == REASON_NO_ORDER:
        shops = shops.filter(takes_orders_q()).exclude(
            Exists(Order.objects.filter(shop=OuterRef("pk"), created_at__gte=since))
        )
        order_by = ["last_order_at", "name"]
    else:
        raise ValueError(reason)
    rows = []
    for shop in shops.order_by(*order_by)[:NUDGE_MAX_SHOPS]:
        nudged = shop.last_nudged_at
        rows.append(
            NudgeRow(
                shop=shop,
                last_product_at=shop.last_product_at,
                last_order_at=shop.last_order_at,
                last_nudged_at=nudged,
                capped=nudged is not None and nudged > cap_since,
            )
        )
    return rows


def takes_orders_q() -> Q:
    return Q(click_and_collect=True, showcase_only=False)


def nudge_render(
    *, subject: str, body: str, row: NudgeRow, reason: str, days: int, territory_name: str
) -> tuple[str, str]:
    """The email for one shop: the placeholders replaced (plain text: nothing typed is a template)."""
    values = {
        "{boutique}": row.shop.name,
        "{constat}": row.finding(reason=reason, days=days),
        "{lien}": territory_link("merchant_home"),
        "{territoire}": territory_name,
    }
    for key, value in values.items():
        subject, body = subject.replace(key, value), body.replace(key, value)
    return " ".join(subject.split()), body.strip() + "\n"


def nudge_text_check(*, subject: str, body: str) -> None:
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors["subject"] = [_("Write the email's subject.")]
    elif len(subject) > 150:
        errors["subject"] = [_("Keep the subject under 150 characters.")]
    if not body.strip():
        errors["body"] = [_("Write the email.")]
    elif len(body) > 5000:
        errors["body"] = [_("Keep the email under 5000 characters.")]
    elif "{lien}" not in body:
        errors["body"] = [_("Keep {lien} in the email: it is the shop's way to its merchant area.")]
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class NudgeOutcome:
    sent: list[Shop]
    skipped: list[Shop]  # under the cap, or without an owner's address


@transaction.atomic
def nudge_send(
    *,
    actor: User,
    shop_ids: list[int],
    reason: str,
    days: int,
    subject: str,
    body: str,
    territory_name: str,
    now: datetime | None = None,
) -> NudgeOutcome:
    """Email the chosen inactive shops through the outbox; one audit row per shop emailed; the team only.

    Shops nudged within the cap (or no longer inactive, or with no owner to write to) are skipped.
    """
    staff_check(actor)
    nudge_text_check(subject=subject, body=body)
    if not shop_ids:
        raise ValidationError({"shops": [_("Tick at least one shop.")]})
    rows = {row.shop.pk: row for row in nudge_candidates(reason=reason, days=days, now=now)}
    # Locked: two sends at once (a double tap) cannot both pass the cap.
    chosen = list(Shop.objects.select_for_update().filter(pk__in=shop_ids).order_by("pk"))
    sent, skipped = [], []
    for shop in chosen:
        row = rows.get(shop.pk)
        already = AuditEvent.objects.filter(
            verb=NUDGE_VERB,
            object_type="shop",
            object_id=shop.pk,
            created_at__gt=(now or timezone.now()) - timedelta(days=NUDGE_CAP_DAYS),
        ).exists()
        owners = shop_owner_emails(shop)
        if row is None or already or not owners:
            skipped.append(shop)
            continue
        email_subject, email_body = nudge_render(
            subject=subject, body=body, row=row, reason=reason, days=days, territory_name=territory_name
        )
        outbox_email_queue(to=owners, subject=email_subject, body=email_body)
        audit_record(
            actor=actor, verb=NUDGE_VERB, obj=shop, payload={"reason": reason, "days": days, "subject": email_subject}
        )
        sent.append(shop)
    return NudgeOutcome(sent=sent, skipped=skipped)
