"""Write the buffered counts into DailyCount: batched upserts, count = count + n."""

from __future__ import annotations

from django.db import connection, transaction

from vitrine.metrics import counting
from vitrine.metrics.models import DailyCount

BATCH_ROWS = 5_000


def daily_counts_flush() -> int:
    """Move the current territory's buffered counts into DailyCount; returns how many rows were written.

    The batch is set aside in the buffer first and forgotten only once the upserts are written: a
    flush that fails leaves it for the next one (which takes it before anything newer).
    """
    schema_name = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection
    store = counting.buffer()
    batch = store.take(schema_name)
    if not batch:
        store.taken(schema_name)
        return 0
    rows = [(day, kind, shop_id, key, n) for (day, kind, shop_id, key), n in batch.items()]
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
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
    # Committed (the flush runs in its own task, outside any transaction): the batch may go.
    store.taken(schema_name)
    return len(rows)
