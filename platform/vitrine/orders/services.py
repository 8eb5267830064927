"""Writes on carts and orders: the cart, checkout with stock reservation, the order lifecycle.

Stock is taken under row locks (in primary-key order) with conditional UPDATEs
(`stock = stock - q WHERE stock >= q`), never read-then-write without a lock, and the
whole checkout is one transaction with a fixed number of queries whatever the number of
lines: one line short of stock and no order is made. An order moves only along
ORDER_TRANSITIONS; each move is an OrderEvent (who, when) and the emails it causes are
outbox rows in the same transaction. The shop's and the territory's settings (pickup
slots, release delay) are written here too.
"""
from __future__ import annotations

import itertools
import operator
import secrets
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.catalog.models import Product, Variant
from vitrine.notifications.services import outbox_email_queue
from vitrine.orders import selectors
from vitrine.orders.models import (
    ORDER_TRANSITIONS,
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    OrderSettings,
    PickupSettings,
)
from vitrine.orders.selectors import ON_REQUEST_MAX, available_quantity
from vitrine.shops.permissions import shop_member_check
from vitrine.catalog.templatetags.catalog_tags import euros
from vitrine.shops.models import ClosingPeriod, Shop, ShopMember

Status = Order.Status

PICKUP_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
PICKUP_CODE_LENGTH = 6
# A new code is drawn when one is already taken (31^6 codes: a second clash in a row is unheard of).
PICKUP_CODE_TRIES = 5

# Leaving the order's way to the counter gives its stock back.
STOCK_RELEASING = frozenset({Status.REFUSED, Status.CANCELLED, Status.NOT_COLLECTED})


class CartError(ValidationError):
    """A cart change that cannot be made; the message is for the shopper."""


class CheckoutError(ValidationError):
    """A checkout that cannot go through; nothing was reserved or ordered."""


class IllegalTransition(ValidationError):
    """An order asked to move to a state its current state does not lead to."""


# --- Cart --------------------------------------------------------------------------------

def cart_create(*, user: User | None = None) -> Cart:
    """A new cart: the account's when signed in (one per account), else a visitor's."""
    if user is not None:
        cart, _created = Cart.objects.get_or_create(user=user)
        return cart
    return Cart.objects.create()


def _sellable_check(product: Product) -> None:
    """Refuse a product that cannot be ordered: unpublished, or its shop does not take orders (Shop.takes_orders)."""
    shop = product.shop
    if product.status != Product.Status.PUBLISHED or shop.status != Shop.Status.APPROVED:
        raise CartError(_("This product is not for sale."))
    if not shop.takes_orders:
        raise CartError(_("%(shop)s does not take orders online: visit the shop or call it.") % {"shop": shop.name})


def _sellable_product(product_id) -> Product:
    try:
        product_id = int(product_id)
    except (TypeError, ValueError):
        raise CartError(_("This product does not exist on this marketplace.")) from None
    product = Product.objects.select_related("shop").filter(pk=product_id).first()
    if product is None:
        raise CartError(_("This product does not exist on this marketplace."))
    _sellable_check(product)
    return product


def _variant_for(product: Product, variant_id) -> Variant | None:
    has_variants = product.variants.exists()
    if variant_id in (None, ""):
        if has_variants:
            raise CartError(_("Choose a variant first (e.g. a size)."))
        return None
    try:
        variant_id = int(variant_id)
    except (TypeError, ValueError):
        raise CartError(_("This variant does not exist for this product.")) from None
    variant = Variant.objects.filter(pk=variant_id, product=product).first()
    if variant is None:
        raise CartError(_("This variant does not exist for this product."))
    return variant


def _quantity_parse(quantity) -> int:
    try:
        value = int(quantity)
    except (TypeError, ValueError):
        raise CartError(_("Choose a quantity of at least 1.")) from None
    if value < 1:
        raise CartError(_("Choose a quantity of at least 1."))
    return value


def _quantity_check(product: Product, variant: Variant | None, quantity: int) -> None:
    available = available_quantity(product, variant)
    if available <= 0:
        raise CartError(_("“%(title)s” is out of stock.") % {"title": product.title})
    if quantity > available:
        raise CartError(
            _("Only %(n)s of “%(title)s” can be ordered.") % {"n": available, "title": product.title}
        )


