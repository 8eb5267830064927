"""Forms of the territory team's area: they parse what people type; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vitrine.shops.forms import ShopIdentityForm


class AnnouncementForm(forms.Form):
    text = forms.CharField(
        label=_("Announcement"),
        max_length=280,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown at the top of the home page, e.g. “Christmas market on Saturday: the shops stay open until 8 pm”. Empty: no announcement."
        ),
    )
    link = forms.CharField(
        label=_("Link (optional)"),
        max_length=300,
        required=False,
        help_text=_("A page of the marketplace (/boutiques/…) or a full address (https://…)."),
    )
    until = forms.DateField(
        label=_("Show until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The last day it is shown; empty: until you remove it."),
    )


class AssistedShopForm(ShopIdentityForm):
    """Staff create a shop on a merchant's behalf; the owner is invited by email."""

    owner_email = forms.EmailField(
        label=_("Owner's email address"), help_text=_("They receive a link to choose their password.")
    )


class ReasonForm(forms.Form):
    """A reason staff give to the merchant; the services say when it is required."""

    reason = forms.CharField(
        label=_("Reason, sent to the merchant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommuneForm(forms.Form):
    name = forms.CharField(
        label=_("Commune"), max_length=120, error_messages={"required": _("The commune's name is missing.")}
    )
    postcode = forms.CharField(
        label=_("Postcode"), max_length=5, widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{5}"})
    )
