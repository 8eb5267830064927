"""The beat task goes through the real Celery worker: orders not collected in time are released."""

import uuid
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from orders_helpers import shop_open_every_day

from vitrine.accounts.models import User
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.lifecycle import order_accept, order_mark_ready
from vitrine.orders.models import Cart, Order, OrderEvent
from vitrine.orders.selectors import checkout_slots
from vitrine.orders.tasks import orders_expire_all
from vitrine.testing.factories import ProductFactory
from vitrine.testing.helpers import TEST_VAR, wait_for


def test_orders_expire_all_releases_not_collected_orders_in_every_territory(celery_worker, committed):
    nancy = committed["nancy"]
    # given: a ready order whose pickup ended 4 days ago (the territory allows 3)
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Fromagerie du Marché")
        product = ProductFactory(shop=shop, title="Brie de Meaux", stock=4)
        cart = Cart.objects.create()
        cart_add(cart=cart, product_id=product.pk, quantity=3)
        (order,) = order_place(
            cart=cart,
            guest=Guest(name="Paul", email="paul@example.fr", phone="0612345678"),
            slots={shop.pk: checkout_slots(shop=shop)[0].starts_at},
            idempotency_key=uuid.uuid4(),
        )
        merchant = shop.members.get().user
        order_accept(order=order, actor=merchant)
        order_mark_ready(order=order, actor=merchant)
        Order.objects.filter(pk=order.pk).update(
            pickup_starts_at=timezone.now() - timedelta(days=4, minutes=30),
            pickup_ends_at=timezone.now() - timedelta(days=4),
        )
    connection.set_schema_to_public()
    try:
        # when: beat fires the periodic task (from the public schema)
        orders_expire_all.delay()

        # then: the worker marks it not collected, in nancy's schema, and the stock is back
        def expired():
            with tenant_context(nancy):
                return Order.objects.get(pk=order.pk).status == Order.Status.NOT_COLLECTED

        wait_for(expired, timeout=60, message=f"the worker to expire the order (log: {TEST_VAR / 'celery-worker.log'})")
        with tenant_context(nancy):
            assert Product.objects.get(pk=product.pk).stock == 4
            assert OrderEvent.objects.filter(order_id=order.pk, to_status="not_collected", actor=None).exists()
    finally:
        with tenant_context(nancy):
            OutboxEmail.objects.filter(subject__contains=order.pickup_code).delete()
            OutboxEmail.objects.filter(to=["paul@example.fr"]).delete()
            Order.objects.filter(shop=shop).delete()
            Cart.objects.filter(pk=cart.pk).delete()
            owner_ids = list(shop.members.values_list("user_id", flat=True))
            shop.delete()
            User.objects.filter(pk__in=owner_ids).delete()