@transaction.atomic
def cart_add(*, cart: Cart, product_id, variant_id=None, quantity=1) -> CartLine:
    """Add a product (and variant) to the cart, within what is available; the line's new state."""
    quantity = _quantity_parse(quantity)
    product = _sellable_product(product_id)
    variant = _variant_for(product, variant_id)
    line = CartLine.objects.select_for_update().filter(cart=cart, product=product, variant=variant).first()
    total = quantity + (line.quantity if line else 0)
    _quantity_check(product, variant, total)
    if line is None:
        return CartLine.objects.create(cart=cart, product=product, variant=variant, quantity=total)
    line.quantity = total
    line.save(update_fields=["quantity"])
    return line


def _cart_line_get(cart: Cart, line_id) -> CartLine:
    try:
        line_id = int(line_id)
    except (TypeError, ValueError):
        line_id = 0
    line = CartLine.objects.select_related("product", "variant").filter(cart=cart, pk=line_id).first()
    if line is None:
        raise CartError(_("This line is no longer in your cart."))
    return line


@transaction.atomic
def cart_set_quantity(*, cart: Cart, line_id, quantity) -> CartLine | None:
    """Set a line's quantity; 0 removes it (None returned)."""
    line = _cart_line_get(cart, line_id)
    try:
        wanted = int(quantity)
    except (TypeError, ValueError):
        raise CartError(_("Choose a quantity of at least 1.")) from None
    if wanted == 0:
        line.delete()
        return None
    wanted = _quantity_parse(wanted)
    _quantity_check(line.product, line.variant, wanted)
    line.quantity = wanted
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def cart_remove(*, cart: Cart, line_id) -> None:
    _cart_line_get(cart, line_id).delete()


@transaction.atomic
def cart_merge_on_login(*, anonymous_cart: Cart, user: User) -> Cart:
    """Move a visitor's lines into the account's cart (quantities added, capped by what is available)."""
    cart = cart_create(user=user)
    if anonymous_cart.pk == cart.pk:
        return cart
    existing = {(line.product_id, line.variant_id): line for line in cart.lines.select_related("product", "variant")}
    for line in anonymous_cart.lines.select_related("product", "variant"):
        available = available_quantity(line.product, line.variant)
        mine = existing.get((line.product_id, line.variant_id))
        if mine is None:
            quantity = min(line.quantity, available)
            if quantity > 0:
                CartLine.objects.create(cart=cart, product=line.product, variant=line.variant, quantity=quantity)
        else:
            quantity = min(mine.quantity + line.quantity, max(available, mine.quantity))
            if quantity != mine.quantity:
                mine.quantity = quantity
                mine.save(update_fields=["quantity"])
    anonymous_cart.delete()
    return cart


# --- Checkout ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Guest:
    name: str
    email: str
    phone: str


def pickup_code_make() -> str:
    """A short random code to read at the counter; the unique constraint (and a retry) keeps it unused."""
    return "".join(secrets.choice(PICKUP_CODE_ALPHABET) for _i in range(PICKUP_CODE_LENGTH))


def _random_codes() -> Iterator[str]:
    while True:
        yield pickup_code_make()


def _guest_check(guest: Guest) -> Guest:
    errors = []
    name, email, phone = guest.name.strip(), guest.email.strip().lower(), guest.phone.strip()
    if not name:
        errors.append(_("Give the name the order will be under."))
    try:
        validate_email(email)
    except ValidationError:
        errors.append(_("Enter a valid email address: your confirmation and pickup code go there."))
    digits = [c for c in phone if c.isdigit()]
    if len(digits) < 10 or len(phone) > 20 or any(not (c.isdigit() or c in " +.-()") for c in phone):
        errors.append(_("Enter a phone number the shop can call (e.g. 06 12 34 56 78)."))
    if errors:
        raise CheckoutError(errors)
    return Guest(name=name, email=email, phone=phone)


