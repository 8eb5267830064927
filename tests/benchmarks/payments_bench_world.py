"""Two shops paid online through the local Stripe fake, carts checked out, and their removal, for the payment benchmark.

Committed rows in a session territory (the benchmark's subprocesses must see them); everything made
here is removed by `world_remove`, and the territory's payment policy is put back as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vitrine.accounts.models import User
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import Guest
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots
from vitrine.payments.inbox.models import StripeEvent
from vitrine.payments.models import CartPayment, OrderPayment, PaymentSettings, ShopPayment
from vitrine.shops.models import Shop
from vitrine.testing.factories import ProductFactory, shop_open_every_day

GUEST = Guest(name="Claire Banc", email="banc@example.fr", phone="0612345678")
SUCCESS_URL = "http://nancy.localhost/panier/paiement/retour/?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "http://nancy.localhost/panier/paiement/"


@dataclass
class PaymentWorld:
    shops: list[Shop]
    products: list[Product]
    policy_before: dict | None
    carts: list[Cart] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)

    def slots(self) -> dict:
        return {shop.pk: checkout_slots(shop=shop)[0].starts_at for shop in self.shops}

    def cart(self) -> Cart:
        """A new cart holding one unit of each shop's product: the two-shop cart every checkout uses."""
        cart = Cart.objects.create()
        for product in self.products:
            cart_add(cart=cart, product_id=product.pk, quantity=1)
        self.carts.append(cart)
        return cart


def world_make(fake, *, stock: int) -> PaymentWorld:
    """Online payment offered by the territory; two shops whose accounts on the fake receive transfers."""
    row = PaymentSettings.objects.filter(pk=1).values().first()
    PaymentSettings.objects.update_or_create(pk=1, defaults={"offers_pickup": True, "offers_online": True})
    shops, products = [], []
    for name, price in (("Bijouterie Banc", "40.00"), ("Déco Banc", "25.50")):
        shop = shop_open_every_day(name=name)
        account = fake.client().v1.accounts.create(
            params={"country": "FR", "email": shop.email, "capabilities": {"transfers": {"requested": True}}}
        )
        fake.account_complete(account.id)
        ShopPayment.objects.create(
            shop=shop,
            stripe_account_id=account.id,
            transfers_active=True,
            charges_enabled=True,
            payouts_enabled=True,
        )
        shops.append(shop)
        products.append(ProductFactory(shop=shop, title=f"Article de {name}", stock=stock, price=price))
    return PaymentWorld(shops=shops, products=products, policy_before=row)


def world_remove(world: PaymentWorld) -> None:
    """Everything the benchmark made in the territory and in the public inbox, and the policy as it was."""
    orders = Order.objects.filter(shop__in=world.shops)
    codes = list(orders.values_list("pickup_code", flat=True))
    OutboxEmail.objects.filter(to=[GUEST.email]).delete()
    for code in codes:
        OutboxEmail.objects.filter(subject__contains=code).delete()
    cart_payments = list(OrderPayment.objects.filter(shop__in=world.shops).values_list("cart_payment_id", flat=True))
    OrderPayment.objects.filter(shop__in=world.shops).delete()
    CartPayment.objects.filter(pk__in=cart_payments).delete()
    orders.delete()
    Cart.objects.filter(pk__in=[cart.pk for cart in world.carts]).delete()
    owners = [user for shop in world.shops for user in shop.members.values_list("user_id", flat=True)]
    Product.objects.filter(shop__in=world.shops).delete()
    Shop.objects.filter(pk__in=[shop.pk for shop in world.shops]).delete()
    User.objects.filter(pk__in=owners).delete()
    StripeEvent.objects.filter(event_id__in=world.event_ids).delete()
    if world.policy_before is None:
        PaymentSettings.objects.filter(pk=1).delete()
    else:
        PaymentSettings.objects.filter(pk=1).update(**world.policy_before)
