"""Payments' test helpers: shops ready to be paid online, a cart checked out, events handed to Vitrine."""

from __future__ import annotations

import json
import uuid

from stripe import WebhookSignature

from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.models import Cart
from vitrine.payments.checkout import cart_payment_open
from vitrine.payments.models import CartPayment, PaymentSettings, ShopPayment
from vitrine.payments.webhooks import stripe_event_handle, stripe_event_route, webhook_receive
from vitrine.testing.factories import ProductFactory, shop_open_every_day

SUCCESS_URL = "http://nancy.localhost/panier/paiement/retour/?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "http://nancy.localhost/panier/paiement/"


def policy_set(**fields) -> PaymentSettings:
    values = {"offers_pickup": True, "offers_online": True, **fields}
    policy, _ = PaymentSettings.objects.update_or_create(pk=1, defaults=values)
    return policy


def shop_paid_online(fake, *, name: str, price: str = "20.00", stock: int = 5, **choice):
    """A shop open every day whose Stripe account (on the fake) can receive transfers, with one product."""
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
        **choice,
    )
    product = ProductFactory(shop=shop, title=f"Article de {name}", stock=stock, price=price)
    return shop, product


def slots_for(shops, now=None):
    from vitrine.orders import selectors

    return {shop.pk: selectors.checkout_slots(shop=shop, now=now)[0].starts_at for shop in shops}


def checkout_online(products, *, quantities=None, online=None):
    """Put the products in a new cart and check it out paying online: the orders and the cart's payment."""
    cart = Cart.objects.create()
    for i, product in enumerate(products):
        cart_add(cart=cart, product_id=product.pk, quantity=(quantities or {}).get(i, 1))
    shops = [product.shop for product in products]
    orders = order_place(
        cart=cart,
        guest=Guest(name="Claire Blaison", email="claire@example.fr", phone="0612345678"),
        slots=slots_for(shops),
        idempotency_key=uuid.uuid4(),
        online_shop_ids={shop.pk for shop in shops} if online is None else online,
    )
    cart_payment = cart_payment_open(orders=orders, success_url=SUCCESS_URL, cancel_url=CANCEL_URL)
    return orders, cart_payment


def deliver(fake, *, types=None, endpoint="platform") -> list[str]:
    """Hand the fake's events (of `types`, or all) to Vitrine's webhook receiver, signed, then handle them here.

    In-process: the receiver stores each event as the endpoint does, and its handling runs
    in this test's schema (the Celery task's body).
    """
    secret = fake.settings()[
        "STRIPE_WEBHOOK_SECRET_PLATFORM" if endpoint == "platform" else "STRIPE_WEBHOOK_SECRET_CONNECT"
    ]
    outcomes = []
    for event in fake.events:
        if types and event["type"] not in types:
            continue
        payload = json.dumps(event)
        header = WebhookSignature.generate_signature_header(payload, secret)
        row = webhook_receive(payload=payload.encode(), signature=header, endpoint=endpoint)
        if not row.schema_name:  # a charge's or a dispute's: routed through its PaymentIntent first
            stripe_event_route(event_pk=row.pk)
            row.refresh_from_db()
        outcomes.append(stripe_event_handle(event_pk=row.pk))
    return outcomes


def cart_payment_reload(cart_payment: CartPayment) -> CartPayment:
    cart_payment.refresh_from_db()
    return cart_payment
