"""Checkout: the cart becomes one order per shop, each with its pickup slot, its stock taken.

Stock is taken under row locks (in primary-key order) by one conditional UPDATE per table
(`stock = stock - q WHERE stock >= q`, RETURNING the rows taken), never read-then-write, and
the whole checkout is one transaction with a fixed number of statements whatever the number
of lines and shops (6 for lines without variants: the cart locked, one read, the orders, their
lines and events with the cart emptied, the emails, and last the stock, so that a product many
buy at once stays locked only from there to the commit): one line short of stock and nothing
is made. The hot statements are written in SQL from the models' fields (see
"The checkout's one read"): the ORM's query building cost more than the database's work. The orders start PLACED (or
PENDING_PAYMENT when an online payment is required) and that state's effects (the emails)
are applied like any transition's, by orders.lifecycle.order_effects_apply.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import secrets
import uuid
import weakref
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
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
from vitrine.shops.models import ClosingPeriod, Commune, OpeningRange, Shop

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


@dataclass
class _Stock:
    """What a checkout takes from stock: quantities by table and row, titles for the messages, and the
    cart lines whose stock is taken (products "on request" have none)."""

    wanted: dict[type[Product] | type[Variant], dict[int, int]]
    titles: dict[tuple[type, int], str]
    reserved: set[int]


def _stock_wanted(lines: Sequence[CartLine]) -> _Stock:
    """Sum what each product or variant gives to the cart's lines; refuse too many "on request"."""
    stock = _Stock(wanted={Product: {}, Variant: {}}, titles={}, reserved=set())
    for line in lines:
        product = line.product
        if product.availability == Product.Availability.ON_REQUEST:
            if line.quantity > ON_REQUEST_MAX:
                raise CheckoutError(
                    _("Only %(n)s of “%(title)s” can be ordered.") % {"n": ON_REQUEST_MAX, "title": product.title}
                )
            continue
        model, pk = (Variant, line.variant_id) if line.variant_id is not None else (Product, product.pk)
        stock.wanted[model][pk] = stock.wanted[model].get(pk, 0) + line.quantity
        stock.titles[(model, pk)] = product.title
        stock.reserved.add(line.pk)
    return stock


def _stock_take(stock: _Stock) -> None:
    """Take every line's quantity from stock, all or nothing (CheckoutError, and the caller's transaction
    is undone): one conditional UPDATE per table, products then variants, whatever the number of lines.

    The checkout's last statement: a product many shoppers buy at once is locked from here to
    the commit only, not while the orders, their lines and their emails are written.
    """
    sold_out = False
    for model, quantities in stock.wanted.items():  # products, then variants: the lock order of every stock change
        if quantities:
            sold_out |= _stock_update(model, quantities, stock.titles)
    if sold_out:
        # "Out of stock" on its pages and out of the search's "in stock" at once (an UPDATE sends no
        # signal). A count that only went down shows within the page cache's minute: dropping every
        # cached page of the territory at each order would leave a busy one with no cache at all.
        pages_changed()


