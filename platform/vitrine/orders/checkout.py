"""Checkout: the cart becomes one order per shop, each with its pickup slot, its stock taken.

Stock is taken under row locks (in primary-key order) with conditional UPDATEs
(`stock = stock - q WHERE stock >= q`), never read-then-write without a lock, and the
whole checkout is one transaction with a fixed number of queries whatever the number of
lines: one line short of stock and no order is made. The orders start PLACED (or
PENDING_PAYMENT when an online payment is required) and that state's effects (the emails)
are applied like any transition's, by orders.lifecycle.order_effects_apply.
"""

from __future__ import annotations

import itertools
import operator
import secrets
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.catalog.models import Product, Variant
from vitrine.common.pagecache import pages_changed
from vitrine.common.phones import phone_normalise
from vitrine.common.text import line_clean
from vitrine.metrics import prometheus
from vitrine.orders import pricing, selectors
from vitrine.orders.cart import CartError, product_sellable_check
from vitrine.orders.lifecycle import order_effects_apply
from vitrine.orders.models import Cart, CartLine, Order, OrderEvent, OrderLine, PickupSettings
from vitrine.orders.selectors import ON_REQUEST_MAX
from vitrine.shops.models import ClosingPeriod, Shop

Status = Order.Status

PICKUP_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
PICKUP_CODE_LENGTH = 6
# A new code is drawn when one is already taken (31^6 codes: a second clash in a row is unheard of).
PICKUP_CODE_TRIES = 5


class CheckoutError(ValidationError):
    """A checkout that cannot go through; nothing was reserved or ordered."""


class CheckoutKeyTaken(CheckoutError):
    """A checkout key already used by someone else's checkout: nothing of theirs is shown or done."""


@dataclass(frozen=True)
class Guest:
    """A shopper ordering without an account (or an account's phone number): checked at checkout."""

    name: str
    email: str
    phone: str


def pickup_code_make() -> str:
    """Draw a short random code to read at the counter; the unique constraint (and a retry) keeps it unused."""
    return "".join(secrets.choice(PICKUP_CODE_ALPHABET) for _i in range(PICKUP_CODE_LENGTH))


def _random_codes() -> Iterator[str]:
    while True:
        yield pickup_code_make()


def _phone_check(phone: str, errors: list[str]) -> str:
    """Return the phone in its stored form (common.phones, the one rule); a wrong one adds its message to errors."""
    try:
        return phone_normalise(phone)
    except ValidationError as error:
        errors.extend(error.messages)
        return phone


NAME_MAX_LENGTH = Order._meta.get_field("customer_name").max_length or 150
EMAIL_MAX_LENGTH = Order._meta.get_field("email").max_length or 254


def _guest_check(guest: Guest) -> Guest:
    errors = []
    name, email, phone = line_clean(guest.name), guest.email.strip().lower(), guest.phone.strip()
    if not name:
        errors.append(_("Give the name the order will be under."))
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(_("The name is too long: at most %(max)s characters.") % {"max": NAME_MAX_LENGTH})
    try:
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        errors.append(_("Enter a valid email address: your confirmation and pickup code go there."))
    phone = _phone_check(phone, errors)
    if errors:
        raise CheckoutError(errors)
    return Guest(name=name, email=email, phone=phone)


def _stock_take(lines: Sequence[CartLine]) -> set[int]:
    """Take every line's quantity from stock, all or nothing; return the ids of the lines whose stock was taken.

    The rows are locked in primary-key order (two checkouts sharing products wait for each
    other instead of deadlocking), then one conditional UPDATE per table takes the stock:
    a fixed number of queries whatever the number of lines.
    """
    wanted: dict[type[Product] | type[Variant], dict[int, int]] = {Product: {}, Variant: {}}
    titles: dict[tuple[type, int], str] = {}
    reserved: set[int] = set()
    for line in lines:
        product = line.product
        if product.availability == Product.Availability.ON_REQUEST:
            if line.quantity > ON_REQUEST_MAX:
                raise CheckoutError(
                    _("Only %(n)s of “%(title)s” can be ordered.") % {"n": ON_REQUEST_MAX, "title": product.title}
                )
            continue
        model, pk = (Variant, line.variant_id) if line.variant_id is not None else (Product, product.pk)
        wanted[model][pk] = wanted[model].get(pk, 0) + line.quantity
        titles[(model, pk)] = product.title
        reserved.add(line.pk)
    for model, quantities in wanted.items():
        if not quantities:
            continue
        stock = dict(
            model.objects.select_for_update().filter(pk__in=quantities).order_by("pk").values_list("pk", "stock")
        )
        for pk, quantity in sorted(quantities.items()):
            left = stock.get(pk, 0)
            if left < quantity:
                title = titles[(model, pk)]
                if left <= 0:
                    raise CheckoutError(
                        _("“%(title)s” is now out of stock: remove it from your cart.") % {"title": title}
                    )
                raise CheckoutError(
                    _("Only %(n)s of “%(title)s” left: change the quantity in your cart.") % {"n": left, "title": title}
                )
        # Still conditional: the rows are locked, but an UPDATE that cannot oversell costs nothing more.
        taken = model.objects.filter(
            reduce(operator.or_, (Q(pk=pk, stock__gte=q) for pk, q in quantities.items()))
        ).update(
            stock=F("stock")
            - Case(*(When(pk=pk, then=Value(q)) for pk, q in quantities.items()), output_field=IntegerField())
        )
        if taken != len(quantities):  # cannot happen while the rows are locked; never sell what is not there
            raise CheckoutError(_("Some items of your cart just sold out: check your cart and try again."))
        pages_changed()  # stock shown on product pages and the search's "in stock" (an UPDATE: no signal)
    return reserved


