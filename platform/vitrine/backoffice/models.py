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
    public = models.BooleanField(default=True)  # withdrawn: off the site, its rows kept for a republication

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")


class DashboardDay(models.Model):
    """One day of the territory's orders, summed for the dashboard (backoffice.summary keeps it current).

    Placed, accepted, refused and checkouts count by the day the order was made; collected and takings
    by the day it was handed over; not collected by its pickup day. Days in the territory's time zone.
    """

    day = models.DateField(unique=True)
    placed = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    refused_stock = models.IntegerField(default=0)
    collected = models.IntegerField(default=0)
    sales = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    not_collected = models.IntegerField(default=0)
    checkouts = models.IntegerField(default=0)
    multi_shop_checkouts = models.IntegerField(default=0)


class DashboardBuyerDay(models.Model):
    """How many checkouts a buyer made on a day: unique buyers and repeat buyers over any period.

    `buyer` is 64 bits of the MD5 of the territory's salt and the address in lower case, never the address:
    the table names no one, and a guessed address cannot be checked against it without the salt.
    """

    day = models.DateField()
    buyer = models.BigIntegerField()
    checkouts = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "buyer"], name="dashboard_buyer_day_unique")]


class DashboardSummaryState(models.Model):
    """The single row saying up to when the summary has read the orders (their `updated_at`)."""

    read_until = models.DateTimeField(null=True)
    refreshed_at = models.DateTimeField(null=True)
    # The territory's own secret mixed into the buyers' hashes (DashboardBuyerDay.buyer), so that an
    # address cannot be found again by hashing a list of guesses; a new one rebuilds the summary.
    salt = models.CharField(max_length=32, blank=True)
