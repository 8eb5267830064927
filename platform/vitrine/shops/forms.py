"""Forms of the merchant and staff areas: they parse what people type; services decide."""

from __future__ import annotations

from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from vitrine.shops.hours import MAX_RANGES_PER_DAY, weekday_names
from vitrine.shops.joining import ShopApplication
from vitrine.shops.models import Shop
from vitrine.shops.selectors import commune_list
from vitrine.shops.storefront import SALE_CONDITIONS_MAX, ShopProfile

COMMUNE_OUTSIDE = _("The shop must be in one of the territory's communes.")
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


class SalesModeField(forms.ChoiceField):
    CLICK_AND_COLLECT, SHOWCASE = "click_and_collect", "showcase"

    def __init__(self, **kwargs):
        super().__init__(
            label=_("How do you want to sell?"),
            choices=[
                (self.CLICK_AND_COLLECT, _("Online, with Click & Collect: customers order and pick up in store")),
                (self.SHOWCASE, _("Showcase only: customers browse, then come to the shop")),
            ],
            widget=forms.RadioSelect,
            initial=self.CLICK_AND_COLLECT,
            **kwargs,
        )

    @classmethod
    def initial_for(cls, shop: Shop) -> str:
        return cls.SHOWCASE if shop.showcase_only else cls.CLICK_AND_COLLECT


class CommuneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, commune) -> str:
        return f"{commune.name} ({commune.postcode})"


