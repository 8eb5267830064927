"""The control plane: territories, their domains, console audit and provisioning jobs."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


def territory_logo_path(territory: "Territory", filename: str) -> str:
    # Under the territory's own folder even when uploaded from the console (public schema).
    return f"{territory.schema_name}/branding/{filename}"


HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #1d4ed8."))


DEFAULT_PICKUP_INSTRUCTIONS = _(
    "Contactless pickup: come at your pickup time, wear a mask and keep your distance. Show your pickup code "
    "at the door without handing over your phone; the shop puts your order on the counter for you."
)


class Territory(TenantMixin):
    """A metropole, city or department running its own marketplace in its own schema."""

    class Kind(models.TextChoices):
        METROPOLE = "metropole", _("Metropole")
        CITY = "city", _("City")
        DEPARTMENT = "department", _("Department")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        # Leaving the platform (issue #13): pages still read, every write refused; deletable for
        # good from the console after VITRINE_ARCHIVE_GRACE_DAYS (vitrine.console.lifecycle).
        ARCHIVED = "archived", _("Archived")

    class Accessibility(models.TextChoices):
        # The three states French law names (RGAA): every page's footer says which one holds.
        NONE = "none", _("not compliant")
        PARTIAL = "partial", _("partially compliant")
        FULL = "full", _("fully compliant")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CITY)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    theme = models.CharField(_("theme"), max_length=60, default="metropole")
    # Branding files are checked and re-encoded by tenancy.branding before they are stored.
    logo = models.FileField(_("logo"), upload_to=territory_logo_path, blank=True)
    primary_color = models.CharField(_("primary colour"), max_length=7, blank=True, validators=[HEX_COLOUR])
    header_color = models.CharField(_("header colour"), max_length=7, blank=True, validators=[HEX_COLOUR])
    accent_color = models.CharField(_("accent colour"), max_length=7, blank=True, validators=[HEX_COLOUR])
    hero_text = models.CharField(_("hero text"), max_length=240, blank=True)
    hero_image = models.FileField(_("hero image"), upload_to=territory_logo_path, blank=True)
    # Stored with the image so the page reserves its room before it loads (no layout shift).
    hero_image_width = models.PositiveIntegerField(null=True, blank=True)
    hero_image_height = models.PositiveIntegerField(null=True, blank=True)
    favicon = models.FileField(_("favicon"), upload_to=territory_logo_path, blank=True)
    social_image = models.FileField(_("social preview image"), upload_to=territory_logo_path, blank=True)
    footer_text = models.CharField(_("footer text"), max_length=300, blank=True)
    contact_email = models.EmailField(_("contact email"))
    # The team's announcements on the home page are rows of their own (Announcement, below), scheduled.
    # Until an audit says otherwise, a site is "not compliant" (its accessibility statement, vitrine.legal).
    accessibility = models.CharField(
        _("accessibility"), max_length=10, choices=Accessibility.choices, default=Accessibility.NONE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    # Lockdown mode (issue #12): one switch of the territory team. Every page says it in a banner,
    # the home page puts Click & Collect first, storefronts show their pickup hours, and orders
    # (pages and emails) carry the contactless pickup instructions (empty: the French default).
    lockdown = models.BooleanField(_("lockdown mode"), default=False)
    lockdown_changed_at = models.DateTimeField(null=True, blank=True)
    pickup_instructions = models.TextField(_("contactless pickup instructions"), max_length=1000, blank=True)
    # At least one monthly report is public (vitrine.backoffice.reports): every page's footer links to them.
    reports_public = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)  # when it was archived (the grace period's start)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Provisioning creates the schema itself (inside its transaction); deleting a
    # territory row drops its schema.
    auto_create_schema = False
    auto_drop_schema = True
    clone_mode = "NODATA"

    class Meta:
        ordering = ["name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        return self.schema_name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    @property
    def pickup_instructions_text(self) -> str:
        """The contactless pickup instructions orders show in lockdown: the team's, else the default."""
        return self.pickup_instructions or str(DEFAULT_PICKUP_INSTRUCTIONS)


