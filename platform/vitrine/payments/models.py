"""Online payment in a territory: its policy, each shop's Stripe account and choice, each cart's payment.

Amounts are integer cents (Stripe's unit), never floats: an order's euros become cents once,
at checkout (payments.money.cents).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PaymentSettings(models.Model):
    """The territory's payment policy (one row per territory schema): the modes it offers, its commission."""

    offers_pickup = models.BooleanField(_("pay at pickup"), default=True)
    offers_online = models.BooleanField(_("pay online"), default=False)
    # The platform's commission on each order paid online: a percentage (in hundredths of a
    # percent: 250 = 2.5 %) and/or a fixed amount per order. 0 by default.
    commission_basis_points = models.PositiveIntegerField(_("commission (hundredths of a percent)"), default=0)
    commission_fixed_cents = models.PositiveIntegerField(_("commission per order (cents)"), default=0)
    # The shops answer within this delay; then what is accepted is captured, the rest cancelled.
    # Well inside a card authorisation's hold (about 7 days).
    acceptance_hours = models.PositiveSmallIntegerField(_("shops answer within (hours)"), default=48)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="payment_settings_single_row"),
            models.CheckConstraint(
                condition=models.Q(offers_pickup=True) | models.Q(offers_online=True), name="payment_settings_a_mode"
            ),
            models.CheckConstraint(
                condition=models.Q(commission_basis_points__lte=3000), name="payment_settings_commission_max"
            ),
            models.CheckConstraint(
                condition=models.Q(commission_fixed_cents__lte=10000), name="payment_settings_fixed_max"
            ),
            models.CheckConstraint(
                condition=models.Q(acceptance_hours__gte=1, acceptance_hours__lte=120),
                name="payment_settings_acceptance_range",
            ),
        ]


class ShopPayment(models.Model):
    """A shop's choice of payment modes (within the territory's) and its Stripe connected account's state."""

    shop = models.OneToOneField("shops.Shop", on_delete=models.CASCADE, related_name="payment")
    accepts_pickup = models.BooleanField(_("pay at pickup"), default=True)
    accepts_online = models.BooleanField(_("pay online"), default=True)
    stripe_account_id = models.CharField(max_length=255, blank=True)
    # The account's state as Stripe last told it (account.updated, or fetched).
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    transfers_active = models.BooleanField(default=False)  # capabilities.transfers == "active"
    requirements_due = models.JSONField(default=list, blank=True)  # currently_due
    requirements_past_due = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    deauthorized = models.BooleanField(default=False)  # the shop disconnected its account from the platform
    stripe_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_account_id"],
                condition=~models.Q(stripe_account_id=""),
                name="shop_payment_unique_account",
            ),
        ]

    @property
    def can_receive_transfers(self) -> bool:
        """Whether the shop can be paid its share: an account able to receive transfers, still connected."""
        return bool(self.stripe_account_id) and self.transfers_active and not self.deauthorized


class CartPayment(models.Model):
    """One online payment for the online part of a cart (one checkout): one PaymentIntent, manual capture."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("payment status", "Awaiting payment")
        AUTHORISED = "authorised", pgettext_lazy("payment status", "Authorised")
        CAPTURED = "captured", pgettext_lazy("payment status", "Captured")
        CANCELLED = "cancelled", pgettext_lazy("payment status", "Cancelled")
        EXPIRED = "expired", pgettext_lazy("payment status", "Not paid")

    # Only ever forward along this order (webhooks arrive late, twice, out of order).
    RANK = {Status.OPEN: 0, Status.EXPIRED: 1, Status.AUTHORISED: 1, Status.CAPTURED: 2, Status.CANCELLED: 2}

    checkout_key = models.UUIDField(unique=True)  # the orders' idempotency_key: one checkout, one payment
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    currency = models.CharField(max_length=3, default="eur")
    amount_cents = models.PositiveIntegerField()  # authorised: the online orders' totals
    captured_cents = models.PositiveIntegerField(default=0)
    refunded_cents = models.PositiveIntegerField(default=0)
    email = models.EmailField()
    checkout_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    session_expires_at = models.DateTimeField(null=True, blank=True)  # when Stripe closes the payment page
    checkout_url = models.URLField(max_length=2000, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    charge_id = models.CharField(max_length=255, blank=True)
    transfer_group = models.CharField(max_length=255)
    last_error = models.CharField(max_length=500, blank=True)  # the last decline, as Stripe worded it
    authorised_at = models.DateTimeField(null=True, blank=True)
    # Set at authorisation: then what the shops accepted is captured, the rest cancelled.
    acceptance_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    # What the capture takes (the accepted orders), decided and written before Stripe is asked:
    # a retry after a crash finishes this plan, whatever the orders did since.
    capture_planned_cents = models.PositiveIntegerField(null=True, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # A dispute freezes the cart's transfers not yet made; territory staff see it.
    dispute_id = models.CharField(max_length=255, blank=True)
    dispute_status = models.CharField(max_length=40, blank=True)
    dispute_amount_cents = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.transfer_group} ({self.status})"

    # A dispute closed in the platform's favour: the cart's money moves again. Lost, it stays frozen
    # for the team to decide (the platform carries the loss; a shop's transfer is theirs to settle).
    DISPUTE_SETTLED = ("won", "warning_closed")
    DISPUTE_CLOSED = ("won", "lost", "warning_closed")

    @property
    def disputed(self) -> bool:
        return bool(self.dispute_id) and self.dispute_status not in self.DISPUTE_SETTLED


class OrderPayment(models.Model):
    """One shop's part of a cart payment: its order's amount, the commission, and where the money went."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("order payment", "Awaiting payment")
        AUTHORISED = "authorised", pgettext_lazy("order payment", "Paid (authorised)")
        EXCLUDED = "excluded", pgettext_lazy("order payment", "Not charged")  # refused or cancelled before capture
        CAPTURED = "captured", pgettext_lazy("order payment", "Paid (captured)")
        TRANSFERRED = "transferred", pgettext_lazy("order payment", "Paid to the shop")
        REFUNDED = "refunded", pgettext_lazy("order payment", "Refunded")

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="payment")
    cart_payment = models.ForeignKey(CartPayment, on_delete=models.PROTECT, related_name="order_payments")
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="order_payments")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    amount_cents = models.PositiveIntegerField()
    commission_cents = models.PositiveIntegerField(default=0)  # the platform keeps this from a transfer
    in_capture = models.BooleanField(default=False)  # part of the cart's capture plan
    captured_cents = models.PositiveIntegerField(default=0)
    transferred_cents = models.PositiveIntegerField(default=0)
    refunded_cents = models.PositiveIntegerField(default=0)
    transfer_id = models.CharField(max_length=255, blank=True)
    reversal_id = models.CharField(max_length=255, blank=True)
    refund_id = models.CharField(max_length=255, blank=True)
    transferred_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["shop", "transferred_at"], name="order_payment_shop_paid")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(commission_cents__lte=models.F("amount_cents")), name="order_payment_commission_le"
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_cents__lte=models.F("captured_cents")), name="order_payment_refund_le"
            ),
        ]

    @property
    def shop_share_cents(self) -> int:
        """What the shop is paid for the order: its amount less the platform's commission."""
        return self.amount_cents - self.commission_cents
