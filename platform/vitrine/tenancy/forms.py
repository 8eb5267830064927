"""The identity fields of a territory, shared by the console and the territory team's page.

Forms only parse: tenancy.branding checks contrast, lengths and images, and decides.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from vitrine.tenancy.branding import FOOTER_TEXT_MAX, HERO_TEXT_MAX, IMAGE_FIELDS, NAME_MAX, IdentityChange

IMAGE_ACCEPT = "image/png,image/jpeg,image/webp"


def _colour_field(label, help_text) -> forms.CharField:
    # Text, not <input type="color">: that one always sends a colour (#000000 when
    # untouched), and an empty field must mean "the theme's colour". The preview
    # script adds a colour picker beside it.
    return forms.CharField(
        label=label,
        required=False,
        max_length=7,
        widget=forms.TextInput(
            attrs={"placeholder": "#1d4ed8", "pattern": "#[0-9a-fA-F]{6}", "size": 8, "data-identity-colour": ""}
        ),
        help_text=help_text,
    )


def _image_field(label, help_text) -> forms.FileField:
    return forms.FileField(
        label=label, required=False, help_text=help_text, widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT})
    )


class IdentityFieldsForm(forms.Form):
    """Everything of a territory's identity but its name (the provisioning form has its own)."""

    hero_text = forms.CharField(
        label=_("Hero text"),
        max_length=HERO_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The sentence under the name on the home page."),
    )
    primary_color = _colour_field(
        _("Primary colour"),
        _(
            "As #RRGGBB, used for titles, links and buttons; empty keeps the theme's colour. It must keep a 4.5:1 contrast with the background."
        ),
    )
    header_color = _colour_field(
        _("Header colour"),
        _(
            "As #RRGGBB, the band at the top of every page; empty keeps the theme's. Its text turns white or black to stay readable."
        ),
    )
    accent_color = _colour_field(
        _("Accent colour"),
        _(
            "As #RRGGBB, for the marks beside the content (the home page's edge); it needs a 3:1 contrast with the background."
        ),
    )
    footer_text = forms.CharField(
        label=_("Footer text"),
        max_length=FOOTER_TEXT_MAX,
        required=False,
        help_text=_("A line at the bottom of every page, e.g. “An initiative of the Métropole and its shopkeepers”."),
    )
    logo = _image_field(_("Logo"), _("PNG, JPEG or WebP, at most 2 MB; shown in the header and the emails."))
    hero_image = _image_field(
        _("Hero image"), _("PNG, JPEG or WebP, at most 2 MB, at least 480 pixels wide; shown on the home page.")
    )
    favicon = _image_field(
        _("Favicon"), _("The small icon of the browser's tab: a square PNG, at least 32 × 32 pixels.")
    )
    social_image = _image_field(
        _("Social preview image"),
        _("Shown when someone shares the site (1200 × 630 pixels recommended), at most 2 MB."),
    )

    def identity_change(self, *, name: str) -> IdentityChange:
        data = self.cleaned_data
        return IdentityChange(
            name=name,
            hero_text=data.get("hero_text", ""),
            primary_color=data.get("primary_color", ""),
            header_color=data.get("header_color", ""),
            accent_color=data.get("accent_color", ""),
            footer_text=data.get("footer_text", ""),
            images={kind: data[kind] for kind in IMAGE_FIELDS if data.get(kind)},
            remove=frozenset(kind for kind in IMAGE_FIELDS if data.get(f"{kind}_remove")),
        )


class IdentityForm(IdentityFieldsForm):
    """A territory's identity, later: its name too, and a way to take an image away."""

    name = forms.CharField(label=_("Name of the marketplace"), max_length=NAME_MAX)
    logo_remove = forms.BooleanField(label=_("Remove the logo"), required=False)
    hero_image_remove = forms.BooleanField(label=_("Remove the hero image"), required=False)
    favicon_remove = forms.BooleanField(label=_("Remove the favicon"), required=False)
    social_image_remove = forms.BooleanField(label=_("Remove the social preview image"), required=False)

    field_order = [
        "name",
        "hero_text",
        "primary_color",
        "header_color",
        "accent_color",
        "footer_text",
        "logo",
        "logo_remove",
        "hero_image",
        "hero_image_remove",
        "favicon",
        "favicon_remove",
        "social_image",
        "social_image_remove",
    ]

    def __init__(self, *args, territory=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only offer to remove what exists.
        for kind in IMAGE_FIELDS:
            if territory is None or not getattr(territory, kind):
                del self.fields[f"{kind}_remove"]

    @staticmethod
    def initial_for(territory) -> dict:
        names = ("name", "hero_text", "primary_color", "header_color", "accent_color", "footer_text")
        return {name: getattr(territory, name) for name in names}

    def change(self) -> IdentityChange:
        return self.identity_change(name=self.cleaned_data["name"])