def _pickup_settings_of(shop: Shop) -> PickupSettings:
    """Return the shop's pickup settings as the checkout loaded them (select_related), or the defaults."""
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
    *,
    cart: Cart,
    customer: User | None = None,
    guest: Guest | None = None,
    slots: dict[int, datetime | str],
    idempotency_key: uuid.UUID | str,
    now: datetime | None = None,
    pickup_codes: Iterable[str] | None = None,
    payment_required: bool = False,
    online_shop_ids: Collection[int] = (),
) -> list[Order]:
    """Turn the cart into one order per shop, each with its pickup slot; stock reserved, cart emptied.

    Submitting again with the same key returns the orders the first submit made, to the one
    who made them only: the same account, or for a guest the same cart (found through their
    session); anyone else gets CheckoutKeyTaken, which carries nothing of those orders.
    `pickup_codes`: where the pickup codes come from (random by default; tests pass a
    code already taken to check that a clash draws a new one).
    `payment_required`: the orders wait for a payment (PENDING_PAYMENT, nobody told yet)
    instead of being PLACED; unpaid, they are cancelled after the territory's delay.
    `online_shop_ids`: these shops' orders are paid online on a payment page of their own
    (paid_online, the payments app): they wait for it, and are cancelled when it closes unpaid;
    the other shops' orders are PLACED, to pay at pickup.
    """
    try:
        key = uuid.UUID(str(idempotency_key))
    except ValueError:
        raise CheckoutError(_("This form has expired: reload the page and try again.")) from None
    existing = _orders_already_placed(key=key, cart=cart, customer=customer)
    if existing:
        return existing
    codes = itertools.chain(pickup_codes or (), _random_codes())
    try:
        with transaction.atomic():
            return _order_place(
                cart=cart,
                customer=customer,
                guest=guest,
                slots=slots,
                key=key,
                now=now or timezone.now(),
                codes=codes,
                online=frozenset(online_shop_ids).__contains__,
                awaiting=payment_required,
            )
    except IntegrityError:
        # The same form submitted twice at once: the first submit won; return its orders.
        existing = _orders_already_placed(key=key, cart=cart, customer=customer)
        if existing:
            return existing
        raise


def _orders_already_placed(*, key: uuid.UUID, cart: Cart, customer: User | None) -> list[Order]:
    """The orders an earlier submit of this checkout made, if the caller made them; [] if none.

    Whoever else sends the key (it is in the confirmation's address, in a browser's history)
    is refused without a word about the orders.
    """
    existing = selectors.orders_for_checkout(idempotency_key=key)
    if not existing:
        return []
    if customer is not None:
        theirs = all(order.customer_id == customer.pk for order in existing)
    else:
        theirs = all(order.customer_id is None and order.cart_token == cart.token for order in existing)
    if not theirs:
        raise CheckoutKeyTaken(
            _("This order form was already used. Reload the page to place a new order."), code="checkout_key_taken"
        )
    return existing


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


