from decimal import Decimal

from django.db import migrations, models

# The lines ordered before the rate was kept take their product's current rate; a line whose
# product is gone keeps the standard rate (those orders were paid at the counter: no receipt
# of ours shows their VAT).
BACKFILL = """
UPDATE orders_orderline AS line SET vat_rate = product.vat_rate
FROM catalog_product AS product WHERE line.product_id = product.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("orders", "0006_order_paid_online"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="vat_rate",
            field=models.DecimalField(decimal_places=1, default=Decimal("20.0"), max_digits=4),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=True),
    ]
