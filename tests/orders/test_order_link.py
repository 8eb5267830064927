"""The signed link of an order's emails (issue #9, item 6): a guest's way back to their order on any
device, that expires, reveals nothing to anyone else, and cancels only after a confirmation."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from orders_helpers import client_on, shop_open_every_day

from vitrine.audit.models import AuditEvent
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.notifications.services import outbox_email_deliver
from vitrine.orders.lifecycle import order_accept, order_mark_ready, order_refuse
from vitrine.orders.links import LINK_DAYS_AFTER_END, LINK_MAX_AGE, order_link_token
from vitrine.orders.models import Order
from vitrine.orders.selectors import checkout_slots
from vitrine.tenancy.models import Domain
from vitrine.tenancy.selectors import territory_base_url
from vitrine.testing.factories import ProductFactory, UserFactory
from vitrine.testing.helpers import host_client

LINK = re.compile(r"(https?://[^/\s]+)(/commande/[^/\s]+/)")


def _checkout(territory, *, host: str | None = None, name: str = "Bijouterie Stanislas") -> dict:
    """A guest orders a ring through the pages (on `host`, the territory's own by default)."""
    with tenant_context(territory):
        shop = shop_open_every_day(name=name)
        ring = ProductFactory(shop=shop, title="Bague argent", stock=3)
        slot = checkout_slots(shop=shop)[0].value
    client = client_on(territory) if host is None else host_client(host)
    client.post(f"/panier/ajouter/{ring.pk}/", {"quantity": "1"})
    key = str(uuid.uuid4())
    response = client.post(
        "/panier/commande/",
        {
            "idempotency_key": key,
            "name": "Claire Blaison",
            "email": "claire@example.fr",
            "phone": "0612345678",
            f"slot-{shop.pk}": slot,
        },
    )
    assert response.status_code == 302
    with tenant_context(territory):
        order = Order.objects.select_related("shop").get(idempotency_key=key)
        email = OutboxEmail.objects.get(to=["claire@example.fr"], subject__contains=order.pickup_code)
    return {"client": client, "key": key, "order": order, "shop": shop, "ring": ring, "email": email}


def _path(email: OutboxEmail) -> str:
    return LINK.search(email.body).group(2)


def _reveals(page: str, order: Order) -> bool:
    return any(value in page for value in (order.pickup_code, order.email, order.customer_name, order.shop.name))


def test_the_confirmation_email_carries_the_link_on_the_territorys_own_address(nancy):
    # given a territory reached through a second address of its own (the request's Host)
    Domain.objects.create(domain="achetez.nancy.example.fr", tenant=nancy, is_primary=False)
    # when a guest orders there
    placed = _checkout(nancy, host="achetez.nancy.example.fr")
    # then the email's link is on the territory's primary address, not the request's Host
    base, path = LINK.search(placed["email"].body).groups()
    assert base == territory_base_url(nancy) and "achetez.nancy.example.fr" not in placed["email"].body
    assert "Suivez votre commande, montrez son QR code au comptoir ou annulez-la" in placed["email"].body
    # and in the HTML version the worker makes as it sends the email, it is a link
    with tenant_context(nancy):
        assert outbox_email_deliver(message_id=placed["email"].pk)
        placed["email"].refresh_from_db()
    assert f'<a href="{base}{path}">' in placed["email"].html


def test_every_email_to_the_shopper_carries_the_link_and_the_shops_do_not(nancy):
    # given a guest's order, accepted then refused; another one made ready
    placed = _checkout(nancy)
    other = _checkout(nancy, name="Déco Saint-Epvre")
    with tenant_context(nancy):
        merchant = placed["shop"].members.get().user
        order_accept(order=placed["order"], actor=merchant)
        order_refuse(order=placed["order"], actor=merchant, reason="Plus en stock")
        other_merchant = other["shop"].members.get().user
        order_mark_ready(order=order_accept(order=other["order"], actor=other_merchant), actor=other_merchant)
        to_shopper = list(OutboxEmail.objects.filter(to=["claire@example.fr"]))
        to_shops = list(OutboxEmail.objects.filter(to__in=[[placed["shop"].email], [other["shop"].email]]))
    # then each email to the shopper links to its order; none of the shops' emails does
    assert len(to_shopper) == 4 and all(LINK.search(email.body) for email in to_shopper)
    assert to_shops and not any("/commande/" in email.body for email in to_shops)
    assert "Votre commande et son QR code, à montrer au comptoir" in next(
        e.body for e in to_shopper if "prête" in e.subject
    )


def test_the_link_opens_the_order_in_a_fresh_browser_with_its_code_and_qr(nancy, django_assert_num_queries):
    # given a guest's order and the link of its email
    placed = _checkout(nancy)
    order, path = placed["order"], _path(placed["email"])
    # when someone opens it on another device (no session, no account)
    client = client_on(nancy)
    with django_assert_num_queries(3):  # the order with its shop and its commune, its lines, its events
        response = client.get(path)
    # then the order: status, shop, items, pickup code and its QR code, a way to cancel
    page = response.content.decode()
    assert response.status_code == 200
    assert "Votre commande chez Bijouterie Stanislas" in page and "Passée" in page
    assert order.pickup_code in page and page.count('<svg role="img"') == 1
    assert "Bague argent" in page and "Annuler cette commande" in page
    # and nothing of it is kept by caches, search engines or other sites
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
        lambda token: token.replace(token[2], "x" if token[2] != "x" else "y", 1),  # the order it names
        lambda token: "abc",
        lambda token: "x" * 5000,
    ],
)
def test_a_tampered_link_is_the_plain_not_found_page(nancy, tamper):
    # given a genuine link
    placed = _checkout(nancy)
    token = _path(placed["email"]).split("/")[2]
    # when it is changed
    response = client_on(nancy).get(f"/commande/{tamper(token)}/")
    # then the territory's French 404, naming nothing of the order
    page = response.content.decode()
    assert response.status_code == 404
    assert "Cette page n’existe pas" in page and not _reveals(page, placed["order"])
    assert client_on(nancy).post(f"/commande/{tamper(token)}/annuler/").status_code == 404