def _stock_take(lines: list[CartLine]) -> set[int]:
    """Take every line's quantity from stock, all or nothing; the ids of the lines whose stock was taken.

    The rows are locked in primary-key order (two checkouts sharing products wait for each
    other instead of deadlocking), then one conditional UPDATE per table takes the stock:
    a fixed number of queries whatever the number of lines.
    """
    wanted: dict[type, dict[int, int]] = {Product: {}, Variant: {}}
    titles: dict[tuple[type, int], str] = {}
    reserved: set[int] = set()
    for line in lines:
        product = line.product
        if product.availability == Product.Availability.ON_REQUEST:
            if line.quantity > ON_REQUEST_MAX:
                raise CheckoutError(_("Only %(n)s of “%(title)s” can be ordered.") % {"n": ON_REQUEST_MAX, "title": product.title})
            continue
        model, pk = (Variant, line.variant_id) if line.variant_id is not None else (Product, product.pk)
        wanted[model][pk] = wanted[model].get(pk, 0) + line.quantity
        titles[(model, pk)] = product.title
        reserved.add(line.pk)
    for model, quantities in wanted.items():
        if not quantities:
            continue
        stock = dict(model.objects.select_for_update().filter(pk__in=quantities).order_by("pk").values_list("pk", "stock"))
        for pk, quantity in sorted(quantities.items()):
            left = stock.get(pk, 0)
            if left < quantity:
                title = titles[(model, pk)]
                if left <= 0:
                    raise CheckoutError(_("“%(title)s” is now out of stock: remove it from your cart.") % {"title": title})
                raise CheckoutError(
                    _("Only %(n)s of “%(title)s” left: change the quantity in your cart.") % {"n": left, "title": title}
                )
        # Still conditional: the rows are locked, but an UPDATE that cannot oversell costs nothing more.
        taken = model.objects.filter(reduce(operator.or_, (Q(pk=pk, stock__gte=q) for pk, q in quantities.items()))).update(
            stock=F("stock") - Case(*(When(pk=pk, then=Value(q)) for pk, q in quantities.items()), output_field=IntegerField())
        )
        if taken != len(quantities):  # cannot happen while the rows are locked; never sell what is not there
            raise CheckoutError(_("Some items of your cart just sold out: check your cart and try again."))
    return reserved


def _release(order: Order) -> None:
    """Give the order's reserved stock back, in the checkout's lock order (products by key, then variants).

    A checkout locks Products then Variants, each in primary-key order: a release taking its
    rows in the same order waits behind a checkout (or the other way round) and never
    deadlocks with it. Per table, one lock in key order (an UPDATE alone locks its rows in
    whatever order the plan reads them) and one UPDATE, whatever the number of lines.
    """
    given: dict[type, dict[int, int]] = {Product: {}, Variant: {}}
    for line in order.lines.filter(stock_reserved=True):
        model, pk = (Variant, line.variant_id) if line.variant_id is not None else (Product, line.product_id)
        if pk is not None:  # a product deleted since: nothing to give back
            given[model][pk] = given[model].get(pk, 0) + line.quantity
    for model, quantities in given.items():
        if not quantities:
            continue
        list(model.objects.select_for_update().filter(pk__in=quantities).order_by("pk").values_list("pk", flat=True))
        model.objects.filter(pk__in=quantities).update(
            stock=F("stock") + Case(*(When(pk=pk, then=Value(q)) for pk, q in sorted(quantities.items())),
                                    output_field=IntegerField())
        )


def _pickup_settings_of(shop: Shop) -> PickupSettings:
    """The shop's pickup settings as the checkout loaded them (select_related), or the defaults."""
    try:
        settings = shop.pickup_settings
    except PickupSettings.DoesNotExist:
        settings = None
    return settings or PickupSettings(shop=shop)


def _slot_check(shop: Shop, starts_at, *, now: datetime, settings: PickupSettings | None = None) -> selectors.Slot:
    if not isinstance(starts_at, datetime):
        try:
            starts_at = datetime.fromisoformat(str(starts_at))
        except ValueError:
            starts_at = None
    if starts_at is None or timezone.is_naive(starts_at):
        raise CheckoutError(_("Choose a pickup time for %(shop)s.") % {"shop": shop.name})
    # The capacity is counted under a lock on the shop's settings: two checkouts for
    # the last place of a slot are served one after the other.
    settings = settings or selectors.pickup_settings_for(shop)
    if settings.slot_capacity is not None:
        settings = PickupSettings.objects.select_for_update().get(pk=settings.pk)
    for slot in selectors.checkout_slots(shop=shop, now=now, settings=settings):
        if slot.starts_at == starts_at:
            if slot.remaining is not None and slot.remaining <= 0:
                raise CheckoutError(
                    _("The pickup time you chose at %(shop)s is full: choose another one.") % {"shop": shop.name}
                )
            return slot
    raise CheckoutError(
        _("%(shop)s cannot have your order ready at that time (closed, or too soon): choose another pickup time.")
        % {"shop": shop.name}
    )


