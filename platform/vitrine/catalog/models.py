"""A territory's catalogue: its category tree, and each shop's products."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A node of the territory's category tree (décoration, bijoux, ...)."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


# Shoppers' search folds accents itself: the embedded PostgreSQL has no `unaccent`.
# vitrine.search.text applies the same folding to what shoppers type.
ACCENTED = "àâäáãåçéèêëîïíìôöóòõùûüúÿýñÀÂÄÁÃÅÇÉÈÊËÎÏÍÌÔÖÓÒÕÙÛÜÚŸÝÑ"
UNACCENTED = "aaaaaaceeeeiiiiooooouuuuyynAAAAAACEEEEIIIIOOOOOUUUUYYN"
LIGATURES = (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"))


def folded(expression):
    """The SQL for `expression` without accents or ligatures, lowercased (immutable)."""
    for ligature, letters in LIGATURES:
        expression = models.Func(
            expression,
            models.Value(ligature),
            models.Value(letters),
            function="replace",
            output_field=models.TextField(),
        )
    translated = models.Func(
        expression,
        models.Value(ACCENTED),
        models.Value(UNACCENTED),
        function="translate",
        output_field=models.TextField(),
    )
    return models.functions.Lower(translated)


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Availability(models.TextChoices):
        STOCK = "stock", _("Stock tracked")
        ON_REQUEST = "on_request", _("Available on request")

    class VatRate(models.TextChoices):
        STANDARD = "20.0", "20 %"
        INTERMEDIATE = "10.0", "10 %"
        REDUCED = "5.5", "5,5 %"
        SUPER_REDUCED = "2.1", "2,1 %"

    shop = models.ForeignKey("shops.Shop", on_delete=models.CASCADE, related_name="products")
    title = models.CharField(_("title"), max_length=140)
    slug = models.SlugField(max_length=160)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(
        _("price incl. VAT (€)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=1, default=Decimal("20.0"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    availability = models.CharField(
        _("availability"), max_length=12, choices=Availability.choices, default=Availability.STOCK
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    sku = models.CharField(_("reference (SKU)"), max_length=64, blank=True)
    # Set when territory staff take a product offline; the merchant sees why.
    unpublished_reason = models.TextField(_("reason for unpublishing"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Featured on the home page by the territory team, at this position (smallest first); None: not featured.
    featured_position = models.PositiveSmallIntegerField(_("position on the home page"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Shoppers' full-text search: title (weight A) and description (C), French stemming,
    # accents folded. Category and shop names (B) are matched at query time (vitrine.search).
    search_vector = models.GeneratedField(
        expression=SearchVector(folded(models.F("title")), config="french", weight="A")
        + SearchVector(folded(models.F("description")), config="french", weight="C"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "slug"], name="product_unique_slug_per_shop"),
            models.UniqueConstraint(
                fields=["shop", "sku"], condition=~models.Q(sku=""), name="product_unique_sku_per_shop"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="product_published"),
            # A storefront lists one shop's published products, newest first.
            models.Index(fields=["shop", "status", "-published_at"], name="product_shop_published"),
            # fastupdate off: a bulk import would otherwise leave its rows in the index's
            # pending list, which every search then reads in full until the next vacuum.
            GinIndex(fields=["search_vector"], name="product_search_vector", fastupdate=False),
            # The search's broad queries (vitrine.search.sql): the title's words alone
            # (weight A), and published products newest first, read in that order.
            GinIndex(
                models.Func(models.F("search_vector"), models.Value("{a}"), function="ts_filter"),
                name="product_title_vector",
                fastupdate=False,
            ),
            models.Index(
                models.F("published_at").desc(nulls_last=True),
                models.F("id").desc(),
                condition=models.Q(status="published"),
                name="product_newest",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Variant(models.Model):
    """A size, colour... of a product, with its own price, stock and SKU."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("name"), max_length=80, help_text=_("e.g. Size M, blue"))
    price = models.DecimalField(
        _("price incl. VAT (€)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("Empty: the product's price."),
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    sku = models.CharField(_("reference (SKU)"), max_length=64, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="variant_unique_name")]

    def __str__(self) -> str:
        return f"{self.product.title} — {self.name}"

    @property
    def effective_price(self) -> Decimal:
        return self.price if self.price is not None else self.product.price


class ProductPhoto(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="products/")
    alt = models.CharField(_("description of the photo"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    renditions = models.JSONField(default=dict, blank=True)  # width -> {"name", "width", "height"}

    class Meta:
        ordering = ["position", "id"]
