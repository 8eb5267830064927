"""The order lifecycle: the one transition function, what each state triggers, the scheduled expiry.

An order moves only along ORDER_TRANSITIONS (orders.models); each move is an OrderEvent (who,
when) and then does what ORDER_EFFECTS lists for the state it enters: emails to the shopper
and the shop (outbox rows, in the same transaction), stock given back. Whoever moves the
order (a merchant, the shopper, a scheduled job, a future payment confirmation) goes through
order_transition, so the same state always has the same effects; the checkout, which
creates orders in their first state, applies that state's effects with order_effects_apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.audit.services import GUEST, audit_record
from vitrine.catalog.models import Product, Variant
from vitrine.common.money import euros
from vitrine.common.pagecache import pages_changed
from vitrine.common.tasks import task_send_by_name_on_commit
from vitrine.metrics import prometheus
from vitrine.notifications.services import outbox_email_send, outbox_emails_send
from vitrine.orders import selectors
from vitrine.orders.links import ShopperProof, order_link_url
from vitrine.orders.models import ORDER_TRANSITIONS, Order, OrderEvent, OrderLine
from vitrine.shops.permissions import NotTheCustomer, shop_member_check

Status = Order.Status


class IllegalTransition(ValidationError):
    """An order asked to move to a state its current state does not lead to."""


# --- What each state triggers ------------------------------------------------------------


@dataclass(frozen=True)
class Email:
    """An email sent on entering a state: notifications/emails/<template>/, to the shopper or to the shop."""

    template: str
    to: Literal["shopper", "shop"]
    lines: bool = False  # the email lists the order's lines
    not_from: frozenset[str] = frozenset()  # the states after which it is not sent


@dataclass(frozen=True)
class StockRelease:
    """The stock the checkout took for the order goes back on the shelf."""

    not_from: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PaymentStep:
    """An order paid online moved: the payments app settles its money (capture what is accepted,
    exclude or refund what is not, pay the shop what it handed over).

    Sent by name, after commit, to the payments app's task: payments sits above orders
    (it moves orders when a payment is authorised) and orders never imports it.
    """

    task: str = "vitrine.payments.tasks.order_payment_step"
    not_from: frozenset[str] = frozenset()


Effect = Email | StockRelease | PaymentStep

# What entering each state does, whatever moved the order there. "" as a from-state: the
# order was just created by the checkout.
ORDER_EFFECTS: dict[str, tuple[Effect, ...]] = {
    # Waiting for an online payment: nobody is told yet; the shop learns of the order once paid.
    Status.PENDING_PAYMENT: (),
    Status.PLACED: (
        Email("order_placed_shopper", to="shopper", lines=True),
        Email("order_placed_shop", to="shop", lines=True),
    ),
    Status.ACCEPTED: (PaymentStep(),),  # the cart's capture waits for every shop's answer
    Status.READY: (Email("order_ready", to="shopper"),),
    Status.COLLECTED: (PaymentStep(),),  # the shop is paid its share
    Status.REFUSED: (StockRelease(), Email("order_refused", to="shopper"), PaymentStep()),
    Status.CANCELLED: (
        StockRelease(),
        Email("order_cancelled_shopper", to="shopper"),
        # An order cancelled before it was paid never reached the shop: nothing to tell it.
        Email("order_cancelled_shop", to="shop", not_from=frozenset({Status.PENDING_PAYMENT})),
        PaymentStep(),  # not charged, or refunded
    ),
    Status.NOT_COLLECTED: (StockRelease(), PaymentStep()),  # refunded
}

# Not a state: the "collect before" email the expiry job sends once to a ready order.
REMINDER = Email("order_reminder", to="shopper")


def order_effects_apply(
    *,
    orders: Sequence[Order],
    to: str,
    from_status: str,
    lines: dict[int, list[OrderLine]] | None = None,
) -> None:
    """Do what entering `to` from `from_status` ("" for a new order) triggers, per ORDER_EFFECTS.

    `lines`: the orders' lines by order id when the caller has them (the checkout, which
    creates them in bulk): the emails then read nothing more from the database.
    """
    effects = [effect for effect in ORDER_EFFECTS[to] if from_status not in effect.not_from]
    emails: list[tuple[list[str], str, dict]] = []
    for order in orders:
        for effect in effects:
            if isinstance(effect, StockRelease):
                _stock_release(order)
            elif isinstance(effect, PaymentStep):
                if order.paid_online:
                    task_send_by_name_on_commit(effect.task, order_id=order.pk)
            else:
                emails.append(_email_of(order, effect, lines=(lines or {}).get(order.pk)))
    # Every order's emails in one INSERT and one task: a fixed cost whatever the number of orders.
    outbox_emails_send(emails=emails)


# --- Transitions -------------------------------------------------------------------------


@transaction.atomic
def order_transition(*, order: Order, to: str, actor: User | None, note: str = "", by_guest: bool = False) -> Order:
    """Move an order along ORDER_TRANSITIONS, record who and when, and apply the new state's ORDER_EFFECTS.

    The one door for every change of an order's state, whoever asks.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if to not in ORDER_TRANSITIONS[locked.status]:
        raise IllegalTransition(
            _("This order is “%(current)s”: it cannot become “%(target)s”.")
            % {"current": Status(locked.status).label, "target": Status(to).label},
            code="illegal_transition",
        )
    from_status = locked.status
    event = OrderEvent.objects.create(
        order=locked,
        from_status=from_status,
        to_status=to,
        actor=actor,
        actor_label=str(actor) if actor else _("system"),
        note=note,
    )
    locked.status = to
    fields = ["status", "updated_at"]
    if to == Status.REFUSED:
        locked.refusal_reason = note
        fields.append("refusal_reason")
    elif to == Status.COLLECTED:
        locked.collected_at = event.created_at  # the day's takings count it on the day it was handed over
        fields.append("collected_at")
    elif to == Status.PLACED:
        locked.placed_at = event.created_at  # its payment came: now it counts as placed
        fields.append("placed_at")
        transaction.on_commit(lambda: prometheus.orders_placed_count(1))
    locked.save(update_fields=fields)
    order.status, order.refusal_reason, order.updated_at = locked.status, locked.refusal_reason, locked.updated_at
    order.collected_at, order.placed_at = locked.collected_at, locked.placed_at
    audit_record(
        actor=actor,
        actor_label=GUEST if by_guest else "",
        verb=f"order.{to}",
        obj=locked,
        label=locked.pickup_code,
        # The shop's id for the dashboards, its name for the people reading the trail.
        payload={
            "from": from_status,
            "shop": locked.shop_id,
            "shop_name": order.shop.name,
            **({"note": note} if note else {}),
        },
    )
    # The caller's instance: its shop is usually loaded already, the emails read it.
    order_effects_apply(orders=[order], to=to, from_status=from_status)
    return order