def _order_place(
    *, cart, customer, guest, slots, key, now, codes: Iterator[str], online: Callable[[int], bool], awaiting: bool
) -> list[Order]:
    if cart.pk is None:  # a visitor who never had a cart (the checkout form posted on its own)
        raise CheckoutError(_("Your cart is empty."))
    if customer is None and guest is None:
        raise CheckoutError(_("Sign in or give your name, email address and phone number."))
    if customer is not None:
        name, email, phone = line_clean(customer.full_name) or customer.email, customer.email, ""
        typed = guest.phone.strip() if guest else ""
        if typed:  # optional for an account, but the same rule when given (and it fits the column)
            errors: list[str] = []
            phone = _phone_check(typed, errors)
            if errors:
                raise CheckoutError(errors)
    else:
        guest = _guest_check(guest)
        name, email, phone = guest.name, guest.email, guest.phone
    # Checkouts of one cart run one after the other: a second submit of the same form waits
    # here, then finds the orders the first one made (its lines are gone by then).
    if cart.pk is not None:
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        existing = _orders_already_placed(key=key, cart=cart, customer=customer)
        if existing:
            return existing
    # Everything the checkout reads, in one query (plus two for hours and closings),
    # whatever the number of lines: products, variants, shops with their pickup settings.
    today = timezone.localtime(now, selectors.territory_zone()).date()
    lines = list(
        CartLine.objects.select_for_update(of=("self",))
        .filter(cart=cart)
        .select_related("product__shop__commune", "product__shop__pickup_settings", "variant")
        .annotate(product_has_variants=Exists(Variant.objects.filter(product=OuterRef("product_id"))))
        .prefetch_related(
            "product__shop__opening_ranges",
            Prefetch("product__shop__closing_periods", queryset=ClosingPeriod.objects.filter(ends_on__gte=today)),
        )
        .order_by("product__shop_id", "id")
    )
    if not lines:
        raise CheckoutError(_("Your cart is empty."))
    by_shop: dict[int, list[CartLine]] = {}
    for line in lines:
        try:
            product_sellable_check(product=line.product)
            if line.variant_id is None and line.product_has_variants:
                raise CartError(_("Choose a variant first (e.g. a size)."))
        except CartError as error:
            raise CheckoutError(
                _("%(title)s: %(problem)s") % {"title": line.product.title, "problem": error.messages[0]}
            ) from None
        by_shop.setdefault(line.product.shop_id, []).append(line)
    chosen = {}
    for shop_id, shop_lines in by_shop.items():
        shop = shop_lines[0].product.shop
        chosen[shop_id] = _slot_check(
            shop, slots.get(shop_id) or slots.get(str(shop_id)), now=now, settings=_pickup_settings_of(shop)
        )
    reserved = _stock_take(lines)
    orders, order_lines = [], []
    for shop_id, shop_lines in by_shop.items():
        slot = chosen[shop_id]
        order = Order(
            shop=shop_lines[0].product.shop,
            customer=customer,
            customer_name=name,
            email=email,
            phone=phone,
            pickup_starts_at=slot.starts_at,
            pickup_ends_at=slot.ends_at,
            idempotency_key=key,
            cart_token=cart.token,
            status=Status.PENDING_PAYMENT if awaiting or online(shop_id) else Status.PLACED,
            placed_at=None if awaiting or online(shop_id) else timezone.now(),
            paid_online=online(shop_id),
        )
        order_lines.append(
            [
                OrderLine(
                    order=order,
                    product=line.product,
                    variant=line.variant,
                    title=line.product.title,
                    variant_name=line.variant.name if line.variant else "",
                    unit_price=pricing.unit_price(product=line.product, variant=line.variant),
                    quantity=line.quantity,
                    vat_rate=line.product.vat_rate,
                    stock_reserved=line.pk in reserved,
                )
                for line in shop_lines
            ]
        )
        order.total = pricing.shop_subtotal(line_totals=(row.line_total for row in order_lines[-1]))
        orders.append(order)
    _orders_insert(orders, codes)
    for order, rows in zip(orders, order_lines):
        for row in rows:
            row.order = order  # now with its primary key
    OrderLine.objects.bulk_create([row for rows in order_lines for row in rows])
    actor_label = str(customer) if customer else _("guest")
    OrderEvent.objects.bulk_create(
        [
            OrderEvent(order=order, from_status="", to_status=order.status, actor=customer, actor_label=actor_label)
            for order in orders
        ]
    )
    # The new state's effects, as any transition's, with the lines in hand: no read per order.
    by_order = {order.pk: rows for order, rows in zip(orders, order_lines)}
    for status in sorted({order.status for order in orders}):
        order_effects_apply(
            orders=[order for order in orders if order.status == status], to=status, from_status="", lines=by_order
        )
    CartLine.objects.filter(cart=cart).delete()
    placed = len(orders)
    transaction.on_commit(lambda: prometheus.orders_placed_count(placed))
    return orders
