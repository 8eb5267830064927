"""Shops of a territory: their storefront, opening hours, team, and approval."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Commune(models.Model):
    """A commune of the territory; a shop's address must be in one."""

    name = models.CharField(_("name"), max_length=120)
    postcode = models.CharField(_("postcode"), max_length=5)
    slug = models.SlugField(max_length=140, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "postcode"], name="commune_unique_name_postcode")]

    def __str__(self) -> str:
        return f"{self.name} ({self.postcode})"


class Shop(models.Model):
    class Status(models.TextChoices):
        # "shop status" context: French agrees the words with "la boutique".
        PENDING = "pending", pgettext_lazy("shop status", "Awaiting approval")
        APPROVED = "approved", pgettext_lazy("shop status", "Approved")
        REFUSED = "refused", pgettext_lazy("shop status", "Refused")
        SUSPENDED = "suspended", pgettext_lazy("shop status", "Suspended")

    name = models.CharField(_("business name"), max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    siret = models.CharField(_("SIRET"), max_length=14, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    status_reason = models.TextField(_("reason"), blank=True)
    category = models.ForeignKey(
        "catalog.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="shops"
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Formatted text; links and lists allowed.")
    )
    # The shop's own conditions of sale (sanitised HTML, like the description), shown at checkout.
    sale_conditions = models.TextField(_("conditions of sale"), blank=True)
    address = models.CharField(_("address"), max_length=200)
    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="shops")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("contact email"))
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="shops/logos/", blank=True)
    click_and_collect = models.BooleanField(_("offers Click & Collect"), default=True)
    showcase_only = models.BooleanField(
        _("showcase only"), default=False, help_text=_("Listed and browsable, without online sale.")
    )
    is_featured = models.BooleanField(_("featured on the home page"), default=False, db_index=True)
    # The team's order among featured shops (smallest first).
    featured_position = models.PositiveSmallIntegerField(_("position on the home page"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def sells_online(self) -> bool:
        return self.is_public and not self.showcase_only

    @property
    def takes_orders(self) -> bool:
        """Whether shoppers may put its products in a cart and order them (Click & Collect)."""
        return self.sells_online and self.click_and_collect


class ShopMember(models.Model):
    """Who works for a shop: its owner and the employees they invited."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        EMPLOYEE = "employee", _("Employee")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EMPLOYEE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="shop_member_unique")]


class ShopPhoto(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="shops/photos/")
    alt = models.CharField(_("description of the photo"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    renditions = models.JSONField(default=dict, blank=True)  # width -> {"name", "width", "height"}

    class Meta:
        ordering = ["position", "id"]


class OpeningRange(models.Model):
    """One opening range of a weekday (several per day: 9:00-12:00, 14:00-19:00)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="opening_ranges")
    weekday = models.PositiveSmallIntegerField(choices=[(i, i) for i in range(7)])  # 0 = Monday
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(opens__lt=models.F("closes")), name="opening_range_order")
        ]


class ClosingPeriod(models.Model):
    """Days the shop is closed: holidays, a public holiday, an inventory day."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="closing_periods")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(starts_on__lte=models.F("ends_on")), name="closing_period_order")
        ]
