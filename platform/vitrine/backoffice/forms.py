"""Forms of the territory team's area: they parse what people type; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vitrine.legal.models import BODY_MAX, TITLE_MAX, LegalPage
from vitrine.shops.forms import ShopIdentityForm
from vitrine.tenancy.models import Territory


class BrandingForm(forms.Form):
    name = forms.CharField(label=_("Name of the marketplace"), max_length=120)
    hero_text = forms.CharField(
        label=_("Hero text"), max_length=240, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Text, not <input type="color">, which cannot be left empty (empty = the theme's colour).
    primary_color = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "#1d4ed8", "pattern": "#[0-9a-fA-F]{6}", "size": 8}),
        help_text=_(
            "As #RRGGBB, used for links and buttons; empty keeps the theme's colour. It must keep a 4.5:1 contrast with the background."
        ),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


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


class LegalPageForm(forms.Form):
    """A legal page's title and text (and, for the accessibility statement, the site's conformity state)."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text=_(
            "“## ” at the start of a line makes a section title, “### ” a sub-section; a blank line starts a new "
            "paragraph; lines starting with “- ” make a list; **bold**; [a link](https://…) or [a page](/cgu/); "
            "web and email addresses become links by themselves."
        ),
    )
    accessibility = forms.ChoiceField(
        label=_("Conformity with the RGAA (shown in every page's footer)"),
        choices=Territory.Accessibility.choices,
        help_text=_("“Partially” or “fully compliant” only after an audit; until then, “not compliant”."),
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != LegalPage.Kind.ACCESSIBILITE:
            del self.fields["accessibility"]
