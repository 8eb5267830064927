"""A catalogue import: one uploaded spreadsheet, checked, previewed, then committed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogImport(models.Model):
    """One upload of a shop's catalogue (CSV or XLSX) and where it stands.

    uploaded -> validating -> validated | invalid; validated -> importing -> done | failed.
    Nothing touches the catalogue before "importing", and that step is one transaction.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Ready to import")
        INVALID = "invalid", _("To correct")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey("shops.Shop", on_delete=models.CASCADE, related_name="catalog_imports")
    file = models.FileField(upload_to="imports/")
    original_name = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # [{"row": 3, "column": "prix", "message": "..."}], row numbers as the spreadsheet shows them
    errors = models.JSONField(default=list, blank=True)
    # {"create": n, "update": n, "unchanged": n, "products": n, "variants": n}
    summary = models.JSONField(default=dict, blank=True)
    # {"products": the file's first products (imports.services.PREVIEW_ROWS), each with what the
    # import will do to it, "more": how many products follow}
    preview = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["shop", "-created_at"], name="catalog_import_shop_recent")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.VALIDATING, self.Status.IMPORTING)

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)