@transaction.atomic
def order_accept(*, order: Order, actor: User) -> Order:
    """Accept a placed order for the shop (a member of it)."""
    shop_member_check(shop=order.shop, user=actor)
    return order_transition(order=order, to=Status.ACCEPTED, actor=actor)


@transaction.atomic
def order_mark_ready(*, order: Order, actor: User) -> Order:
    """Mark the order ready for pickup (a member of the shop); the shopper is told."""
    shop_member_check(shop=order.shop, user=actor)
    return order_transition(order=order, to=Status.READY, actor=actor)


@transaction.atomic
def order_mark_collected(*, order: Order, actor: User) -> Order:
    """Record that the shopper collected the order (a member of the shop)."""
    shop_member_check(shop=order.shop, user=actor)
    return order_transition(order=order, to=Status.COLLECTED, actor=actor)


@transaction.atomic
def order_refuse(*, order: Order, actor: User, reason: str) -> Order:
    """Refuse the order for the shop (a member of it), with the reason the shopper is told."""
    shop_member_check(shop=order.shop, user=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Tell the shopper why you refuse this order."), code="reason_required")
    return order_transition(order=order, to=Status.REFUSED, actor=actor, note=reason)


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None, proof: ShopperProof | None = None) -> Order:
    """Cancel the order for its shopper (before it is ready); actor None for a guest.

    Only its shopper may: the account that placed it, or whoever shows `proof` for it (the
    signed link of its emails, or the session that placed it). Holding an order's id or its
    checkout key proves nothing.
    """
    by_account = actor is not None and order.customer_id is not None and order.customer_id == actor.pk
    by_proof = proof is not None and proof.order_id == order.pk
    if not (by_account or by_proof):
        raise NotTheCustomer("Not this shopper's order.")
    return order_transition(
        order=order, to=Status.CANCELLED, actor=actor, note="" if actor else _("guest"), by_guest=actor is None
    )


@transaction.atomic
def order_expire(*, order: Order) -> Order:
    """Mark an order not collected in time; its stock goes back on the shelf."""
    return order_transition(order=order, to=Status.NOT_COLLECTED, actor=None)


@transaction.atomic
def order_unpaid_expire(*, order: Order) -> Order:
    """Cancel an order whose online payment never came; its stock goes back on the shelf."""
    return order_transition(order=order, to=Status.CANCELLED, actor=None, note=_("not paid in time"))


@transaction.atomic
def order_remind(*, order: Order) -> bool:
    """Send the "collect before" reminder once; return whether it was sent now."""
    claimed = Order.objects.filter(pk=order.pk, reminder_sent_at__isnull=True, status=Status.READY).update(
        reminder_sent_at=timezone.now()
    )
    if claimed:
        _email_send(order, REMINDER)
    return bool(claimed)


