"""Carts, orders for Click & Collect, their history, and each shop's pickup settings."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vitrine.orders import pricing


class Cart(models.Model):
    """One cart across the territory's shops: a signed-in shopper's, or a visitor's (by token in the session)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    # A visitor's cart is found through this token kept in their session: it survives
    # the session key rotation at sign-in, when the cart is merged into the account's.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("catalog.Variant", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "product", "variant"], nulls_distinct=False, name="cart_line_unique_item"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]


class PickupSettings(models.Model):
    """How a shop takes Click & Collect orders: preparation time, slot length, capacity."""

    shop = models.OneToOneField("shops.Shop", on_delete=models.CASCADE, related_name="pickup_settings")
    lead_time_minutes = models.PositiveIntegerField(_("preparation time (minutes)"), default=120)
    slot_minutes = models.PositiveIntegerField(_("length of a pickup slot (minutes)"), default=30)
    slot_capacity = models.PositiveIntegerField(
        _("orders per slot"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(slot_minutes__gte=5), name="pickup_slot_minutes_min"),
            models.CheckConstraint(
                condition=models.Q(slot_capacity__isnull=True) | models.Q(slot_capacity__gte=1),
                name="pickup_slot_capacity_positive",
            ),
        ]


class OrderSettings(models.Model):
    """The territory's rules for orders (one row per territory schema)."""

    not_collected_after_days = models.PositiveSmallIntegerField(
        _("an order not collected is released after (days)"), default=3
    )
    # The "collect before" email goes this many days before the release; 0: no reminder.
    reminder_days_before = models.PositiveSmallIntegerField(_("reminder before the release (days)"), default=1)
    # An order waiting for its online payment holds its stock this long, then is cancelled.
    unpaid_release_minutes = models.PositiveSmallIntegerField(
        _("an unpaid order is cancelled after (minutes)"), default=30
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="order_settings_single_row"),
            models.CheckConstraint(
                condition=models.Q(not_collected_after_days__gte=1, not_collected_after_days__lte=30),
                name="order_settings_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(reminder_days_before__lte=models.F("not_collected_after_days")),
                name="order_settings_reminder_within_delay",
            ),
            models.CheckConstraint(
                condition=models.Q(unpaid_release_minutes__gte=5, unpaid_release_minutes__lte=1440),
                name="order_settings_unpaid_minutes_range",
            ),
        ]


