"""Daily counts of what shoppers look at: no person in them, only how many."""

from __future__ import annotations

from django.db import models


class DailyCount(models.Model):
    """How many times something was seen on one day (the territory's day).

    kind: "page" (key: the page kind, e.g. "home", "search", "storefront", "product"),
    "storefront" (shop_id: the shop), "product" (shop_id, key: the product id), "search"
    (key: the query as typed, normalised), "search_empty" (a search that found nothing,
    key: its query), "search_shop" (shop_id: a shop a search result led to).
    shop_id is a plain number, not a foreign key: counting sits below the shops.
    """

    day = models.DateField()
    kind = models.CharField(max_length=32)
    shop_id = models.PositiveBigIntegerField(null=True, blank=True)
    key = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "shop_id", "key"], nulls_distinct=False, name="daily_count_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "day"], name="daily_count_kind_day"),
            models.Index(fields=["shop_id", "day"], name="daily_count_shop_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.shop_id or ''} {self.key}: {self.count}"


class AppliedBatch(models.Model):
    """A batch of buffered counts already written (its id, written in the same transaction as its counts).

    A flush that committed but died before the buffer forgot its batch (a worker killed, Redis gone
    for a moment) is redelivered: the batch's id is found here and it is not added a second time.
    Kept a week (services.applied_batches_prune): a batch is retried within minutes.
    """

    batch_id = models.CharField(max_length=64, unique=True)
    applied_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["applied_at"], name="applied_batch_applied_at")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.applied_at:%Y-%m-%d %H:%M}"