def orders_expire_due(*, now: datetime | None = None) -> tuple[int, int]:
    """Remind and release this territory's due orders; return (reminded, released). Safe to rerun.

    Released: ready or accepted orders not collected in time, and orders whose online payment
    did not come within the territory's delay (cancelled); both give their stock back.
    """
    now = now or timezone.now()
    rules = selectors.order_settings()  # read once, however many orders are due
    reminded = released = 0
    for order in selectors.orders_reminder_due(now=now, settings=rules):
        reminded += order_remind(order=order)
    due = [(order_expire, order) for order in selectors.orders_expiry_due(now=now, settings=rules)]
    due += [(order_unpaid_expire, order) for order in selectors.orders_unpaid_due(now=now, settings=rules)]
    for expire, order in due:
        try:
            expire(order=order)
            released += 1
        except IllegalTransition:  # moved meanwhile (collected at the counter, paid): nothing to do
            pass
    return reminded, released


# --- Effects -----------------------------------------------------------------------------


def _stock_release(order: Order) -> None:
    """Give the order's reserved stock back, in the checkout's lock order (products by key, then variants).

    A checkout (orders.checkout) locks Products then Variants, each in primary-key order: a
    release taking its rows in the same order waits behind a checkout (or the other way
    round) and never deadlocks with it. Per table, one lock in key order (an UPDATE alone
    locks its rows in whatever order the plan reads them) and one UPDATE, whatever the
    number of lines.
    """
    given: dict[type[Product] | type[Variant], dict[int, int]] = {Product: {}, Variant: {}}
    for line in order.lines.filter(stock_reserved=True):
        model, pk = (Variant, line.variant_id) if line.variant_id is not None else (Product, line.product_id)
        if pk is not None:  # a product deleted since: nothing to give back
            given[model][pk] = given[model].get(pk, 0) + line.quantity
    for model, quantities in given.items():
        if not quantities:
            continue
        list(model.objects.select_for_update().filter(pk__in=quantities).order_by("pk").values_list("pk", flat=True))
        model.objects.filter(pk__in=quantities).update(
            stock=F("stock")
            + Case(*(When(pk=pk, then=Value(q)) for pk, q in sorted(quantities.items())), output_field=IntegerField())
        )
        pages_changed()  # stock shown on product pages (an UPDATE: no signal)


def _email_send(order: Order, email: Email, *, lines: list[OrderLine] | None = None) -> None:
    """Queue the order's email `email` (in the caller's transaction, sent after commit)."""
    to, template, context = _email_of(order, email, lines=lines)
    outbox_email_send(to=to, template=template, context=context)


def _email_of(order: Order, email: Email, *, lines: list[OrderLine] | None = None) -> tuple[list[str], str, dict]:
    """The order's email `email`: its recipients, template and context."""
    to = order.email if email.to == "shopper" else order.shop.email
    context = _email_context(order, lines=lines, with_lines=email.lines)
    if email.to == "shopper":  # their way back to the order from any device, account or not
        context["url"] = order_link_url(order=order)
        territory = connection.tenant  # type: ignore[attr-defined]  # django-tenants' connection
        if getattr(territory, "lockdown", False):  # lockdown mode: how to collect without contact
            with translation.override(settings.LANGUAGE_CODE):
                context["pickup_instructions"] = territory.pickup_instructions_text
    return [to], email.template, context


def _email_context(order: Order, *, lines: list[OrderLine] | None, with_lines: bool) -> dict[str, object]:
    """The values an order's emails show, formatted in the territory's language like their wording."""
    with translation.override(settings.LANGUAGE_CODE):  # days and amounts as the email's language writes them
        shop = order.shop
        starts = timezone.localtime(order.pickup_starts_at, selectors.territory_zone())
        ends = timezone.localtime(order.pickup_ends_at, selectors.territory_zone())
        context: dict[str, object] = {
            "name": order.customer_name,
            "email": order.email,
            "phone": order.phone or "—",
            "code": order.pickup_code,
            "total": euros(order.total),
            "paid_online": order.paid_online,  # then nothing is to be paid at the counter
            "reason": order.refusal_reason,
            "shop": shop.name,
            "address": (
                f"{shop.address}, {shop.commune.postcode} {shop.commune.name}" if shop.commune_id else shop.address
            ),
            "pickup": _("%(day)s between %(start)s and %(end)s")
            % {
                "day": selectors.day_label(starts.date()).lower(),
                "start": starts.strftime("%H:%M"),
                "end": ends.strftime("%H:%M"),
            },
            "territory": getattr(connection.tenant, "name", "Vitrine"),  # type: ignore[attr-defined]  # django-tenants' connection
        }
        if with_lines:
            context["lines"] = [
                {
                    "quantity": line.quantity,
                    "total": euros(line.line_total),
                    "name": f"{line.title} ({line.variant_name})" if line.variant_name else line.title,
                }
                for line in (order.lines.all() if lines is None else lines)
            ]
    return context