def order_place(
    *, cart: Cart, customer: User | None = None, guest: Guest | None = None,
    slots: dict[int, datetime | str], idempotency_key: uuid.UUID | str, now: datetime | None = None,
    pickup_codes: Iterable[str] | None = None,
) -> list[Order]:
    """Turn the cart into one order per shop, each with its pickup slot; stock reserved, cart emptied.

    Submitting again with the same key returns the orders the first submit made.
    `pickup_codes`: where the pickup codes come from (random by default; tests pass a
    code already taken to check that a clash draws a new one).
    """
    try:
        key = uuid.UUID(str(idempotency_key))
    except ValueError:
        raise CheckoutError(_("This form has expired: reload the page and try again.")) from None
    existing = selectors.orders_for_checkout(idempotency_key=key)
    if existing:
        return existing
    codes = itertools.chain(pickup_codes or (), _random_codes())
    try:
        with transaction.atomic():
            return _order_place(cart=cart, customer=customer, guest=guest, slots=slots, key=key,
                                now=now or timezone.now(), codes=codes)
    except IntegrityError:
        # The same form submitted twice at once: the first submit won; return its orders.
        existing = selectors.orders_for_checkout(idempotency_key=key)
        if existing:
            return existing
        raise


def _is_pickup_code_clash(error: IntegrityError) -> bool:
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or ""
    return "pickup_code" in constraint


def _orders_insert(orders: list[Order], codes: Iterator[str]) -> None:
    """Insert the orders with fresh pickup codes; a code already taken is drawn again (a savepoint
    undoes only the failed insert, the stock taken and the locks held stay)."""
    for _attempt in range(PICKUP_CODE_TRIES):
        drawn: list[str] = []
        while len(drawn) < len(orders):
            code = next(codes)
            if code not in drawn:
                drawn.append(code)
        for order, code in zip(orders, drawn):
            order.pickup_code = code
        try:
            with transaction.atomic():
                Order.objects.bulk_create(orders)
            return
        except IntegrityError as error:
            if not _is_pickup_code_clash(error):
                raise
    raise CheckoutError(_("Your order could not be saved just now: please try again."))


def _order_place(*, cart, customer, guest, slots, key, now, codes: Iterator[str]) -> list[Order]:
    if customer is None and guest is None:
        raise CheckoutError(_("Sign in or give your name, email address and phone number."))
    if customer is not None:
        name, email, phone = customer.full_name or customer.email, customer.email, (guest.phone.strip() if guest else "")
    else:
        guest = _guest_check(guest)
        name, email, phone = guest.name, guest.email, guest.phone
    # Checkouts of one cart run one after the other: a second submit of the same form waits
    # here, then finds the orders the first one made (its lines are gone by then).
    if cart.pk is not None:
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        existing = selectors.orders_for_checkout(idempotency_key=key)
        if existing:
            return existing
    # Everything the checkout reads, in one query (plus two for hours and closings),
    # whatever the number of lines: products, variants, shops with their pickup settings.
    today = timezone.localtime(now, selectors.territory_zone()).date()
    lines = list(
        CartLine.objects.select_for_update(of=("self",)).filter(cart=cart)
        .select_related("product__shop__commune", "product__shop__pickup_settings", "variant")
        .annotate(product_has_variants=Exists(Variant.objects.filter(product=OuterRef("product_id"))))
        .prefetch_related("product__shop__opening_ranges", Prefetch(
            "product__shop__closing_periods", queryset=ClosingPeriod.objects.filter(ends_on__gte=today)))
        .order_by("product__shop_id", "id")
    )
    if not lines:
        raise CheckoutError(_("Your cart is empty."))
    by_shop: dict[int, list[CartLine]] = {}
    for line in lines:
        if line.variant is not None:
            line.variant.product = line.product  # loaded already: effective_price reads it
        try:
            _sellable_check(line.product)
            if line.variant_id is None and line.product_has_variants:
                raise CartError(_("Choose a variant first (e.g. a size)."))
        except CartError as error:
            raise CheckoutError(_("%(title)s: %(problem)s") % {"title": line.product.title, "problem": error.messages[0]}) from None
        by_shop.setdefault(line.product.shop_id, []).append(line)
    chosen = {}
    for shop_id, shop_lines in by_shop.items():
        shop = shop_lines[0].product.shop
        chosen[shop_id] = _slot_check(shop, slots.get(shop_id) or slots.get(str(shop_id)), now=now,
                                      settings=_pickup_settings_of(shop))
    reserved = _stock_take(lines)
    orders, order_lines = [], []
    for shop_id, shop_lines in by_shop.items():
        slot = chosen[shop_id]
        order = Order(
            shop=shop_lines[0].product.shop, customer=customer, customer_name=name, email=email, phone=phone,
            pickup_starts_at=slot.starts_at, pickup_ends_at=slot.ends_at, idempotency_key=key, status=Status.PLACED,
        )
        order_lines.append([
            OrderLine(
                order=order, product=line.product, variant=line.variant, title=line.product.title,
                variant_name=line.variant.name if line.variant else "",
                unit_price=line.variant.effective_price if line.variant else line.product.price,
                quantity=line.quantity, stock_reserved=line.pk in reserved,
            )
            for line in shop_lines
        ])
        order.total = sum((row.line_total for row in order_lines[-1]), Decimal("0.00"))
        orders.append(order)
    _orders_insert(orders, codes)
    for order, rows in zip(orders, order_lines):
        for row in rows:
            row.order = order  # now with its primary key
    OrderLine.objects.bulk_create([row for rows in order_lines for row in rows])
    actor_label = str(customer) if customer else _("guest")
    OrderEvent.objects.bulk_create([
        OrderEvent(order=order, from_status="", to_status=Status.PLACED, actor=customer, actor_label=actor_label)
        for order in orders
    ])
    for order, rows in zip(orders, order_lines):
        _email_shopper(order, "placed", lines=rows)
        _email_shop(order, lines=rows)
    CartLine.objects.filter(cart=cart).delete()
    return orders


