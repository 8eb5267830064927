"""Never oversold: simultaneous checkouts for the last units, on real PostgreSQL connections."""

import threading
import uuid

from django.db import connection
from django_tenants.utils import tenant_context
from orders_helpers import NOW, at, shop_open_every_day

from vitrine.accounts.models import User
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import CheckoutError, Guest, order_place
from vitrine.orders.models import Cart, Order
from vitrine.testing.factories import ProductFactory

THREADS = 10


def test_ten_checkouts_for_the_last_three_units_sell_exactly_three(committed):
    nancy = committed["nancy"]
    # given: 3 units left, and 10 shoppers each with one in their cart (committed rows)
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Épicerie du dernier pot")
        product = ProductFactory(shop=shop, title="Dernier pot de miel", stock=3)
        carts = [Cart.objects.create() for _ in range(THREADS)]
        for cart in carts:
            cart_add(cart=cart, product_id=product.pk, quantity=1)
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    lock = threading.Lock()

    def checkout(cart: Cart, index: int) -> None:
        try:
            with tenant_context(nancy):  # each thread: its own connection to PostgreSQL
                barrier.wait()
                try:
                    order_place(
                        cart=cart,
                        guest=Guest(name=f"Client {index}", email=f"c{index}@example.fr", phone="0612345678"),
                        slots={shop.pk: at(30, 14)},
                        idempotency_key=uuid.uuid4(),
                        now=NOW,
                    )
                    outcome = "ok"
                except CheckoutError as error:
                    outcome = "refused: " + error.messages[0]
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    try:
        # when
        threads = [threading.Thread(target=checkout, args=(cart, i)) for i, cart in enumerate(carts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # then
        assert results.count("ok") == 3, results
        assert all(r.startswith("refused: ") and "rupture" in r for r in results if r != "ok"), results
        with tenant_context(nancy):
            assert Product.objects.get(pk=product.pk).stock == 0
            assert Order.objects.filter(shop=shop).count() == 3
    finally:
        with tenant_context(nancy):
            orders = Order.objects.filter(shop=shop)
            codes = list(orders.values_list("pickup_code", flat=True))
            for code in codes:
                OutboxEmail.objects.filter(subject__contains=code).delete()
            orders.delete()
            Cart.objects.filter(pk__in=[c.pk for c in carts]).delete()
            owner_ids = list(shop.members.values_list("user_id", flat=True))
            category = shop.category
            shop.delete()
            User.objects.filter(pk__in=owner_ids).delete()
            if not category.shops.exists() and not category.products.exists():
                category.delete()


def test_the_same_checkout_submitted_twice_at_once_makes_one_set_of_orders(committed):
    nancy = committed["nancy"]
    # given: one cart with two shops' products, and one form (one key) submitted by two requests at once
    with tenant_context(nancy):
        shops = [shop_open_every_day(name="Double Clic A"), shop_open_every_day(name="Double Clic B")]
        products = [ProductFactory(shop=shop, stock=5) for shop in shops]
        cart = Cart.objects.create()
        for product in products:
            cart_add(cart=cart, product_id=product.pk, quantity=2)
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list = []

    def submit() -> None:
        try:
            with tenant_context(nancy):
                barrier.wait()
                orders = order_place(
                    cart=cart,
                    guest=Guest(name="Claire", email="double@example.fr", phone="0612345678"),
                    slots={shop.pk: at(30, 14) for shop in shops},
                    idempotency_key=key,
                    now=NOW,
                )
                results.append(sorted(o.pk for o in orders))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results.append(error)
        finally:
            connection.close()

    try:
        # when
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # then: both answers are the same two orders; stock taken once
        assert len(results) == 2 and results[0] == results[1] and len(results[0]) == 2, results
        with tenant_context(nancy):
            assert Order.objects.filter(idempotency_key=key).count() == 2
            assert [Product.objects.get(pk=p.pk).stock for p in products] == [3, 3]
    finally:
        with tenant_context(nancy):
            OutboxEmail.objects.filter(to=["double@example.fr"]).delete()
            for code in Order.objects.filter(shop__in=shops).values_list("pickup_code", flat=True):
                OutboxEmail.objects.filter(subject__contains=code).delete()
            Order.objects.filter(shop__in=shops).delete()
            cart.delete()
            for shop in shops:
                owner_ids = list(shop.members.values_list("user_id", flat=True))
                shop.delete()
                User.objects.filter(pk__in=owner_ids).delete()