def test_a_link_older_than_its_maximum_age_is_refused_with_a_410(nancy):
    # given a link sent longer ago than a link lives
    placed = _checkout(nancy)
    order = placed["order"]
    with tenant_context(nancy), mock.patch("time.time", return_value=time.time() - LINK_MAX_AGE.total_seconds() - 60):
        old = order_link_token(order=order)
    # when it is opened, or used to cancel
    response = client_on(nancy).get(f"/commande/{old}/")
    cancel = client_on(nancy).post(f"/commande/{old}/annuler/")
    # then "expired", in French, naming nothing of the order; the order stays
    page = response.content.decode()
    assert response.status_code == 410 and cancel.status_code == 410
    assert "Ce lien a expiré" in page and not _reveals(page, order)
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED


def test_a_link_lives_while_the_order_is_on_its_way_then_a_month(nancy):
    # given a guest's order, with its link
    placed = _checkout(nancy)
    order, path = placed["order"], _path(placed["email"])
    client = client_on(nancy)
    # when it is still on its way, whatever its age: the link works
    with tenant_context(nancy):
        Order.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(days=60))
    assert client.get(path).status_code == 200
    # when it was collected within the month: it works; longer ago: expired
    with tenant_context(nancy):
        ended = timezone.now() - timedelta(days=LINK_DAYS_AFTER_END)
        Order.objects.filter(pk=order.pk).update(status=Order.Status.COLLECTED, updated_at=ended + timedelta(hours=1))
    assert client.get(path).status_code == 200
    with tenant_context(nancy):
        Order.objects.filter(pk=order.pk).update(updated_at=ended - timedelta(hours=1))
    assert client.get(path).status_code == 410


def test_an_anonymised_orders_links_stop_working(nancy):
    # given a link, then the order anonymised (its shopper deleted their account)
    placed = _checkout(nancy)
    path = _path(placed["email"])
    with tenant_context(nancy):
        Order.objects.filter(pk=placed["order"].pk).update(email="client-supprime@vitrine.invalid")
    # then the link is a plain 404
    assert client_on(nancy).get(path).status_code == 404


def test_a_nancy_link_is_not_found_on_limoges_even_for_an_order_of_the_same_id(nancy, limoges):
    # cross-territory: given a Nancy order's link, and a Limoges order with the same id
    placed = _checkout(nancy)
    path = _path(placed["email"])
    with tenant_context(limoges):
        Order.objects.create(
            id=placed["order"].pk,
            shop=shop_open_every_day(name="Porcelaine de Limoges"),
            customer_name="Claire Blaison",
            email="claire@example.fr",
            pickup_code="LIM234",
            pickup_starts_at=placed["order"].pickup_starts_at,
            pickup_ends_at=placed["order"].pickup_ends_at,
            total=placed["order"].total,
            idempotency_key=uuid.uuid4(),
        )
    # when the link is opened on Limoges' host, or used there to cancel
    response = client_on(limoges).get(path)
    cancel = client_on(limoges).post(path + "annuler/")
    # then not found, and neither order moves
    assert response.status_code == 404 and cancel.status_code == 404
    assert not _reveals(response.content.decode(), placed["order"])
    with tenant_context(limoges):
        assert Order.objects.get(pk=placed["order"].pk).status == Order.Status.PLACED
    with tenant_context(nancy):
        assert Order.objects.get(pk=placed["order"].pk).status == Order.Status.PLACED