# --- Lifecycle ---------------------------------------------------------------------------

@transaction.atomic
def order_transition(*, order: Order, to: str, actor: User | None, note: str = "") -> Order:
    """Move an order along the transition table, recording who and when; the one door for every change."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if to not in ORDER_TRANSITIONS[locked.status]:
        raise IllegalTransition(
            _("This order is “%(current)s”: it cannot become “%(target)s”.")
            % {"current": Status(locked.status).label, "target": Status(to).label},
            code="illegal_transition",
        )
    event = OrderEvent.objects.create(
        order=locked, from_status=locked.status, to_status=to, actor=actor,
        actor_label=str(actor) if actor else _("system"), note=note,
    )
    locked.status = to
    fields = ["status", "updated_at"]
    if to == Status.REFUSED:
        locked.refusal_reason = note
        fields.append("refusal_reason")
    elif to == Status.COLLECTED:
        locked.collected_at = event.created_at  # the day's takings count it on the day it was handed over
        fields.append("collected_at")
    locked.save(update_fields=fields)
    if to in STOCK_RELEASING:
        _release(locked)
    order.status, order.refusal_reason, order.updated_at = locked.status, locked.refusal_reason, locked.updated_at
    order.collected_at = locked.collected_at
    return order


@transaction.atomic
def order_accept(*, order: Order, actor: User) -> Order:
    shop_member_check(shop=order.shop, user=actor)
    return order_transition(order=order, to=Status.ACCEPTED, actor=actor)


@transaction.atomic
def order_mark_ready(*, order: Order, actor: User) -> Order:
    shop_member_check(shop=order.shop, user=actor)
    order_transition(order=order, to=Status.READY, actor=actor)
    _email_shopper(order, "ready")
    return order


@transaction.atomic
def order_mark_collected(*, order: Order, actor: User) -> Order:
    shop_member_check(shop=order.shop, user=actor)
    return order_transition(order=order, to=Status.COLLECTED, actor=actor)


@transaction.atomic
def order_refuse(*, order: Order, actor: User, reason: str) -> Order:
    shop_member_check(shop=order.shop, user=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Tell the shopper why you refuse this order."), code="reason_required")
    order_transition(order=order, to=Status.REFUSED, actor=actor, note=reason)
    _email_shopper(order, "refused")
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None) -> Order:
    """The shopper cancels (before the order is ready); actor None for a guest."""
    if actor is not None and order.customer_id not in (None, actor.pk):
        raise PermissionError("Not this shopper's order.")
    order_transition(order=order, to=Status.CANCELLED, actor=actor, note="" if actor else _("guest"))
    _email_shopper(order, "cancelled")
    _email_shop(order, cancelled=True)
    return order


@transaction.atomic
def order_expire(*, order: Order) -> Order:
    """Mark an order not collected in time; its stock goes back on the shelf."""
    return order_transition(order=order, to=Status.NOT_COLLECTED, actor=None)


@transaction.atomic
def order_remind(*, order: Order) -> bool:
    """Send the "collect before" reminder once; whether it was sent now."""
    claimed = Order.objects.filter(pk=order.pk, reminder_sent_at__isnull=True, status=Status.READY).update(
        reminder_sent_at=timezone.now()
    )
    if claimed:
        _email_shopper(order, "reminder")
    return bool(claimed)


def orders_expire_due(*, now: datetime | None = None) -> tuple[int, int]:
    """Remind and expire this territory's orders that are due; (reminded, expired). Safe to rerun."""
    now = now or timezone.now()
    reminded = expired = 0
    for order in selectors.orders_reminder_due(now=now):
        reminded += order_remind(order=order)
    for order in selectors.orders_expiry_due(now=now):
        try:
            order_expire(order=order)
            expired += 1
        except IllegalTransition:  # moved meanwhile (collected at the counter): nothing to do
            pass
    return reminded, expired


