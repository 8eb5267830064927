"""The payment forms: a shop's modes (its owner), the territory's policy (its team).

Amounts are typed the French way ("2,5" %, "0,50" €) and become integers here: basis points
and cents. The services check the bounds again, with the same messages.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from vitrine.payments.models import PaymentSettings, ShopPayment
from vitrine.payments.money import cents
from vitrine.payments.services_policy import ACCEPTANCE_HOURS

PICKUP, ONLINE, BOTH = "pickup", "online", "both"


def _decimal(text: str) -> Decimal | None:
    """ "2,5", "2.5", " 2,50 % ", "0,50 €" as a Decimal with two places at most; None when it is not one."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").rstrip("%€").replace(",", ".")
    if not cleaned:
        return Decimal(0)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return value


class ShopPaymentModesForm(forms.Form):
    """The shop's choice, shown only for the modes its territory offers."""

    accepts_pickup = forms.BooleanField(label=_("Payment at pickup, in the shop"), required=False)
    accepts_online = forms.BooleanField(label=_("Online payment, by card, when ordering"), required=False)

    def __init__(self, *args, row: ShopPayment, offers_pickup: bool, offers_online: bool, **kwargs):
        kwargs.setdefault("initial", {"accepts_pickup": row.accepts_pickup, "accepts_online": row.accepts_online})
        super().__init__(*args, **kwargs)
        self.row = row
        if not offers_pickup:
            del self.fields["accepts_pickup"]
        if not offers_online:
            del self.fields["accepts_online"]
        elif not row.can_receive_transfers:
            self.fields["accepts_online"].help_text = _("Counts once your Stripe account is active.")

    def modes(self) -> dict[str, bool]:
        """Both choices, the ones not shown kept as they were."""
        return {
            "accepts_pickup": self.cleaned_data.get("accepts_pickup", self.row.accepts_pickup),
            "accepts_online": self.cleaned_data.get("accepts_online", self.row.accepts_online),
        }


COMMISSION_PERCENT = _("Enter a percentage between 0 and 30, like 2,5 (two decimals at most).")
COMMISSION_FIXED = _("Enter an amount in euros between 0 and 100, like 0,50.")
HOURS = _("Enter a number of hours between 1 and 120.")


class PaymentSettingsForm(forms.Form):
    offers = forms.ChoiceField(
        label=_("Ways to pay offered to shoppers"),
        choices=[
            (PICKUP, _("Payment at pickup only")),
            (ONLINE, _("Online payment only")),
            (BOTH, _("Both: each shop chooses")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Offer at least one way to pay."),
            "invalid_choice": _("Offer at least one way to pay."),
        },
    )
    commission_percent = forms.CharField(
        label=_("Commission on each order paid online (%)"),
        required=False,
        max_length=10,
        help_text=_("From 0 to 30 %, like 2,5. 0 or empty: no commission."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    commission_fixed = forms.CharField(
        label=_("Fixed commission per order paid online (€)"),
        required=False,
        max_length=10,
        help_text=_("From 0 to 100 €, like 0,50; added to the percentage. 0 or empty: none."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    acceptance_hours = forms.IntegerField(
        label=_("Shops answer an order paid online within (hours)"),
        min_value=ACCEPTANCE_HOURS[0],
        max_value=ACCEPTANCE_HOURS[1],
        help_text=_(
            "From 1 to 120 hours. Then what the shops accepted is charged and the rest released: "
            "a card payment is held for about 7 days only."
        ),
        error_messages={"required": HOURS, "invalid": HOURS, "min_value": HOURS, "max_value": HOURS},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    # The service's names of the fields, for its errors.
    SERVICE_FIELDS = {
        "offers": "offers",
        "commission_basis_points": "commission_percent",
        "commission_fixed_cents": "commission_fixed",
        "acceptance_hours": "acceptance_hours",
    }

    @staticmethod
    def initial_for(settings: PaymentSettings) -> dict:
        offers = (
            BOTH if settings.offers_pickup and settings.offers_online else ONLINE if settings.offers_online else PICKUP
        )
        return {
            "offers": offers,
            "commission_percent": _french(Decimal(settings.commission_basis_points) / 100),
            "commission_fixed": _french(Decimal(settings.commission_fixed_cents) / 100),
            "acceptance_hours": settings.acceptance_hours,
        }

    def clean_commission_percent(self) -> int:
        value = _decimal(self.cleaned_data["commission_percent"])
        if value is None or not 0 <= value <= 30:
            raise forms.ValidationError(COMMISSION_PERCENT)
        return int(value * 100)  # basis points: 2,5 % is 250

    def clean_commission_fixed(self) -> int:
        value = _decimal(self.cleaned_data["commission_fixed"])
        if value is None or not 0 <= value <= 100:
            raise forms.ValidationError(COMMISSION_FIXED)
        return cents(value)

    def policy(self) -> dict:
        """The service's arguments."""
        offers = self.cleaned_data["offers"]
        return {
            "offers_pickup": offers in (PICKUP, BOTH),
            "offers_online": offers in (ONLINE, BOTH),
            "commission_basis_points": self.cleaned_data["commission_percent"],
            "commission_fixed_cents": self.cleaned_data["commission_fixed"],
            "acceptance_hours": self.cleaned_data["acceptance_hours"],
        }


def _french(value: Decimal) -> str:
    """2.50 → "2,5", 0 → "0": as a person types it."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")
