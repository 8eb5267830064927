"""Order.collected_at: when the order was handed over, so a day's takings count that day's collections.

Orders collected before this field get the time of their move to "collected" (its
OrderEvent), or their last update if that event is missing.
"""
from django.conf import settings
from django.db import migrations, models

BACKFILL = """
UPDATE orders_order o SET collected_at = COALESCE(
    (SELECT max(e.created_at) FROM orders_orderevent e WHERE e.order_id = o.id AND e.to_status = 'collected'),
    o.updated_at
) WHERE o.status = 'collected' AND o.collected_at IS NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0002_pickup_and_order_settings_edits'),
        ('shops', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='order',
            name='collected_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['shop', 'collected_at'], name='order_shop_collected'),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
