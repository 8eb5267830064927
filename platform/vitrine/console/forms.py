from django import forms
from django.utils.translation import gettext_lazy as _

from vitrine.console.services import TerritoryRequest, territory_request_validate
from vitrine.tenancy.branding import IMAGE_FIELDS, identity_images_clean
from vitrine.tenancy.forms import IdentityFieldsForm
from vitrine.tenancy.models import Territory
from vitrine.theming.services import theme_load, theme_names


class TerritoryProvisionForm(IdentityFieldsForm):
    """A new territory; its identity (colours, texts, images) is optional and can be changed later."""

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

    field_order = [
        "name",
        "slug",
        "kind",
        "theme",
        "contact_email",
        "admin_email",
        "custom_domains",
        "primary_color",
        "header_color",
        "accent_color",
        "hero_text",
        "footer_text",
        "logo",
        "hero_image",
        "favicon",
        "social_image",
    ]

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
            header_color=data.get("header_color", ""),
            accent_color=data.get("accent_color", ""),
            hero_text=data.get("hero_text", ""),
            footer_text=data.get("footer_text", ""),
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
        _clean, image_errors = identity_images_clean(self.images())
        for field_name, messages in image_errors.items():
            for message in messages:
                self.add_error(field_name, message)
        return cleaned

    def images(self) -> dict:
        return {kind: self.cleaned_data[kind] for kind in IMAGE_FIELDS if self.cleaned_data.get(kind)}


class DomainAddForm(forms.Form):
    domain = forms.CharField(label=_("Domain"), max_length=253, help_text=_("e.g. achetez.grandnancy.fr"))
    make_primary = forms.BooleanField(label=_("Make it the primary domain"), required=False)