class ShopIdentityForm(forms.Form):
    """The shop's application: identity, address, category, contact, how it sells."""

    name = forms.CharField(
        label=_("Business name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    siret = forms.CharField(
        label=_("SIRET number"),
        max_length=20,
        help_text=_("14 digits, on your Kbis or on annuaire-entreprises.data.gouv.fr. Spaces are fine."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("Street address"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "address-line1"})
    )
    commune = CommuneChoiceField(
        label=_("Commune"),
        queryset=None,
        empty_label=_("Choose the commune"),
        error_messages={"invalid_choice": COMMUNE_OUTSIDE, "required": COMMUNE_OUTSIDE},
    )
    category = forms.TypedChoiceField(
        label=_("Category"),
        coerce=int,
        choices=(),
        error_messages={
            "invalid_choice": _("Choose the shop's category."),
            "required": _("Choose the shop's category."),
        },
    )
    email = forms.EmailField(label=_("Shop's contact email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        label=_("Shop's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    description = forms.CharField(
        label=_("Describe your shop"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What you sell, what makes you different. A blank line starts a new paragraph; lines starting with “- ” make a list."
        ),
    )
    sales_mode = SalesModeField()

    def __init__(self, *args, category_choices: list, **kwargs):
        # The category tree is the catalogue's (shops sits below it): the page passes its choices.
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = commune_list()
        self.fields["category"].choices = [("", _("Choose a category")), *category_choices]

    def application(self) -> ShopApplication:
        data = self.cleaned_data
        showcase = data["sales_mode"] == SalesModeField.SHOWCASE
        return ShopApplication(
            name=data["name"],
            siret=data["siret"],
            address=data["address"],
            commune_id=data["commune"].pk,
            category_id=data["category"],
            email=data["email"],
            phone=data.get("phone", ""),
            description=data.get("description", ""),
            click_and_collect=not showcase,
            showcase_only=showcase,
        )


class ShopApplyForm(ShopIdentityForm):
    """The public application form; a visitor also opens their account."""

    owner_full_name = forms.CharField(
        label=_("Your first and last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    owner_email = forms.EmailField(
        label=_("Your email address (your login)"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        help_text=_("At least 8 characters, not too common."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    ACCOUNT_FIELDS = ("owner_full_name", "owner_email", "password")

    def __init__(self, *args, with_account: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_account:
            for name in self.ACCOUNT_FIELDS:
                del self.fields[name]


class ShopProfileForm(forms.Form):
    description = ShopIdentityForm.base_fields["description"]
    sale_conditions = forms.CharField(
        label=_("Your conditions of sale"),
        required=False,
        max_length=SALE_CONDITIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Shown to shoppers when they order: returns, exchanges, products made to order, payment at the "
            "counter… A blank line starts a new paragraph; lines starting with “- ” make a list."
        ),
    )
    phone = ShopIdentityForm.base_fields["phone"]
    website = forms.CharField(
        label=_("Website"),
        max_length=200,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "url"}),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("JPEG, PNG or WebP."),
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    logo_clear = forms.BooleanField(label=_("Remove the logo"), required=False)
    sales_mode = SalesModeField()

    def profile(self) -> ShopProfile:
        data = self.cleaned_data
        showcase = data["sales_mode"] == SalesModeField.SHOWCASE
        return ShopProfile(
            description=data["description"],
            sale_conditions=data["sale_conditions"],
            phone=data["phone"],
            website=data["website"],
            click_and_collect=not showcase,
            showcase_only=showcase,
        )


class ShopPhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Add a photo"),
        help_text=_("JPEG, PNG or WebP; take it with your phone."),
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT, "capture": "environment"}),
        error_messages={"required": _("Choose a photo.")},
    )
    alt = forms.CharField(
        label=_("What the photo shows"),
        max_length=200,
        required=False,
        help_text=_("For people who cannot see it, e.g. “The shop window in winter”."),
    )


class PhotoAltForm(forms.Form):
    alt = forms.CharField(label=_("What the photo shows"), max_length=200, required=False)


class HoursForm(forms.Form):
    """A week of opening hours: up to three ranges a day, with "same as Monday" shortcuts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = weekday_names()
        for day in range(7):
            for index in range(MAX_RANGES_PER_DAY):
                for end, label in (("opens", _("Opens")), ("closes", _("Closes"))):
                    self.fields[f"d{day}_{index}_{end}"] = forms.TimeField(
                        label=f"{days[day]}, {label.lower()} ({index + 1})",
                        required=False,
                        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
                        error_messages={"invalid": _("Write a time as 09:30.")},
                    )
            if day:
                self.fields[f"d{day}_same"] = forms.BooleanField(
                    label=_("Same as Monday"),
                    required=False,
                )

    @classmethod
    def initial_from(cls, ranges) -> dict:
        initial, counts = {}, {}
        for weekday, opens, closes in ranges:
            index = counts.get(weekday, 0)
            if index < MAX_RANGES_PER_DAY:
                initial[f"d{weekday}_{index}_opens"] = opens
                initial[f"d{weekday}_{index}_closes"] = closes
            counts[weekday] = index + 1
        return initial

    def days(self):
        """Per day: (name, same-as-Monday field or None, [(opens field, closes field)])."""
        for day, name in enumerate(weekday_names()):
            yield (
                day,
                name,
                self[f"d{day}_same"] if day else None,
                [(self[f"d{day}_{i}_opens"], self[f"d{day}_{i}_closes"]) for i in range(MAX_RANGES_PER_DAY)],
            )

    def clean(self):
        data = super().clean()
        days = weekday_names()
        ranges: dict[int, list[tuple[time, time]]] = {}
        for day in range(7):
            for index in range(MAX_RANGES_PER_DAY):
                opens, closes = data.get(f"d{day}_{index}_opens"), data.get(f"d{day}_{index}_closes")
                if opens and closes:
                    ranges.setdefault(day, []).append((opens, closes))
                elif opens or closes:
                    if f"d{day}_{index}_opens" in self.errors or f"d{day}_{index}_closes" in self.errors:
                        continue
                    self.add_error(None, _("%(day)s: give both the opening and the closing time.") % {"day": days[day]})
        for day in range(1, 7):
            if data.get(f"d{day}_same"):
                ranges[day] = list(ranges.get(0, []))
        self.ranges = [
            (day, opens, closes) for day, day_ranges in sorted(ranges.items()) for opens, closes in day_ranges
        ]
        return data


class ClosingForm(forms.Form):
    starts_on = forms.DateField(
        label=_("First day closed"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Give the first day."), "invalid": _("Write a date as 24/12/2026.")},
    )
    ends_on = forms.DateField(
        label=_("Last day closed"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Give the last day."), "invalid": _("Write a date as 24/12/2026.")},
    )
    reason = forms.CharField(
        label=_("Reason (shown to customers)"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Summer holidays")}),
    )


class TeamInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Your employee's email address"),
        help_text=_("They receive a link to choose their password, then see the shop's products and orders."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={
            "invalid": _("Give your employee's email address."),
            "required": _("Give your employee's email address."),
        },
    )