def test_cancelling_by_the_link_asks_first_then_says_cancelled(nancy):
    # given a guest's link opened on another device
    placed = _checkout(nancy)
    order, path = placed["order"], _path(placed["email"])
    client = client_on(nancy)
    # when they tap "cancel": a question, nothing cancelled yet
    question = client.get(path + "annuler/")
    page = question.content.decode().replace("\xa0", " ")
    assert question.status_code == 200
    assert "Annuler cette commande ?" in page and "Oui, annuler ma commande" in page and 'method="post"' in page
    assert "Non, garder ma commande" in page
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED
    # when they confirm
    response = client.post(path + "annuler/", follow=True)
    # then back on the order, which says it is cancelled (never "passée"), no pickup code left
    page = response.content.decode()
    assert response.redirect_chain == [(path, 302)]
    assert "<h1>Commande annulée chez Bijouterie Stanislas</h1>" in page
    assert "Votre commande chez Bijouterie Stanislas est annulée." in page
    assert '<p class="order-status status-cancelled">Annulée</p>' in page and order.pickup_code not in page
    assert "Annuler cette commande" not in page
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
        assert Product.objects.get(pk=placed["ring"].pk).stock == 3
        assert AuditEvent.objects.get(verb="order.cancelled", object_id=order.pk).actor_label == "guest"
    # and asking again only brings them back to the order
    assert client.get(path + "annuler/")["Location"] == path


def test_a_ready_order_cannot_be_cancelled_by_its_link(nancy):
    # given an order the shop has made ready
    placed = _checkout(nancy)
    order, path = placed["order"], _path(placed["email"])
    with tenant_context(nancy):
        merchant = placed["shop"].members.get().user
        order_mark_ready(order=order_accept(order=order, actor=merchant), actor=merchant)
    client = client_on(nancy)
    # then no cancel offered, the question leads back to the order, and a POST (an old tab) is refused in French
    assert "Annuler cette commande" not in client.get(path).content.decode()
    assert client.get(path + "annuler/")["Location"] == path
    page = client.post(path + "annuler/", follow=True).content.decode().replace("\xa0", " ")
    assert "elle ne peut pas devenir « Annulée »" in page
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.READY


def test_the_checkout_confirmation_asks_then_says_cancelled_not_placed(nancy):
    # given a guest on their confirmation page
    placed = _checkout(nancy)
    client, key, order = placed["client"], placed["key"], placed["order"]
    done = f"/panier/commande/{key}/"
    assert "Votre commande est passée" in client.get(done).content.decode()
    cancel = f"{done}annuler/{order.pk}/"
    # when they tap cancel: a question first
    assert "Annuler cette commande ?" in client.get(cancel).content.decode().replace("\xa0", " ")
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED
    # when they confirm
    page = client.post(cancel, follow=True).content.decode()
    # then the page says cancelled, not placed
    assert "<h1>Commande annulée</h1>" in page and "passée" not in page
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


def test_an_account_cancels_from_its_order_page_after_a_confirmation(nancy):
    # given a signed-in shopper's order
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Bijouterie Stanislas")
        ring = ProductFactory(shop=shop, title="Bague argent", stock=3)
        claire = UserFactory(email="claire.compte@example.fr")
        slot = checkout_slots(shop=shop)[0].value
    client = client_on(nancy, claire)
    client.post(f"/panier/ajouter/{ring.pk}/", {"quantity": "1"})
    client.post("/panier/commande/", {"idempotency_key": str(uuid.uuid4()), f"slot-{shop.pk}": slot})
    with tenant_context(nancy):
        order = Order.objects.get(customer=claire)
    detail, cancel = f"/compte/commandes/{order.pk}/", f"/compte/commandes/{order.pk}/annuler/"
    # when they tap "cancel this order": the question, nothing cancelled yet
    assert f'href="{cancel}"' in client.get(detail).content.decode()
    question = client.get(cancel).content.decode().replace("\xa0", " ")
    assert "Annuler cette commande ?" in question and f'href="{detail}"' in question
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED
    # when they confirm: cancelled, and the order's page says so
    page = client.post(cancel, follow=True).content.decode()
    assert "Commande annulée chez Bijouterie Stanislas" in page
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    # and another account gets nothing from these pages
    with tenant_context(nancy):
        mallory = UserFactory()
    assert client_on(nancy, mallory).get(cancel).status_code == 404


def test_the_token_names_the_order_its_territory_and_nothing_readable_of_the_shopper(nancy):
    # given a link; when its readable part is decoded; then an id and a territory, nothing of the shopper
    placed = _checkout(nancy)
    token = _path(placed["email"]).split("/")[2]
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert payload["o"] == placed["order"].pk and payload["t"] == "nancy"
    assert not _reveals(json.dumps(payload), placed["order"])
