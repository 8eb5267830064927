"""The checkout's payment step over HTTP, the return from Stripe, and the two webhook endpoints."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from payments_helpers import checkout_online, deliver, policy_set, shop_paid_online, slots_for
from stripe import WebhookSignature

from vitrine.catalog.models import Product
from vitrine.orders.models import Order
from vitrine.payments.inbox.models import StripeEvent
from vitrine.payments.models import CartPayment
from vitrine.testing.factories import ProductFactory, shop_open_every_day
from vitrine.testing.helpers import client_on

pytestmark = pytest.mark.django_db

Status = Order.Status


@pytest.fixture
def shops(nancy, payments_on):
    """In Nancy: a shop taking both ways of paying, one online only, one at the counter only."""
    with tenant_context(nancy):
        policy_set()
        both, ring = shop_paid_online(payments_on, name="Bijouterie Stanislas", price="40.00")
        online_only, vase = shop_paid_online(payments_on, name="Déco Saint-Epvre", price="25.50", accepts_pickup=False)
        counter = shop_open_every_day(name="Fromagerie du Marché")
        cheese = ProductFactory(shop=counter, title="Comté 18 mois", price="12.00", stock=5)
        yield {
            "both": both,
            "online_only": online_only,
            "counter": counter,
            "ring": ring,
            "vase": vase,
            "cheese": cheese,
        }


def _form(client: Client, products, nancy, **extra) -> dict:
    for product in products:
        client.post(f"/panier/ajouter/{product.pk}/", {"quantity": 1})
    page = client.get("/panier/commande/")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode()).group(1)
    with tenant_context(nancy):
        slots = slots_for([product.shop for product in products])
    return {
        "idempotency_key": key,
        "name": "Claire Blaison",
        "email": "claire@example.fr",
        "phone": "0612345678",
        **{f"slot-{shop_id}": starts.isoformat() for shop_id, starts in slots.items()},
        **extra,
    }


def test_a_mixed_cart_is_explained_and_each_shop_keeps_its_way_of_paying(nancy, shops, payments_on):
    client = client_on(nancy)
    form = _form(client, [shops["ring"], shops["vase"], shops["cheese"]], nancy)
    page = client.get("/panier/commande/").content.decode()
    assert "Payer en ligne maintenant" in page and "Payer au retrait" in page
    assert "Cette boutique n’accepte que le paiement en ligne." in page
    assert "Cette boutique n’accepte que le paiement au comptoir." in page
    # The shopper chooses to pay at pickup: the shop taking both follows, the online-only one cannot.
    response = client.post("/panier/commande/", {**form, "payment": "pickup"})
    assert response.status_code == 302 and response["Location"].startswith(payments_on.base_url)
    with tenant_context(nancy):
        by_shop = {order.shop_id: order for order in Order.objects.all()}
        assert by_shop[shops["online_only"].pk].status == Status.PENDING_PAYMENT
        assert by_shop[shops["both"].pk].status == Status.PLACED and not by_shop[shops["both"].pk].paid_online
        assert by_shop[shops["counter"].pk].status == Status.PLACED
        assert CartPayment.objects.get().amount_cents == 2550


def test_paying_online_sends_the_shopper_to_the_payment_page_and_back(nancy, shops, payments_on):
    client = client_on(nancy)
    form = _form(client, [shops["ring"], shops["vase"]], nancy)
    response = client.post("/panier/commande/", {**form, "payment": "online"})
    with tenant_context(nancy):
        payment = CartPayment.objects.get()
    assert response["Location"] == payment.checkout_url
    # Back without paying: the page says what waits, with the way to pay.
    page = client.get(f"/panier/paiement/{payment.checkout_key}/")
    assert payment.checkout_url in page.content.decode()
    payments_on.checkout_pay(payment.checkout_session_id)
    # Back from Stripe before any webhook: the return page asks Stripe and places the orders.
    back = client.get(f"/panier/paiement/{payment.checkout_key}/retour/?session_id={payment.checkout_session_id}")
    assert back.status_code == 302 and back["Location"] == f"/panier/commande/{payment.checkout_key}/"
    with tenant_context(nancy):
        assert {order.status for order in Order.objects.all()} == {Status.PLACED}
        # The webhook comes after: nothing more happens.
        deliver(payments_on)
        for order in Order.objects.all():
            assert order.events.filter(to_status=Status.PLACED).count() == 1


def test_someone_else_cannot_see_or_return_to_a_payment(nancy, shops):
    client = client_on(nancy)
    form = _form(client, [shops["vase"]], nancy)
    client.post("/panier/commande/", form)
    with tenant_context(nancy):
        payment = CartPayment.objects.get()
    stranger = client_on(nancy)
    assert stranger.get(f"/panier/paiement/{payment.checkout_key}/").status_code == 404
    assert stranger.get(f"/panier/paiement/{payment.checkout_key}/retour/").status_code == 404


def test_stripe_unreachable_at_checkout_creates_nothing_and_offers_pay_at_pickup(nancy, shops, payments_on):
    client = client_on(nancy)
    form = _form(client, [shops["ring"], shops["cheese"]], nancy)
    payments_on.fail_next("/v1/checkout/sessions", times=10)
    response = client.post("/panier/commande/", {**form, "payment": "online"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Le paiement en ligne n’est pas disponible pour le moment" in page
    assert 'value="pickup"' in page
    with tenant_context(nancy):
        assert not Order.objects.exists() and not CartPayment.objects.exists()
        assert Product.objects.get(pk=shops["ring"].pk).stock == 5
    # Paying at pickup instead goes through, without Stripe.
    response = client.post("/panier/commande/", {**form, "payment": "pickup"})
    assert response.status_code == 302 and response["Location"].startswith("/panier/commande/")


# --- Webhooks -------------------------------------------------------------------------------------


def _post(payload: str, secret: str, *, endpoint="plateforme", timestamp=None) -> int:
    header = WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    client = Client(HTTP_HOST="console.localhost")
    return client.post(
        f"/stripe/webhooks/{endpoint}/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    ).status_code


def _an_event(nancy, payments_on) -> dict:
    with tenant_context(nancy):
        policy_set()
        _shop, product = shop_paid_online(payments_on, name="Bijouterie")
        _orders, payment = checkout_online([product])
    payments_on.checkout_pay(payment.checkout_session_id)
    return payments_on.events_of("checkout.session.completed")[0]


def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(nancy, payments_on):
    event = _an_event(nancy, payments_on)
    payload = json.dumps(event)
    assert _post(payload, "whsec_not_the_secret") == 400
    assert (
        _post(payload, payments_on.settings()["STRIPE_WEBHOOK_SECRET_PLATFORM"], timestamp=int(time.time()) - 600)
        == 400
    )
    # Signed for the other endpoint: refused too.
    assert _post(payload, payments_on.settings()["STRIPE_WEBHOOK_SECRET_CONNECT"]) == 400
    assert not StripeEvent.objects.exists()
    with tenant_context(nancy):
        assert {order.status for order in Order.objects.all()} == {Status.PENDING_PAYMENT}


def test_the_same_event_twice_is_stored_once(nancy, payments_on):
    event = _an_event(nancy, payments_on)
    payload, secret = json.dumps(event), payments_on.settings()["STRIPE_WEBHOOK_SECRET_PLATFORM"]
    assert _post(payload, secret) == 200
    assert _post(payload, secret) == 200
    row = StripeEvent.objects.get()
    assert (row.event_id, row.schema_name, row.status) == (event["id"], "nancy", "received")


def test_events_out_of_order_have_one_effect(nancy, payments_on):
    with tenant_context(nancy):
        policy_set()
        _shop, product = shop_paid_online(payments_on, name="Bijouterie")
        _orders, payment = checkout_online([product])
    payments_on.checkout_pay(payment.checkout_session_id)
    events = list(reversed(payments_on.events))
    secret = payments_on.settings()["STRIPE_WEBHOOK_SECRET_PLATFORM"]
    from vitrine.payments.webhooks import stripe_event_handle, webhook_receive

    with tenant_context(nancy):
        for event in events + events:
            payload = json.dumps(event)
            row = webhook_receive(
                payload=payload.encode(),
                signature=WebhookSignature.generate_signature_header(payload, secret),
                endpoint="platform",
            )
            stripe_event_handle(event_pk=row.pk)
        order = Order.objects.get()
        assert list(order.events.values_list("to_status", flat=True)) == [Status.PENDING_PAYMENT, Status.PLACED]
        assert CartPayment.objects.get().status == CartPayment.Status.AUTHORISED


def test_webhooks_are_not_there_without_online_payment(settings):
    settings.PAYMENTS_ONLINE = False
    client = Client(HTTP_HOST="console.localhost")
    assert client.post("/stripe/webhooks/plateforme/", "{}", content_type="application/json").status_code == 404


def test_a_territory_host_has_no_webhook_endpoint(nancy, payments_on):
    assert (
        client_on(nancy).post("/stripe/webhooks/plateforme/", "{}", content_type="application/json").status_code == 404
    )


def test_a_payment_in_nancy_is_unreachable_from_limoges(nancy, limoges, shops):
    client = client_on(nancy)
    client.post("/panier/commande/", _form(client, [shops["vase"]], nancy))
    with tenant_context(nancy):
        key = CartPayment.objects.get().checkout_key
    # The same browser session on Limoges' host: Nancy's payment does not exist there.
    other = client_on(limoges)
    other.cookies = client.cookies
    assert other.get(f"/panier/paiement/{key}/").status_code == 404
    assert other.get(f"/panier/paiement/{key}/retour/").status_code == 404


def test_an_event_naming_no_territory_of_ours_is_stored_and_changes_nothing(nancy, payments_on):
    event = _an_event(nancy, payments_on)
    event["id"] = "evt_elsewhere"
    event["data"]["object"]["metadata"]["territory"] = "paris"
    assert _post(json.dumps(event), payments_on.settings()["STRIPE_WEBHOOK_SECRET_PLATFORM"]) == 200
    row = StripeEvent.objects.get(event_id="evt_elsewhere")
    assert row.schema_name == ""
    with tenant_context(nancy):
        assert {order.status for order in Order.objects.all()} == {Status.PENDING_PAYMENT}


def test_a_charge_event_whose_routing_task_was_lost_is_routed_by_the_sweep(nancy, payments_on):
    from datetime import timedelta

    from django.utils import timezone

    from vitrine.payments.webhooks import events_unrouted, stripe_event_route

    # given a charge's event (a charge names no territory), received but its routing task lost
    _an_event(nancy, payments_on)
    charge_event = payments_on.events_of("charge.succeeded")[0]
    charge_event["data"]["object"]["metadata"] = {}  # as an object that carries no territory of its own
    assert _post(json.dumps(charge_event), payments_on.settings()["STRIPE_WEBHOOK_SECRET_PLATFORM"]) == 200
    row = StripeEvent.objects.get(event_id=charge_event["id"])
    assert row.schema_name == ""
    # when the sweep looks, a minute later
    assert row.pk not in events_unrouted()
    StripeEvent.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(minutes=2))
    assert row.pk in events_unrouted()
    for pk in events_unrouted():
        stripe_event_route(event_pk=pk)
    # then it knows its territory, found through its PaymentIntent (and its handling is queued there)
    row.refresh_from_db()
    assert row.schema_name == "nancy" and row.pk not in events_unrouted()
