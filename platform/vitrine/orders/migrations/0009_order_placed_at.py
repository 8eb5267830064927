from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_order_dashboard_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="placed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["updated_at"], name="order_updated"),
        ),
        # Orders already made: placed when made, except an online order still awaiting its payment or
        # cancelled while awaiting it (it never was); one paid later was placed at that transition.
        migrations.RunSQL(
            """
            UPDATE orders_order o SET placed_at = COALESCE(
                (SELECT MIN(e.created_at) FROM orders_orderevent e
                 WHERE e.order_id = o.id AND e.from_status = 'pending_payment' AND e.to_status = 'placed'),
                o.created_at)
            WHERE o.status <> 'pending_payment' AND NOT EXISTS (
                SELECT 1 FROM orders_orderevent e
                WHERE e.order_id = o.id AND e.from_status = 'pending_payment' AND e.to_status = 'cancelled')
            """,
            migrations.RunSQL.noop,
        ),
    ]