class Domain(DomainMixin):
    """A host name that routes to a territory; exactly one is primary."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=models.Q(is_primary=True), name="one_primary_domain_per_territory"
            )
        ]

    def __str__(self) -> str:
        return self.domain


class ProvisioningJob(models.Model):
    """A territory provisioning requested from the console, run by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Ready")
        FAILED = "failed", _("Failed")

    params = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=120, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    territory = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.SET_NULL)
    # DO_NOTHING, not SET_NULL: the users table exists in every schema, and deleting a
    # territory's user would otherwise null this column for the console operator who
    # has the same id in the public schema. console_user_delete detaches operators itself.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class TerritoryExport(models.Model):
    """One export of a territory into an archive file (vitrine.console.lifecycle), run by a Celery task.

    The file lives under VITRINE_EXPORTS_DIR, never under the media (media answer to anyone with
    the address). An export outlives its territory: `slug` names it after the territory is gone.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Ready")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        MANUAL = "manual", _("Asked for")
        ARCHIVE = "archive", _("Made at archiving")

    territory = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports")
    slug = models.CharField(max_length=63)
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.MANUAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=120, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    file_name = models.CharField(max_length=200, blank=True)  # relative to VITRINE_EXPORTS_DIR
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # DO_NOTHING, as ProvisioningJob.requested_by: the users table exists in every schema.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.slug} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class AuditEntry(models.Model):
    """One console action: who did what, to which territory, when."""

    ACTION_LABELS = {
        "territory.provision_requested": _("Provisioning requested"),
        "territory.provision": _("Territory provisioned"),
        "territory.suspend": _("Territory suspended"),
        "territory.resume": _("Territory resumed"),
        "domain.add": _("Domain added"),
        "sign_in.unlock": _("Sign-in unlocked"),
        "territory.lockdown_on": _("Lockdown mode switched on"),
        "territory.lockdown_off": _("Lockdown mode switched off"),
        "territory.export_requested": _("Export requested"),
        "territory.export": _("Territory exported"),
        "territory.archive": _("Territory archived"),
        "territory.unarchive": _("Territory taken out of the archive"),
        "territory.restore": _("Territory restored from an archive"),
        "territory.delete": _("Territory deleted for good"),
        # territory.branding and territory.announcement are also in the territory's own trail:
        # the console names them with that trail's labels (vitrine.audit.models.VERB_LABELS).
    }

    # DO_NOTHING, not SET_NULL: the users table exists in every schema, and deleting a
    # territory's user would otherwise null this column for the console operator who
    # has the same id in the public schema. console_user_delete detaches operators itself.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING)
    actor_email = models.EmailField(blank=True)  # kept if the account is deleted
    action = models.CharField(max_length=60)
    territory = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.SET_NULL)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"

    @property
    def action_label(self) -> str:
        return str(self.ACTION_LABELS.get(self.action, self.action))


class TerritoryHealth(models.Model):
    """A territory's figures at a glance for the console, computed in its schema by a periodic task.

    The console's list reads only this table (one row per territory, in the public schema), never
    the territories' own schemas: its cost does not grow with their number. `computed_at` says how
    fresh the figures are (vitrine.console.health).
    """

    territory = models.OneToOneField(Territory, primary_key=True, on_delete=models.CASCADE, related_name="health")
    shops = models.PositiveIntegerField(default=0)  # approved shops (listed on the site)
    active_shops = models.PositiveIntegerField(default=0)  # approved shops with an order in 30 days
    orders_week = models.PositiveIntegerField(default=0)  # orders placed in the last 7 days
    outbox_pending = models.PositiveIntegerField(default=0)  # emails waiting to be sent
    last_activity_at = models.DateTimeField(null=True, blank=True)  # last order or last sign-in
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("territory health")
        indexes = [
            models.Index(fields=["shops"], name="health_shops"),
            models.Index(fields=["active_shops"], name="health_active_shops"),
            models.Index(fields=["orders_week"], name="health_orders_week"),
            models.Index(fields=["outbox_pending"], name="health_outbox_pending"),
            models.Index(fields=["last_activity_at"], name="health_last_activity"),
        ]

    def __str__(self) -> str:
        return f"{self.territory_id}: {self.shops} shops, {self.orders_week} orders this week"


class Announcement(models.Model):
    """One of the territory team's announcements, shown on the home page while current (issue #12).

    Scheduled in the territory's time zone (the form converts); an announcement without an end
    stays until it is ended.
    """

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="announcements")
    text = models.CharField(_("announcement"), max_length=280)
    link = models.CharField(_("link"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    created_by_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["territory", "starts_at"], name="announcement_territory_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                name="announcement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.text

    def state_at(self, now) -> str:
        """ "scheduled", "current" or "past" at `now`."""
        if now < self.starts_at:
            return "scheduled"
        if self.ends_at is not None and now >= self.ends_at:
            return "past"
        return "current"
