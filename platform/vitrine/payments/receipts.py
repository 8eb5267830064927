"""A shop's receipt for an order paid online: the shop is the seller, the marketplace only collected the money.

VAT is stated per rate, computed in integer cents from the prices incl. VAT, with one rounding
rule: per rate, on the total incl. VAT of that rate's lines, the amount excl. VAT is
total × 100 / (100 + rate) rounded half up to the cent, and the VAT is the rest (so base + VAT
is always exactly the total). Rounding once per rate, not per line, is what the French tax
administration accepts for receipts and keeps the sum of the VAT lines equal to the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from vitrine.orders.models import Order, OrderLine
from vitrine.payments.models import CartPayment, OrderPayment
from vitrine.payments.money import cents


@dataclass(frozen=True)
class ReceiptLine:
    title: str
    variant_name: str
    quantity: int
    unit_cents: int  # incl. VAT
    total_cents: int  # incl. VAT
    vat_rate: Decimal  # percent: Decimal("5.5")


@dataclass(frozen=True)
class VatLine:
    rate: Decimal
    base_cents: int  # excl. VAT
    vat_cents: int
    total_cents: int  # incl. VAT: base + VAT, exactly


@dataclass(frozen=True)
class Receipt:
    order: Order
    payment: OrderPayment
    cart: CartPayment
    lines: list[ReceiptLine]
    vat_lines: list[VatLine]
    total_cents: int
    paid_cents: int  # charged online for this order
    paid_at: datetime | None
    refunded_cents: int
    refunded_at: datetime | None

    @property
    def net_cents(self) -> int:
        """What the shopper finally paid for the order: charged, less refunded."""
        return self.paid_cents - self.refunded_cents

    @property
    def base_cents(self) -> int:
        return sum(line.base_cents for line in self.vat_lines)

    @property
    def vat_cents(self) -> int:
        return sum(line.vat_cents for line in self.vat_lines)


# Why an order has no receipt (yet): the page says it in plain words.
PAID_AT_PICKUP, NOT_CHARGED_YET, NOT_CHARGED = "pickup", "not_yet", "not_charged"


def vat_split(*, total_cents: int, rate: Decimal) -> tuple[int, int]:
    """Split an amount incl. VAT into (excl. VAT, VAT) in cents: excl. = total × 100 / (100 + rate), half up.

    In integers: the rate in tenths of a percent (5.5 % -> 55), so no float and no Decimal context
    decides the cent. vat_split(total_cents=1000, rate=Decimal("20")) -> (833, 167).
    """
    tenths = int((Decimal(rate) * 10).to_integral_value())
    divisor = 1000 + tenths
    base = (2 * total_cents * 1000 + divisor) // (2 * divisor)  # round half up (totals are never negative)
    return base, total_cents - base


def vat_lines(lines: list[ReceiptLine]) -> list[VatLine]:
    """One line per VAT rate, highest rate first, from the lines' totals incl. VAT (see vat_split)."""
    totals: dict[Decimal, int] = {}
    for line in lines:
        rate = Decimal(line.vat_rate).quantize(Decimal("0.1"))  # 20, 20.0, 20.00: one rate
        totals[rate] = totals.get(rate, 0) + line.total_cents
    result = []
    for rate in sorted(totals, reverse=True):
        base, vat = vat_split(total_cents=totals[rate], rate=rate)
        result.append(VatLine(rate=rate, base_cents=base, vat_cents=vat, total_cents=totals[rate]))
    return result


def receipt_line(line: OrderLine) -> ReceiptLine:
    unit = cents(line.unit_price)
    return ReceiptLine(
        title=line.title,
        variant_name=line.variant_name,
        quantity=line.quantity,
        unit_cents=unit,
        total_cents=unit * line.quantity,
        vat_rate=line.vat_rate,
    )


def order_receipt(*, order: Order) -> Receipt | str:
    """The receipt of `order` (its lines prefetched or not), or why there is none: PAID_AT_PICKUP,
    NOT_CHARGED_YET (the card is only authorised) or NOT_CHARGED (refused or cancelled before capture).

    One query: the order's payment with its cart's (the lines come from the caller's prefetch).
    """
    if not order.paid_online:
        return PAID_AT_PICKUP
    payment = OrderPayment.objects.select_related("cart_payment").filter(order_id=order.pk).first()
    if payment is None or payment.captured_cents == 0:
        if payment is not None and payment.status == OrderPayment.Status.EXCLUDED:
            return NOT_CHARGED
        if order.status in (Order.Status.REFUSED, Order.Status.CANCELLED):
            return NOT_CHARGED
        return NOT_CHARGED_YET
    lines = [receipt_line(line) for line in order.lines.all()]
    return Receipt(
        order=order,
        payment=payment,
        cart=payment.cart_payment,
        lines=lines,
        vat_lines=vat_lines(lines),
        total_cents=sum(line.total_cents for line in lines),
        paid_cents=payment.captured_cents,
        paid_at=payment.cart_payment.captured_at,
        refunded_cents=payment.refunded_cents,
        refunded_at=payment.refunded_at,
    )
