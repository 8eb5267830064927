"""Write the buffered counts into DailyCount: batched upserts, count = count + n."""

from __future__ import annotations

import calendar
import logging
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from vitrine.metrics import counting
from vitrine.metrics.models import AppliedBatch, DailyCount

logger = logging.getLogger(__name__)

BATCH_ROWS = 5_000
# An applied batch's id is kept this long: a redelivered flush comes back within minutes.
APPLIED_BATCH_DAYS = 7
# Searches' words are kept this long (13 months, then deleted: the CNIL's usual span for audience figures).
SEARCH_KEEP_MONTHS = 13


def daily_counts_flush() -> int:
    """Move the current territory's buffered counts into DailyCount; returns how many rows were written.

    One flush at a time per territory (a lock in the buffer: a second flush meanwhile returns 0 at
    once). The batch is set aside and named in the buffer first, its counts and its name written in
    one transaction, and it is forgotten only then: a flush that fails leaves it for the next one
    (which takes it before anything newer); a flush redelivered after its commit finds the name
    written and adds nothing. A batch that failed MAX_ATTEMPTS times is set aside for good (a dead
    letter, logged) and the counts that came after it are written.
    """
    schema_name = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection
    store = counting.buffer()
    token = store.lock(schema_name)
    if token is None:
        logger.info("Visit counts of %s: a flush is already running, this one stops", schema_name)
        return 0
    try:
        batch = store.take(schema_name)
        if batch is not None and batch.attempt > counting.MAX_ATTEMPTS:
            dead = store.set_aside(schema_name, batch.id)
            logger.error(
                "Visit counts of %s: batch %s (%s rows) failed %s flushes, set aside under %s",
                schema_name,
                batch.id,
                len(batch.rows),
                counting.MAX_ATTEMPTS,
                dead,
            )
            batch = store.take(schema_name)
        if batch is None:
            return 0
        try:
            written = _batch_write(batch)
        except Exception:
            logger.error(
                "Visit counts of %s: batch %s failed (attempt %s of %s), left for the next flush",
                schema_name,
                batch.id,
                batch.attempt,
                counting.MAX_ATTEMPTS,
                exc_info=True,
            )
            raise
        # Committed (the flush runs in its own task, outside any transaction): the batch may go.
        store.taken(schema_name, batch.id)
        return written
    finally:
        store.unlock(schema_name, token)


def _batch_write(batch: counting.Batch) -> int:
    """Add a batch's counts and record its id, in one transaction; 0 when its id was already recorded."""
    rows = [(day, kind, shop_id, key, n) for (day, kind, shop_id, key), n in batch.rows.items()]
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    applied = connection.ops.quote_name(AppliedBatch._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {applied} (batch_id, applied_at) VALUES (%s, %s) "  # noqa: S608  # the table's own name
                "ON CONFLICT (batch_id) DO NOTHING RETURNING id",
                [batch.id, timezone.now()],
            )
            if cursor.fetchone() is None:
                logger.warning("Visit counts: batch %s was already written, not added again", batch.id)
                return 0
            for start in range(0, len(rows), BATCH_ROWS):
                # One array per column (five parameters whatever the batch's size): PostgreSQL
                # plans one statement, not one with thousands of placeholders.
                days, kinds, shop_ids, keys, counts = (
                    list(column) for column in zip(*rows[start : start + BATCH_ROWS])
                )
                cursor.execute(
                    f"INSERT INTO {table} (day, kind, shop_id, key, count) "  # noqa: S608  # the table's own name
                    "SELECT * FROM unnest(%s::date[], %s::varchar[], %s::bigint[], %s::varchar[], %s::integer[]) "
                    "ON CONFLICT ON CONSTRAINT daily_count_unique "
                    f"DO UPDATE SET count = {table}.count + EXCLUDED.count",
                    [days, kinds, shop_ids, keys, counts],
                )
    return len(rows)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def old_counts_purge() -> tuple[int, int]:
    """Delete the current territory's searches older than SEARCH_KEEP_MONTHS, and applied batch ids past a week.

    Returns (search rows deleted, batch ids deleted). Run after each flush (beat): indexed deletes.
    """
    before = months_before(counting.territory_day(), SEARCH_KEEP_MONTHS)
    searches, _ = DailyCount.objects.filter(kind__in=counting.SEARCH_KINDS, day__lt=before).delete()
    batches, _ = AppliedBatch.objects.filter(
        applied_at__lt=timezone.now() - timedelta(days=APPLIED_BATCH_DAYS)
    ).delete()
    return searches, batches