def _stock_update(model: type[Product] | type[Variant], quantities: dict[int, int], titles: dict) -> bool:
    """Take `quantities` (by row id) from `model`'s stock in one statement, or raise CheckoutError;
    whether a row's stock reached zero.

    The rows are locked in primary-key order by the sub-select (two checkouts sharing
    products wait for each other instead of deadlocking), and each row's stock is taken only
    where enough is left (`stock >= q`, checked on the row's latest version once locked): a
    unit is never sold twice. One row short and the checkout's transaction is undone; the
    stock is then read once more to say which line and how many are left.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    ids = sorted(quantities)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS s SET stock = s.stock - w.q"  # noqa: S608 (a model's table name, no input)
            f" FROM (SELECT id FROM {table} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE) AS l,"
            " unnest(%s::bigint[], %s::integer[]) AS w(id, q)"
            " WHERE s.id = l.id AND w.id = l.id AND s.stock >= w.q RETURNING s.stock",
            [ids, ids, [quantities[pk] for pk in ids]],
        )
        left = [row[0] for row in cursor.fetchall()]
        if len(left) == len(ids):
            return min(left) <= 0
        cursor.execute(f"SELECT id, stock FROM {table} WHERE id = ANY(%s::bigint[])", [ids])  # noqa: S608 (as above)
        stock = dict(cursor.fetchall())
    for pk in ids:
        left = stock.get(pk, 0)
        if left < quantities[pk]:
            title = titles[(model, pk)]
            if left <= 0:
                raise CheckoutError(_("“%(title)s” is now out of stock: remove it from your cart.") % {"title": title})
            raise CheckoutError(
                _("Only %(n)s of “%(title)s” left: change the quantity in your cart.") % {"n": left, "title": title}
            )
    # Enough of each now (a checkout that took units gave them back meanwhile): try again later.
    raise CheckoutError(_("Some items of your cart just sold out: check your cart and try again."))


# --- The checkout's one read ---------------------------------------------------------------
# The cart's lines with their product, variant, shop, commune, pickup settings, the shop's hours
# and closings from today, the lines locked: one statement written once per process from the
# models' fields, and the model instances made from its rows as the ORM would (Model.from_db).
# The same query through the ORM (select_related, an annotation, two prefetches) cost about 8 ms
# of Python per checkout on the benchmark's machine, more than everything else together.

_JOINED: tuple[tuple[str, type[models.Model]], ...] = (
    ("cl", CartLine),
    ("p", Product),
    ("s", Shop),
    ("c", Commune),
    ("ps", PickupSettings),
    ("v", Variant),
)


def _columns(model: type[models.Model]) -> list[models.Field]:
    """The columns the checkout reads of `model`: every concrete one but generated ones (search vectors)."""
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _json_rows(model: type[models.Model], alias: str) -> str:
    columns = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in _columns(model))
    return f"coalesce(json_agg(json_build_array({columns}) ORDER BY {alias}.id), '[]')"


@functools.cache
def _cart_lines_sql() -> str:
    qn = connection.ops.quote_name
    selected = ", ".join(f"{alias}.{qn(f.column)}" for alias, model in _JOINED for f in _columns(model))
    table = {alias: qn(model._meta.db_table) for alias, model in _JOINED}
    return (
        f"SELECT {selected},"  # noqa: S608 (the models' own tables and columns)
        f" EXISTS (SELECT 1 FROM {qn(Order._meta.db_table)} WHERE idempotency_key = %s),"
        f" EXISTS (SELECT 1 FROM {table['v']} vv WHERE vv.product_id = p.id),"
        f" (SELECT {_json_rows(OpeningRange, 'o')} FROM {qn(OpeningRange._meta.db_table)} o WHERE o.shop_id = s.id),"
        f" (SELECT {_json_rows(ClosingPeriod, 'k')} FROM {qn(ClosingPeriod._meta.db_table)} k"
        "   WHERE k.shop_id = s.id AND k.ends_on >= %s)"
        f" FROM {table['cl']} cl JOIN {table['p']} p ON p.id = cl.product_id JOIN {table['s']} s ON s.id = p.shop_id"
        f" LEFT JOIN {table['c']} c ON c.id = s.commune_id LEFT JOIN {table['ps']} ps ON ps.shop_id = s.id"
        f" LEFT JOIN {table['v']} v ON v.id = cl.variant_id"
        " WHERE cl.cart_id = %s ORDER BY p.shop_id, cl.id FOR UPDATE OF cl"
    )


# Each connection plans the read once (PREPARE, then EXECUTE): planning its joins took about 0.6 ms
# of the database's CPU per checkout, six times its execution. PostgreSQL plans it again by itself
# when the schema (the territory) changes, and a prepared statement outlives a rolled-back
# transaction. The PREPARE goes through the driver directly: once per connection, it is not one of
# the checkout's statements (Django's query log, which the query-count test reads, does not show it).
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _execute_prepared(cursor, name: str, sql: str, types: list[str], params: list) -> None:
    """Execute `sql` (%s placeholders) as the prepared statement `name`, prepared on first use."""
    driver = connection.connection  # the psycopg connection under Django's
    known = _prepared.setdefault(driver, set())
    name = f"{name}_{zlib.crc32(sql.encode()):08x}"  # another version of the statement, another name
    if name not in known:
        numbered = iter(range(1, len(params) + 1))
        driver.execute(f"PREPARE {name}({', '.join(types)}) AS " + re.sub("%s", lambda _m: f"${next(numbered)}", sql))
        known.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)


def _instance(model: type[models.Model], values: Sequence) -> Any:
    """A model instance from its columns' values (None for a row a LEFT JOIN did not find)."""
    fields = _columns(model)
    if values[0] is None:  # no primary key: nothing joined
        return None
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in cast(Any, field).get_db_converters(connection):  # what the ORM applies (stubs lack it)
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def _json_instances(model: type[models.Model], rows) -> list:
    """Model instances from json_build_array rows (values as JSON: dates and times as text)."""
    fields = _columns(model)
    rows = json.loads(rows) if isinstance(rows, str) else rows
    return [
        model.from_db(
            connection.alias,
            [f.attname for f in fields],
            [field.to_python(value) for field, value in zip(fields, row, strict=True)],
        )
        for row in rows
    ]