class Order(models.Model):
    """What a shopper ordered from one shop, to collect in store and pay there."""

    class Status(models.TextChoices):
        # Online payment (a later issue) fills this state; payment at pickup skips it.
        PENDING_PAYMENT = "pending_payment", pgettext_lazy("order status", "Awaiting payment")
        PLACED = "placed", pgettext_lazy("order status", "Placed")
        ACCEPTED = "accepted", pgettext_lazy("order status", "Accepted")
        READY = "ready", pgettext_lazy("order status", "Ready for pickup")
        COLLECTED = "collected", pgettext_lazy("order status", "Collected")
        REFUSED = "refused", pgettext_lazy("order status", "Refused by the shop")
        CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")
        NOT_COLLECTED = "not_collected", pgettext_lazy("order status", "Not collected")

    # The status sets every page and rule reads (tuples: the SQL of `status__in` stays the same).
    # On their way to the counter: the pickup code matters, the total is still to pay there.
    AWAITING_PICKUP = (Status.PLACED, Status.ACCEPTED, Status.READY)
    # Not yet collected, refused, cancelled or released (a payment may still be awaited):
    # an account with one of these cannot be deleted.
    IN_PROGRESS = (Status.PENDING_PAYMENT, *AWAITING_PICKUP)

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="orders")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    customer_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email address"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLACED, db_index=True)
    pickup_code = models.CharField(max_length=6, unique=True)
    pickup_starts_at = models.DateTimeField(db_index=True)
    pickup_ends_at = models.DateTimeField()
    total = models.DecimalField(max_digits=10, decimal_places=2)
    # Paid online at checkout (vitrine.payments follows the money); else paid at the counter.
    paid_online = models.BooleanField(default=False)
    idempotency_key = models.UUIDField()
    # The token of the cart the order was placed from (a visitor's cart is found by this token
    # in their session): a checkout key submitted again gives its orders back only to the
    # same cart, or to the same account, never to whoever learnt the key.
    cart_token = models.UUIDField(null=True, blank=True, editable=False)
    refusal_reason = models.TextField(blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # When it was handed over (set by the transition to "collected"): a day's takings count
    # the orders collected that day, whatever day their pickup slot was.
    collected_at = models.DateTimeField(null=True, blank=True)
    # When it was placed: at checkout when paid at pickup, when the payment was authorised when paid
    # online; never for an online order whose payment did not come. Every figure of orders "placed"
    # (dashboards, reports, the console's health) counts only orders that have it: `PLACED_Q`.
    placed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The one rule of an order that counts as placed (see placed_at), as a filter and as SQL.
    PLACED_Q = models.Q(placed_at__isnull=False)
    PLACED_SQL = "placed_at IS NOT NULL"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One checkout (one key) makes at most one order per shop: a second submit finds them.
            models.UniqueConstraint(fields=["idempotency_key", "shop"], name="order_unique_checkout_shop"),
        ]
        indexes = [
            models.Index(fields=["shop", "pickup_starts_at"], name="order_shop_pickup"),
            models.Index(fields=["shop", "collected_at"], name="order_shop_collected"),
            # The territory dashboard (backoffice.dashboard) reads periods of orders by when they were
            # placed and handed over, and each shop's latest order.
            models.Index(fields=["created_at"], name="order_created"),
            models.Index(fields=["collected_at"], name="order_collected"),
            models.Index(fields=["shop", "created_at"], name="order_shop_created"),
            # The dashboard's summary (backoffice.summary) reads the orders saved since it last looked.
            models.Index(fields=["updated_at"], name="order_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.pickup_code} ({self.shop_id})"

    def save(self, *args, **kwargs) -> None:
        # An order made in any state but "awaiting payment" is placed as it is made.
        if self._state.adding and self.placed_at is None and self.status != self.Status.PENDING_PAYMENT:
            self.placed_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def awaits_pickup(self) -> bool:
        """Whether the order is on its way to the counter: its pickup code matters (its total is to pay there
        unless it was paid online)."""
        return self.status in self.AWAITING_PICKUP

    @property
    def can_be_cancelled_by_shopper(self) -> bool:
        """Whether its shopper (account or guest) may still cancel it: until the shop has it ready."""
        return self.Status.CANCELLED in ORDER_TRANSITIONS[self.status]


# The order's state machine: where each status may go next. lifecycle.order_transition is the
# one door, and lifecycle.ORDER_EFFECTS says what entering each status does (emails, stock);
# a shopper's cancel is allowed where this table allows CANCELLED (before "ready").
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    Order.Status.PENDING_PAYMENT: frozenset({Order.Status.PLACED, Order.Status.CANCELLED}),
    Order.Status.PLACED: frozenset({Order.Status.ACCEPTED, Order.Status.REFUSED, Order.Status.CANCELLED}),
    Order.Status.ACCEPTED: frozenset(
        {
            Order.Status.READY,
            Order.Status.REFUSED,
            Order.Status.CANCELLED,
            Order.Status.NOT_COLLECTED,
        }
    ),
    Order.Status.READY: frozenset({Order.Status.COLLECTED, Order.Status.NOT_COLLECTED}),
    Order.Status.COLLECTED: frozenset(),
    Order.Status.REFUSED: frozenset(),
    Order.Status.CANCELLED: frozenset(),
    Order.Status.NOT_COLLECTED: frozenset(),
}


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Kept as text too: the order stays readable when the product changes or goes.
    product = models.ForeignKey("catalog.Product", null=True, on_delete=models.SET_NULL, related_name="+")
    variant = models.ForeignKey("catalog.Variant", null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=140)
    variant_name = models.CharField(max_length=80, blank=True)
    unit_price = models.DecimalField(max_digits=9, decimal_places=2)
    quantity = models.PositiveIntegerField()
    # The product's VAT rate (%) when it was ordered: the shop's receipt splits its VAT by rate.
    vat_rate = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("20.0"))
    # Whether stock was taken at checkout (and so must be given back on release).
    stock_reserved = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    @property
    def line_total(self) -> Decimal:
        return pricing.line_total(unit_price=self.unit_price, quantity=self.quantity)


class OrderEvent(models.Model):
    """One transition of an order: from, to, who and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)  # "guest", "system", or the person's name
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
