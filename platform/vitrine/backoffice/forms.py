"""Forms of the territory team's area: they parse what people type; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vitrine.legal.models import BODY_MAX, TITLE_MAX, LegalPage
from vitrine.search.models import EXPANSION_MAX_LENGTH, WORD_MAX_LENGTH
from vitrine.shops.forms import ShopIdentityForm
from vitrine.tenancy.models import Territory


class ScheduledAnnouncementForm(forms.Form):
    """An announcement with its schedule, typed in the territory's time zone (the view's current zone)."""

    text = forms.CharField(label=_("Announcement"), max_length=280, widget=forms.Textarea(attrs={"rows": 3}))
    link = forms.CharField(
        label=_("Link"),
        max_length=300,
        required=False,
        help_text=_("A page of the marketplace (/boutiques/…) or a full address (https://…)."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Empty: now. In the territory's time."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Empty: until you end it."),
    )


class PickupInstructionsForm(forms.Form):
    pickup_instructions = forms.CharField(
        label=_("Contactless pickup instructions"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Shown during lockdown on the order confirmation, the order's page and the order emails. "
            "Empty: the default text."
        ),
    )


class NudgeForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(
        label=_("Email"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "{boutique}: the shop's name; {constat}: what is stale; {lien}: their merchant area; "
            "{territoire}: the marketplace's name."
        ),
    )


class FeaturePositionForm(forms.Form):
    position = forms.IntegerField(
        label=_("Position on the home page"),
        min_value=0,
        max_value=999,
        required=False,
        help_text=_("1 comes first. Empty: not featured."),
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


class SynonymForm(forms.Form):
    word = forms.CharField(
        label=_("Word shoppers type"),
        max_length=WORD_MAX_LENGTH,
        error_messages={"required": _("Type the word shoppers search for.")},
        help_text=_("One word, e.g. cadeau. Accents and capitals do not matter."),
    )
    expansion = forms.CharField(
        label=_("Also finds"),
        max_length=EXPANSION_MAX_LENGTH,
        error_messages={"required": _("Type what this word should also find.")},
        help_text=_("A word or a few words, all of which a product must have, e.g. idées cadeaux."),
    )