def _cart_lines_locked(*, cart_id: int, today, key: uuid.UUID) -> tuple[list[CartLine], bool, set[int]]:
    """The cart's lines, locked, with everything the checkout reads loaded on them (no lazy query later);
    whether an order already holds the checkout key; the ids of the products that have variants."""
    with connection.cursor() as cursor:
        _execute_prepared(
            cursor, "vitrine_checkout_lines", _cart_lines_sql(), ["uuid", "date", "bigint"], [key, today, cart_id]
        )
        rows = cursor.fetchall()
    lines: list[CartLine] = []
    shops: dict[int, Shop] = {}
    key_used, with_variants = False, set()
    widths = [len(_columns(model)) for _alias, model in _JOINED]
    for row in rows:
        parts, at = [], 0
        for width in widths:
            parts.append(row[at : at + width])
            at += width
        key_used, has_variants, opening, closing = row[at:]
        line, product, shop, commune, settings, variant = (
            _instance(model, part) for (_alias, model), part in zip(_JOINED, parts, strict=True)
        )
        shop = shops.setdefault(shop.pk, shop)  # one instance per shop, as the ORM's prefetch leaves them
        if not hasattr(shop, "_prefetched_objects_cache"):
            Shop.commune.field.set_cached_value(shop, commune)
            Shop.pickup_settings.related.set_cached_value(shop, settings)
            # Where prefetch_related leaves them: shop.opening_ranges.all() reads them without a query.
            shop._prefetched_objects_cache = {  # type: ignore[attr-defined]  # Django's own attribute
                "opening_ranges": _json_instances(OpeningRange, opening),
                "closing_periods": _json_instances(ClosingPeriod, closing),
            }
        Product.shop.field.set_cached_value(product, shop)
        CartLine.product.field.set_cached_value(line, product)
        CartLine.variant.field.set_cached_value(line, variant)
        if has_variants:
            with_variants.add(product.pk)
        lines.append(line)
    return lines, key_used, with_variants


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
    slot = selectors.checkout_slot_at(shop=shop, starts_at=starts_at, now=now, settings=settings)
    if slot is not None:
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
    # An earlier submit of this form is found inside the transaction, under the cart's lock.
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


