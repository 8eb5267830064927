"""A shop with products and one-line carts, committed, for the checkout benchmark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from vitrine.accounts.models import User
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Cart, CartLine, Order
from vitrine.shops.models import OpeningRange, Shop
from vitrine.testing.factories import ProductFactory, ShopFactory


@dataclass
class BenchWorld:
    shop: Shop
    carts: list[Cart]


def world_make(*, products: int, carts: int, stock: int) -> BenchWorld:
    shop = ShopFactory()
    OpeningRange.objects.bulk_create(
        OpeningRange(shop=shop, weekday=day, opens=time(0), closes=time(23, 59)) for day in range(7)
    )
    made = Product.objects.bulk_create(ProductFactory.build(shop=shop, stock=stock) for _ in range(products))
    cart_rows = Cart.objects.bulk_create(Cart() for _ in range(carts))
    CartLine.objects.bulk_create(
        CartLine(cart=cart, product=made[i % len(made)], quantity=1) for i, cart in enumerate(cart_rows)
    )
    return BenchWorld(shop=shop, carts=cart_rows)


def world_remove(world: BenchWorld) -> None:
    OutboxEmail.objects.filter(to=["bench@example.fr"]).delete()
    OutboxEmail.objects.filter(to=[world.shop.email]).delete()
    Order.objects.filter(shop=world.shop).delete()
    Cart.objects.filter(pk__in=[c.pk for c in world.carts]).delete()
    owners = list(world.shop.members.values_list("user_id", flat=True))
    Product.objects.filter(shop=world.shop).delete()
    world.shop.delete()
    User.objects.filter(pk__in=owners).delete()
