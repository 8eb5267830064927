from django import forms
from django.utils.translation import gettext_lazy as _


class BrandingForm(forms.Form):
    name = forms.CharField(label=_("Name of the marketplace"), max_length=120)
    hero_text = forms.CharField(label=_("Hero text"), max_length=240, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    # Text, not <input type="color">, which cannot be left empty (empty = the theme's colour).
    primary_color = forms.CharField(
        label=_("Primary colour"), max_length=7, required=False,
        widget=forms.TextInput(attrs={"placeholder": "#1d4ed8", "pattern": "#[0-9a-fA-F]{6}", "size": 8}),
        help_text=_("As #RRGGBB, used for links and buttons; empty keeps the theme's colour. It must keep a 4.5:1 contrast with the background."),
    )
    logo = forms.FileField(label=_("Logo"), required=False, help_text=_("PNG, JPEG or WebP, at most 1 MB."),
                           widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))