def _rows_sql(model, objs: Sequence) -> tuple[str, str, list]:
    """The column list, VALUES rows and parameters inserting `objs` (Django's own conversions)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    return columns, ", ".join([row] * len(objs)), params


def _saved(objs: Sequence, ids: Iterable[int]) -> None:
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


def _orders_insert(orders: list[Order], codes: Iterator[str]) -> None:
    """Insert the orders with fresh pickup codes in one statement; an order whose code is already
    taken is left out by ON CONFLICT and inserted again with a new code (no savepoint needed: a
    clash undoes nothing). A second submit of the same checkout still fails on its unique key."""
    waiting = list(orders)
    for _attempt in range(PICKUP_CODE_TRIES):
        used: set[str] = set()  # two orders of one statement never share a code
        for order in waiting:
            code = next(codes)
            while code in used:
                code = next(codes)
            order.pickup_code = code
            used.add(code)
        columns, rows, params = _rows_sql(Order, waiting)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Order._meta.db_table} ({columns}) VALUES {rows}"  # noqa: S608 (model's columns)
                " ON CONFLICT (pickup_code) DO NOTHING RETURNING id, pickup_code",
                params,
            )
            inserted = dict((code, pk) for pk, code in cursor.fetchall())
        done = [order for order in waiting if order.pickup_code in inserted]
        _saved(done, (inserted[order.pickup_code] for order in done))
        waiting = [order for order in waiting if order.pickup_code not in inserted]
        if not waiting:
            return
    raise CheckoutError(_("Your order could not be saved just now: please try again."))


def _lines_events_insert(lines: list[OrderLine], events: list[OrderEvent], cart_line_ids: list[int]) -> None:
    """The orders' lines and events inserted, and the cart's lines ordered deleted, in one statement."""
    line_columns, line_rows, line_params = _rows_sql(OrderLine, lines)
    event_columns, event_rows, event_params = _rows_sql(OrderEvent, events)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH l AS (INSERT INTO {OrderLine._meta.db_table} ({line_columns}) VALUES {line_rows} RETURNING id),"  # noqa: S608 (model's columns)
            f" e AS (INSERT INTO {OrderEvent._meta.db_table} ({event_columns}) VALUES {event_rows} RETURNING id),"
            f" d AS (DELETE FROM {CartLine._meta.db_table} WHERE id = ANY(%s::bigint[]))"
            " SELECT 'l', id FROM l UNION ALL SELECT 'e', id FROM e",
            [*line_params, *event_params, cart_line_ids],
        )
        ids: dict[str, list[int]] = {"l": [], "e": []}
        for kind, pk in cursor.fetchall():
            ids[kind].append(pk)
    _saved(lines, ids["l"])
    _saved(events, ids["e"])


def _order_place(
    *, cart, customer, guest, slots, key, now, codes: Iterator[str], online: Callable[[int], bool], awaiting: bool
) -> list[Order]:
    if cart.pk is None:  # a visitor who never had a cart (the checkout form posted on its own)
        existing = _orders_already_placed(key=key, cart=cart, customer=customer)  # a replayed key: whose?
        if existing:
            return existing
        raise CheckoutError(_("Your cart is empty."))
    # Checkouts of one cart run one after the other: a second submit of the same form waits
    # here, then finds the orders the first one made (its lines are gone by then).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Cart._meta.db_table} WHERE id = %s FOR UPDATE", [cart.pk])  # noqa: S608
    # Everything the checkout reads, in one statement whatever the number of lines: products,
    # variants, shops with their commune, pickup settings, hours and closings.
    today = timezone.localtime(now, selectors.territory_zone()).date()
    # The read starts once the cart is locked: it sees what an earlier submit committed meanwhile.
    lines, key_used, with_variants = _cart_lines_locked(cart_id=cart.pk, today=today, key=key)
    # A submit again gets its orders back (or a refusal if they are someone else's) before anything
    # typed in the form is checked, as before the form's fields are read.
    if key_used or not lines:  # this form was submitted before (or the cart is empty): whose orders?
        existing = _orders_already_placed(key=key, cart=cart, customer=customer)
        if existing:
            return existing
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
    if not lines:
        raise CheckoutError(_("Your cart is empty."))
    by_shop: dict[int, list[CartLine]] = {}
    for line in lines:
        try:
            product_sellable_check(product=line.product)
            if line.variant_id is None and line.product_id in with_variants:
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
    stock = _stock_wanted(lines)
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
                    stock_reserved=line.pk in stock.reserved,
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
    actor_label = str(customer) if customer else _("guest")
    _lines_events_insert(
        [row for rows in order_lines for row in rows],
        [
            OrderEvent(order=order, from_status="", to_status=order.status, actor=customer, actor_label=actor_label)
            for order in orders
        ],
        [line.pk for line in lines],
    )
    # The new state's effects, as any transition's, with the lines in hand: no read per order.
    by_order = {order.pk: rows for order, rows in zip(orders, order_lines)}
    for status in sorted({order.status for order in orders}):
        order_effects_apply(
            orders=[order for order in orders if order.status == status], to=status, from_status="", lines=by_order
        )
    # Last, so that the stock rows stay locked the least time (one short: everything above is undone).
    _stock_take(stock)
    placed = sum(1 for order in orders if order.placed_at)  # those awaiting payment are not placed yet
    if placed:
        transaction.on_commit(lambda: prometheus.orders_placed_count(placed))
    return orders