# --- Settings ----------------------------------------------------------------------------

LEAD_TIME_MINUTES = (15, 48 * 60)  # at least a quarter of an hour, at most two days
SLOT_MINUTES = (5, 240)
SLOT_CAPACITY_MAX = 100
NOT_COLLECTED_AFTER_DAYS = (1, 30)


@transaction.atomic
def pickup_settings_update(
    *, shop: Shop, actor: User, lead_time_minutes: int, slot_minutes: int, slot_capacity: int | None,
) -> PickupSettings:
    """Set how the shop takes Click & Collect orders (its owner only); the next checkouts' slots follow.

    Orders already placed keep their pickup time.
    """
    if shop_member_check(shop=shop, user=actor).role != ShopMember.Role.OWNER:
        raise PermissionError("Only the shop's owner changes its pickup settings.")
    errors: dict[str, list[str]] = {}
    if not LEAD_TIME_MINUTES[0] <= lead_time_minutes <= LEAD_TIME_MINUTES[1]:
        errors["lead_time_minutes"] = [_("Choose a preparation time between 15 minutes and 48 hours.")]
    if not SLOT_MINUTES[0] <= slot_minutes <= SLOT_MINUTES[1]:
        errors["slot_minutes"] = [_("Choose a slot length between 5 minutes and 4 hours.")]
    if slot_capacity is not None and not 1 <= slot_capacity <= SLOT_CAPACITY_MAX:
        errors["slot_capacity"] = [
            _("Enter a number of orders per slot between 1 and %(max)s, or leave it empty for no limit.")
            % {"max": SLOT_CAPACITY_MAX}]
    if errors:
        raise ValidationError(errors)
    # Locked like at checkout: a checkout counting a slot's places sees the old or the new capacity, whole.
    settings = PickupSettings.objects.select_for_update().filter(shop=shop).first() or PickupSettings(shop=shop)
    settings.lead_time_minutes, settings.slot_minutes, settings.slot_capacity = lead_time_minutes, slot_minutes, slot_capacity
    settings.updated_at, settings.updated_by = timezone.now(), actor
    if settings.pk is None:
        settings.save()
    else:
        settings.save(update_fields=["lead_time_minutes", "slot_minutes", "slot_capacity", "updated_at", "updated_by"])
    return settings


@transaction.atomic
def order_settings_update(*, actor: User, not_collected_after_days: int, reminder_days_before: int) -> OrderSettings:
    """Set the territory's delay before an order not collected is released, and when the shopper is reminded.

    Territory staff only. The next run of the expiry task uses the new values.
    """
    if not actor.is_territory_staff:
        raise PermissionError("Only the territory's team changes the order rules.")
    errors: dict[str, list[str]] = {}
    low, high = NOT_COLLECTED_AFTER_DAYS
    if not low <= not_collected_after_days <= high:
        errors["not_collected_after_days"] = [
            _("Choose a number of days between %(low)s and %(high)s.") % {"low": low, "high": high}]
    elif not 0 <= reminder_days_before <= not_collected_after_days:
        errors["reminder_days_before"] = [
            _("The reminder goes before the release: choose between 0 (no reminder) and %(days)s days.")
            % {"days": not_collected_after_days}]
    if errors:
        raise ValidationError(errors)
    settings = OrderSettings.objects.select_for_update().filter(pk=1).first()
    created = settings is None
    settings = settings or OrderSettings(pk=1)  # the one row, made on the first change
    settings.not_collected_after_days, settings.reminder_days_before = not_collected_after_days, reminder_days_before
    settings.updated_at, settings.updated_by = timezone.now(), actor
    if created:
        settings.save(force_insert=True)
    else:
        settings.save(update_fields=["not_collected_after_days", "reminder_days_before", "updated_at", "updated_by"])
    return settings


