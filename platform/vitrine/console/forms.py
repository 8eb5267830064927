from django import forms
from django.utils.translation import gettext_lazy as _

from vitrine.console.services import TerritoryRequest, territory_request_validate
from vitrine.tenancy.models import Territory
from vitrine.theming.services import theme_load, theme_names


class TerritoryProvisionForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("As residents know it, e.g. Achetez Grand Nancy.")
    )
    slug = forms.CharField(
        label=_("Identifier"),
        max_length=40,
        help_text=_("Lowercase letters and digits; gives the address <slug>.<domain>."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Territory.Kind.choices)
    theme = forms.ChoiceField(label=_("Theme"))
    # A text field, not <input type="color">: that one always sends a colour (#000000
    # when untouched), and an empty field must mean "the theme's colour".
    primary_color = forms.CharField(
        label=_("Primary colour"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "#1d4ed8", "pattern": "#[0-9a-fA-F]{6}", "size": 8}),
        help_text=_(
            "Optional, as #RRGGBB; empty keeps the theme's colour. It must keep a 4.5:1 contrast with the theme's background."
        ),
    )
    hero_text = forms.CharField(label=_("Hero text"), required=False, max_length=240)
    contact_email = forms.EmailField(label=_("Contact email"))
    admin_email = forms.EmailField(
        label=_("First administrator's email"), help_text=_("Receives a link to choose a password.")
    )
    custom_domains = forms.CharField(
        label=_("Custom domains"),
        required=False,
        help_text=_("Optional, one per line, e.g. achetez.grandnancy.fr."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [(name, theme_load(name).label) for name in theme_names()]

    def territory_request(self) -> TerritoryRequest:
        data = self.cleaned_data
        return TerritoryRequest(
            name=data["name"],
            slug=data["slug"],
            kind=data["kind"],
            theme=data["theme"],
            primary_color=data.get("primary_color", ""),
            hero_text=data.get("hero_text", ""),
            contact_email=data["contact_email"],
            admin_email=data["admin_email"],
            custom_domains=data.get("custom_domains", "").split(),
        ).normalised()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for field_name, messages in territory_request_validate(self.territory_request()).items():
            for message in messages:
                self.add_error(field_name, message)
        return cleaned


class DomainAddForm(forms.Form):
    domain = forms.CharField(label=_("Domain"), max_length=253, help_text=_("e.g. achetez.grandnancy.fr"))
    make_primary = forms.BooleanField(label=_("Make it the primary domain"), required=False)
