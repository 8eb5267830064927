"""Forms of the merchant's catalogue pages: they collect what was typed; the services check it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vitrine.catalog.models import Category, Product
from vitrine.catalog.selectors import category_choices
from vitrine.catalog.services import ProductData


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input; each is checked by content in the service."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


PRICE_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "12,50"}


class ProductForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=140)
    price = forms.CharField(label=_("Price incl. VAT (€)"), max_length=20, widget=forms.TextInput(attrs=PRICE_ATTRS))
    vat_rate = forms.ChoiceField(label=_("VAT rate"), choices=Product.VatRate.choices, initial=Product.VatRate.STANDARD)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    status = forms.ChoiceField(label=_("Status"), choices=Product.Status.choices, initial=Product.Status.PUBLISHED)
    availability = forms.ChoiceField(
        label=_("Availability"),
        choices=Product.Availability.choices,
        initial=Product.Availability.STOCK,
        widget=forms.RadioSelect,
    )
    stock = forms.IntegerField(
        label=_("Stock"),
        min_value=0,
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    sku = forms.CharField(label=_("Reference (SKU)"), max_length=64, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Paragraphs, bold, lists and links are kept; anything else is removed."),
    )
    photos = MultipleImageField(
        label=_("Photos"),
        required=False,
        help_text=_("JPEG, PNG or WebP; you can choose several."),
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args, with_photos: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Choose…")), *category_choices()]
        if not with_photos:
            del self.fields["photos"]

    def product_data(self, variants: list[dict]) -> ProductData:
        data = self.cleaned_data
        return ProductData(
            title=data["title"],
            price=data["price"],
            category_id=data["category"],
            description=data["description"],
            vat_rate=data["vat_rate"],
            status=data["status"],
            availability=data["availability"],
            stock=data.get("stock") or 0,
            sku=data["sku"],
            variants=variants,
        )

    def add_service_errors(self, error: ValidationError) -> list[str]:
        """Put a service's errors under their fields; return those that belong to no field (variants)."""
        others = []
        for field, messages in error.message_dict.items():
            for message in messages:
                if field in self.fields:
                    self.add_error(field, message)
                else:
                    others.append(message)
        return others


def variants_from_post(post) -> list[dict]:
    """The variant rows of the form (parallel lists, in page order); rows left empty are dropped."""
    rows = zip(
        post.getlist("variant_name"),
        post.getlist("variant_price"),
        post.getlist("variant_stock"),
        post.getlist("variant_sku"),
        strict=False,
    )
    variants = []
    for name, price, stock, sku in rows:
        if not any(value.strip() for value in (name, price, stock, sku)):
            continue
        variants.append({"name": name, "price": price.strip(), "stock": stock.strip() or 0, "sku": sku})
    return variants


class QuickAddForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    title = forms.CharField(
        label=_("What is it?"),
        max_length=140,
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "next"}),
    )
    price = forms.CharField(
        label=_("Price incl. VAT (€)"),
        max_length=20,
        widget=forms.TextInput(attrs={**PRICE_ATTRS, "enterkeyhint": "done"}),
    )


class PhotoUploadForm(forms.Form):
    photos = MultipleImageField(label=_("Add photos"), widget=MultipleFileInput(attrs={"accept": "image/*"}))


class PhotoAltForm(forms.Form):
    alt = forms.CharField(label=_("Description of the photo"), max_length=200, required=False)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, error_messages={"required": _("Give the category a name.")})
    parent = forms.ModelChoiceField(
        label=_("Place"),
        queryset=None,
        required=False,
        empty_label=_("Main category"),
        error_messages={"invalid_choice": _("Choose a main category.")},
    )

    def __init__(self, *args, exclude: Category | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Category.objects.filter(parent=None).order_by("position", "name")
        if exclude is not None:
            parents = parents.exclude(pk=exclude.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda c: _("Inside %(name)s") % {"name": c.name}