# --- Emails ------------------------------------------------------------------------------

def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, selectors.territory_zone())


def _pickup_text(order: Order) -> str:
    starts, ends = _local(order.pickup_starts_at), _local(order.pickup_ends_at)
    return _("%(day)s between %(start)s and %(end)s") % {
        "day": selectors.day_label(starts.date()).lower(), "start": starts.strftime("%H:%M"), "end": ends.strftime("%H:%M"),
    }


def _lines_text(order: Order, lines: list[OrderLine] | None = None) -> str:
    rows = []
    for line in order.lines.all() if lines is None else lines:
        name = f"{line.title} ({line.variant_name})" if line.variant_name else line.title
        rows.append(f"- {line.quantity} × {name} : {euros(line.line_total)}")
    return "\n".join(rows)


def _territory_name() -> str:
    return getattr(connection.tenant, "name", "Vitrine")


def _email_shopper(order: Order, kind: str, *, lines: list[OrderLine] | None = None) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # emails go out in the territory's language
        shop, territory = order.shop, _territory_name()
        context = {"shop": shop.name, "code": order.pickup_code, "pickup": _pickup_text(order),
                   "name": order.customer_name, "address": f"{shop.address}, {shop.commune.postcode} {shop.commune.name}"
                   if shop.commune_id else shop.address, "total": euros(order.total)}
        if kind == "placed":
            subject = _("Your order at %(shop)s: pickup code %(code)s") % context
            body = _(
                "Hello %(name)s,\n\nThank you for your order at %(shop)s.\n\nPickup: %(pickup)s\n"
                "Address: %(address)s\nYour pickup code: %(code)s\nTotal to pay at pickup: %(total)s\n"
            ) % context + "\n" + _lines_text(order, lines) + "\n"
        elif kind == "ready":
            subject = _("Your order at %(shop)s is ready") % context
            body = _("Hello %(name)s,\n\n%(shop)s has prepared your order. Come and collect it: %(pickup)s.\n"
                     "Address: %(address)s\nYour pickup code: %(code)s\n") % context
        elif kind == "refused":
            context["reason"] = order.refusal_reason
            subject = _("%(shop)s could not take your order") % context
            body = _("Hello %(name)s,\n\n%(shop)s could not take your order %(code)s.\nReason: %(reason)s\n") % context
        elif kind == "cancelled":
            subject = _("Your order at %(shop)s is cancelled") % context
            body = _("Hello %(name)s,\n\nYour order %(code)s at %(shop)s is cancelled.\n") % context
        else:  # reminder
            subject = _("Reminder: your order at %(shop)s is waiting for you") % context
            body = _("Hello %(name)s,\n\nYour order %(code)s is ready at %(shop)s (%(address)s).\n"
                     "Without a visit it will be released soon.\n") % context
        body += "\n" + _("See you soon on %(territory)s.") % {"territory": territory} + "\n"
    outbox_email_queue(to=[order.email], subject=subject, body=body)


def _email_shop(order: Order, *, cancelled: bool = False, lines: list[OrderLine] | None = None) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # emails go out in the territory's language
        context = {"code": order.pickup_code, "name": order.customer_name, "pickup": _pickup_text(order),
                   "total": euros(order.total), "phone": order.phone or "—", "email": order.email}
        if cancelled:
            subject = _("Order %(code)s cancelled by %(name)s") % context
            body = _("%(name)s cancelled order %(code)s (pickup %(pickup)s). Its stock is back online.\n") % context
        else:
            subject = _("New order %(code)s from %(name)s") % context
            body = _("New Click & Collect order.\n\nCustomer: %(name)s (%(email)s, %(phone)s)\nPickup: %(pickup)s\n"
                     "Pickup code: %(code)s\nTotal to collect: %(total)s\n") % context + "\n" + _lines_text(order, lines) + "\n"
    outbox_email_queue(to=[order.shop.email], subject=subject, body=body)
