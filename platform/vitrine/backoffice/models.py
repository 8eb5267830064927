"""What the territory team decided to publish: the months of its public report."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PublishedReport(models.Model):
    """A month whose report the team published: its page and open-data CSV are public on the territory's host."""

    month = models.DateField(unique=True)  # the month's first day
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The report's rows as published (backoffice.reports.ReportRow.frozen): the public always reads these.
    rows = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")
