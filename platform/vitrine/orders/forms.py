"""Forms of the order pages: a shop's pickup settings, the territory's order rules, the history filters."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vitrine.orders.models import Order
from vitrine.orders.selectors import DAY_RANGE, HistoryFilters, day_in_range
from vitrine.orders.settings_services import NOT_COLLECTED_AFTER_DAYS, SLOT_CAPACITY_MAX, UNPAID_RELEASE_MINUTES

LEAD_TIMES = (15, 30, 60, 120, 180, 240, 24 * 60, 48 * 60)
SLOT_LENGTHS = (10, 15, 20, 30, 45, 60, 90, 120)


def duration_label(minutes: int) -> str:
    """ "30 min", "2 h", "1 h 30", "24 h (the next day)" in the active language."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return gettext("%(minutes)s min") % {"minutes": rest}
    if hours == 24 and not rest:
        return gettext("24 h (ready the next day)")
    if hours == 48 and not rest:
        return gettext("48 h (two days)")
    if not rest:
        return gettext("%(hours)s h") % {"hours": hours}
    return gettext("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": rest}


def _choices(values: tuple[int, ...], current: int | None) -> list[tuple[int, str]]:
    # A value set before these choices existed stays selectable: saving the form keeps it.
    values = sorted(set(values) | ({current} if current else set()))
    return [(value, duration_label(value)) for value in values]


class PickupSettingsForm(forms.Form):
    lead_time_minutes = forms.TypedChoiceField(
        label=_("Preparation time"),
        coerce=int,
        help_text=_(
            "The earliest pickup offered to a shopper is this long after they order, within your opening hours."
        ),
    )
    slot_minutes = forms.TypedChoiceField(
        label=_("Length of a pickup slot"),
        coerce=int,
        help_text=_("Shoppers choose a slot (e.g. 14:00–14:30) when they order."),
    )
    slot_capacity = forms.IntegerField(
        label=_("Orders per slot"),
        required=False,
        min_value=1,
        max_value=SLOT_CAPACITY_MAX,
        help_text=_("Leave empty for no limit. A full slot is no longer offered."),
        error_messages={
            "invalid": _("Enter a whole number of orders, or leave it empty for no limit."),
            "min_value": _("Enter at least 1 order per slot, or leave it empty for no limit."),
            "max_value": _("At most %(limit_value)s orders per slot."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, settings, **kwargs):
        initial = {
            "lead_time_minutes": settings.lead_time_minutes,
            "slot_minutes": settings.slot_minutes,
            "slot_capacity": settings.slot_capacity,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["lead_time_minutes"].choices = _choices(LEAD_TIMES, settings.lead_time_minutes)
        self.fields["slot_minutes"].choices = _choices(SLOT_LENGTHS, settings.slot_minutes)


def _days_between() -> str:
    low, high = NOT_COLLECTED_AFTER_DAYS
    return gettext("Enter a number of days between %(low)s and %(high)s.") % {"low": low, "high": high}


def _unpaid_minutes_between() -> str:
    low, high = UNPAID_RELEASE_MINUTES
    return gettext("Enter a number of minutes between %(low)s and %(high)s.") % {"low": low, "high": high}


# Translated when shown (in the request's language), with the service's bounds.
DAYS_BETWEEN = lazy(_days_between, str)()
UNPAID_MINUTES_BETWEEN = lazy(_unpaid_minutes_between, str)()


class OrderSettingsForm(forms.Form):
    not_collected_after_days = forms.IntegerField(
        label=_("Release an order not collected after"),
        min_value=NOT_COLLECTED_AFTER_DAYS[0],
        max_value=NOT_COLLECTED_AFTER_DAYS[1],
        help_text=_(
            "Days after the pickup slot. The order then becomes “not collected” and its stock goes back online."
        ),
        error_messages={
            "required": DAYS_BETWEEN,
            "invalid": DAYS_BETWEEN,
            "min_value": DAYS_BETWEEN,
            "max_value": DAYS_BETWEEN,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reminder_days_before = forms.IntegerField(
        label=_("Remind the shopper, days before the release"),
        min_value=0,
        max_value=NOT_COLLECTED_AFTER_DAYS[1],
        help_text=_("0: no reminder. The reminder goes to shoppers whose order is ready."),
        error_messages={
            "required": _("Enter a number of days (0 for no reminder)."),
            "invalid": _("Enter a number of days (0 for no reminder)."),
            "min_value": _("Enter a number of days (0 for no reminder)."),
            "max_value": _("The reminder goes before the release: choose fewer days."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    unpaid_release_minutes = forms.IntegerField(
        label=_("Cancel an order not paid online after"),
        min_value=UNPAID_RELEASE_MINUTES[0],
        max_value=UNPAID_RELEASE_MINUTES[1],
        help_text=_("Minutes after the order. Its stock is held meanwhile, then goes back online."),
        error_messages={
            "required": UNPAID_MINUTES_BETWEEN,
            "invalid": UNPAID_MINUTES_BETWEEN,
            "min_value": UNPAID_MINUTES_BETWEEN,
            "max_value": UNPAID_MINUTES_BETWEEN,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _date_input() -> forms.DateInput:
    first, last = DAY_RANGE
    return forms.DateInput(attrs={"type": "date", "min": first.isoformat(), "max": last.isoformat()}, format="%Y-%m-%d")


class HistoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Customer's name or pickup code"), required=False, max_length=100)
    statut = forms.ChoiceField(label=_("Status"), required=False)
    du = forms.DateField(
        label=_("Pickup from"),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _("Enter a date like 30/11/2026.")},
    )
    au = forms.DateField(
        label=_("to"),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _("Enter a date like 30/11/2026.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statut"].choices = [("", _("All"))] + list(Order.Status.choices)

    def _day_check(self, name: str):
        day = self.cleaned_data.get(name)
        if day is not None and not day_in_range(day):
            first, last = DAY_RANGE
            raise forms.ValidationError(
                _("Choose a date between the years %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": first.year, "last": last.year},
            )
        return day

    def clean_du(self):
        return self._day_check("du")

    def clean_au(self):
        return self._day_check("au")

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error("au", _("The end date comes before the start date."))
        return data

    def filters(self) -> HistoryFilters:
        """The valid filters; a field with an error filters nothing."""
        data = self.cleaned_data if self.is_bound else {}
        valid = {name: value for name, value in data.items() if name not in self.errors}
        return HistoryFilters(
            status=valid.get("statut") or "",
            date_from=valid.get("du"),
            date_to=valid.get("au"),
            query=(valid.get("q") or "").strip(),
        )
