"""The local fake of the Stripe API, driven by the real stripe-python client as Vitrine drives it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import stripe

from vitrine.testing.helpers import free_port
from vitrine.testing.stripe_fake import (
    CARD_AUTHENTICATE,
    CARD_DECLINED,
    CARD_INSUFFICIENT_FUNDS,
    StripeFake,
    WebhookEndpoint,
    Webhooks,
)
from vitrine.testing.stripe_fake.forms import form_parse

PLATFORM_SECRET = "whsec_test_platform"
CONNECT_SECRET = "whsec_test_connect"


class Receiver:
    """A webhook endpoint of the test's own: records what arrives, answers with the statuses it is given."""

    def __init__(self, statuses: tuple[int, ...] = ()) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def events(self, path: str | None = None) -> list[dict[str, Any]]:
        return [json.loads(body) for where, _, body in self.received if path in (None, where)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def fake_with_webhooks(receiver: Receiver) -> Iterator[StripeFake]:
    webhooks = Webhooks(
        platform=WebhookEndpoint(f"{receiver.url}/stripe/webhooks/plateforme/", PLATFORM_SECRET, "console.localhost"),
        connect=WebhookEndpoint(f"{receiver.url}/stripe/webhooks/comptes/", CONNECT_SECRET, "console.localhost"),
    )
    with StripeFake(webhooks=webhooks) as fake:
        yield fake


def session_create(client: stripe.StripeClient, *, amounts: tuple[int, ...] = (1500, 2500), **extra: Any):
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "eur", "unit_amount": amount, "product_data": {"name": f"Commande {i}"}},
                "quantity": 1,
            }
            for i, amount in enumerate(amounts)
        ],
        "customer_email": "claire@example.fr",
        "client_reference_id": "checkout-key-1",
        "success_url": "http://nancy.localhost/panier/paiement/retour/?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://nancy.localhost/panier/paiement/annule/",
        "expires_at": int(time.time()) + 3600,
        "metadata": {"territory": "nancy", "checkout": "checkout-key-1"},
        "payment_intent_data": {
            "capture_method": "manual",
            "transfer_group": "cart_checkout-key-1",
            "metadata": {"territory": "nancy", "checkout": "checkout-key-1", "orders": "11,12"},
        },
        **extra,
    }
    return client.v1.checkout.sessions.create(params=params)


def authorised_intent(fake: StripeFake, client: stripe.StripeClient, amounts: tuple[int, ...] = (1500, 2500)):
    session = session_create(client, amounts=amounts)
    fake.checkout_pay(session.id)
    return client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(session.id).payment_intent)


def shop_account(fake: StripeFake, client: stripe.StripeClient) -> str:
    account = client.v1.accounts.create(
        params={
            "controller": {"stripe_dashboard": {"type": "express"}, "fees": {"payer": "application"}},
            "country": "FR",
            "email": "boulangerie@example.fr",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"territory": "nancy", "shop": "3"},
        }
    )
    fake.account_complete(account.id)
    return account.id


def test_form_parse_reads_stripe_python_nesting():
    # when
    params = form_parse("expand[0]=payment_intent&a[0][b][c]=1&a[1][b][c]=2&metadata[k]=&e[]=x&e[]=y")

    # then
    assert params == {
        "expand": ["payment_intent"],
        "a": [{"b": {"c": "1"}}, {"b": {"c": "2"}}],
        "metadata": {"k": ""},
        "e": ["x", "y"],
    }


def test_session_paid_with_4242_on_the_hosted_page_is_authorised_for_manual_capture(stripe_fake, stripe_client):
    # given
    session = session_create(stripe_client)
    assert (session.status, session.payment_status, session.amount_total) == ("open", "unpaid", 4000)
    page = requests.get(session.url, timeout=5)
    assert page.status_code == 200
    assert "Double de test" in page.text and "40,00" in page.text

    # when
    answer = requests.post(
        session.url,
        data={"email": "claire@example.fr", "card": "4242 4242 4242 4242"},
        allow_redirects=False,
        timeout=5,
    )

    # then
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"http://nancy.localhost/panier/paiement/retour/?session={session.id}"
    paid = stripe_client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert (paid.status, paid.payment_status) == ("complete", "unpaid")
    intent = paid.payment_intent
    assert (intent.status, intent.amount, intent.amount_capturable, intent.capture_method) == (
        "requires_capture",
        4000,
        4000,
        "manual",
    )
    assert intent.transfer_group == "cart_checkout-key-1"
    assert intent.metadata["orders"] == "11,12"
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.captured, charge.amount, charge.amount_captured) == (False, 4000, 0)
    assert [event["type"] for event in stripe_fake.events] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.amount_capturable_updated",
        "checkout.session.completed",
    ]
    assert stripe_fake.events_of("checkout.session.completed")[0]["data"]["object"]["payment_intent"] == intent.id


@pytest.mark.parametrize(
    ("card", "message", "decline_code"),
    [
        (CARD_DECLINED, "Votre carte a été refusée.", "generic_decline"),
        (CARD_INSUFFICIENT_FUNDS, "fonds insuffisants", "insufficient_funds"),
    ],
)
def test_declined_card_leaves_the_intent_unpaid(stripe_fake, stripe_client, card, message, decline_code):
    # given
    session = session_create(stripe_client)

    # when
    answer = requests.post(session.url, data={"email": "c@example.fr", "card": card}, allow_redirects=False, timeout=5)

    # then
    assert answer.status_code == 402
    assert message in answer.text and "Retour au site" in answer.text
    intent = stripe_client.v1.payment_intents.retrieve(
        stripe_client.v1.checkout.sessions.retrieve(session.id).payment_intent
    )
    assert intent.status == "requires_payment_method"
    assert (intent.last_payment_error.code, intent.last_payment_error.decline_code) == ("card_declined", decline_code)
    assert stripe_fake.events_of("payment_intent.payment_failed")
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_3d_secure_challenge_fails_then_succeeds(stripe_fake, stripe_client):
    # given
    session = session_create(stripe_client)
    http = requests.Session()
    challenge = http.post(session.url, data={"email": "c@example.fr", "card": CARD_AUTHENTICATE}, timeout=5)
    assert "Authentifier" in challenge.text and "Échouer" in challenge.text

    # when
    failed = http.post(f"{session.url}/3ds", data={"result": "fail"}, allow_redirects=False, timeout=5)

    # then
    assert failed.status_code == 402 and "3-D Secure a échoué" in failed.text
    intent_id = stripe_client.v1.checkout.sessions.retrieve(session.id).payment_intent
    intent = stripe_client.v1.payment_intents.retrieve(intent_id)
    assert (intent.status, intent.last_payment_error.code) == (
        "requires_payment_method",
        "payment_intent_authentication_failure",
    )

    # when the payer tries again and authenticates
    http.post(session.url, data={"email": "c@example.fr", "card": CARD_AUTHENTICATE}, timeout=5)
    done = http.post(f"{session.url}/3ds", data={"result": "succeed"}, allow_redirects=False, timeout=5)

    # then
    assert done.status_code == 303
    assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "requires_capture"


def test_expired_session_cannot_be_paid(stripe_fake, stripe_client):
    # given
    session = session_create(stripe_client)

    # when
    stripe_fake.clock_advance(3601)

    # then
    page = requests.get(session.url, timeout=5)
    assert page.status_code == 410 and "expiré" in page.text
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert stripe_fake.events_of("checkout.session.expired")


def test_expire_endpoint_refuses_a_completed_session(stripe_fake, stripe_client):
    # given
    open_session = session_create(stripe_client)
    paid_session = session_create(stripe_client)
    stripe_fake.checkout_pay(paid_session.id)

    # when
    expired = stripe_client.v1.checkout.sessions.expire(open_session.id)

    # then
    assert expired.status == "expired"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.expire(paid_session.id)


def test_partial_capture_releases_the_rest_and_cannot_exceed_the_authorisation(stripe_fake, stripe_client):
    # given
    intent = authorised_intent(stripe_fake, stripe_client)

    # when
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 4001})
    captured = stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 1500})

    # then
    assert too_much.value.http_status == 400 and too_much.value.code == "amount_too_large"
    assert (captured.status, captured.amount_received, captured.amount_capturable) == ("succeeded", 1500, 0)
    charge = stripe_client.v1.charges.retrieve(captured.latest_charge)
    assert (charge.captured, charge.amount_captured) == (True, 1500)
    assert {"payment_intent.succeeded", "charge.captured"} <= {event["type"] for event in stripe_fake.events}
    with pytest.raises(stripe.InvalidRequestError) as twice:
        stripe_client.v1.payment_intents.capture(intent.id)
    assert twice.value.code == "payment_intent_unexpected_state"


def test_cancel_releases_an_authorisation_but_not_a_captured_payment(stripe_fake, stripe_client):
    # given
    authorised = authorised_intent(stripe_fake, stripe_client)
    captured = authorised_intent(stripe_fake, stripe_client)
    stripe_client.v1.payment_intents.capture(captured.id)

    # when
    cancelled = stripe_client.v1.payment_intents.cancel(authorised.id)

    # then
    assert (cancelled.status, cancelled.amount_capturable) == ("canceled", 0)
    assert stripe_fake.events_of("payment_intent.canceled")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.payment_intents.cancel(captured.id)
    assert refused.value.code == "payment_intent_unexpected_state"


def test_refunds_stay_within_what_was_captured(stripe_fake, stripe_client):
    # given
    intent = authorised_intent(stripe_fake, stripe_client)
    stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 3000})

    # when
    first = stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1000})
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 2001})
    rest = stripe_client.v1.refunds.create(params={"charge": intent.latest_charge})

    # then
    assert (first.amount, first.status, rest.amount) == (1000, "succeeded", 2000)
    assert too_much.value.code == "amount_too_large"
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (3000, True)
    assert len(stripe_fake.events_of("charge.refunded")) == len(stripe_fake.events_of("refund.created")) == 2
    with pytest.raises(stripe.InvalidRequestError) as again:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1})
    assert again.value.code == "charge_already_refunded"


def test_transfers_need_an_active_account_and_the_source_charge_funds(stripe_fake, stripe_client):
    # given
    intent = authorised_intent(stripe_fake, stripe_client)
    stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 3000})
    stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
    shop = shop_account(stripe_fake, stripe_client)
    unfinished = stripe_client.v1.accounts.create(params={"type": "express", "country": "FR"}).id
    transfer = {"currency": "eur", "source_transaction": intent.latest_charge, "transfer_group": "cart_checkout-key-1"}

    # when
    made = stripe_client.v1.transfers.create(params={**transfer, "amount": 2000, "destination": shop})
    with pytest.raises(stripe.InvalidRequestError) as beyond:
        stripe_client.v1.transfers.create(params={**transfer, "amount": 501, "destination": shop})
    with pytest.raises(stripe.InvalidRequestError) as inactive:
        stripe_client.v1.transfers.create(params={**transfer, "amount": 100, "destination": unfinished})

    # then
    assert (made.amount, made.destination, made.source_transaction) == (2000, shop, intent.latest_charge)
    assert stripe_client.v1.transfers.retrieve(made.id).transfer_group == "cart_checkout-key-1"
    assert beyond.value.param == "amount"
    assert inactive.value.code == "insufficient_capabilities_for_transfer"
    assert [event["data"]["object"]["id"] for event in stripe_fake.events_of("transfer.created")] == [made.id]


def test_reversals_stay_within_what_was_transferred(stripe_fake, stripe_client):
    # given
    intent = authorised_intent(stripe_fake, stripe_client)
    stripe_client.v1.payment_intents.capture(intent.id)
    transfer = stripe_client.v1.transfers.create(
        params={
            "amount": 1500,
            "currency": "eur",
            "destination": shop_account(stripe_fake, stripe_client),
            "source_transaction": intent.latest_charge,
        }
    )

    # when
    reversal = stripe_client.v1.transfers.reversals.create(transfer.id, params={"amount": 1000})
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        stripe_client.v1.transfers.reversals.create(transfer.id, params={"amount": 501})

    # then
    assert (reversal.object, reversal.amount, reversal.transfer) == ("transfer_reversal", 1000, transfer.id)
    assert too_much.value.code == "amount_too_large"
    after = stripe_client.v1.transfers.retrieve(transfer.id)
    assert (after.amount_reversed, after.reversed) == (1000, False)
    assert stripe_fake.events_of("transfer.reversed")


def test_same_idempotency_key_replays_the_first_answer_and_changes_nothing(stripe_fake, stripe_client):
    # given
    intent = authorised_intent(stripe_fake, stripe_client)
    options = {"idempotency_key": f"capture:{intent.id}"}
    first = stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 1500}, options=options)
    events = len(stripe_fake.events)

    # when
    again = stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 1500}, options=options)

    # then
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert again.to_dict() == first.to_dict()
    assert len(stripe_fake.events) == events
    captures = stripe_fake.requests_to("/v1/payment_intents/*/capture")
    assert [(r.idempotency_key, r.replayed, r.params) for r in captures] == [
        (f"capture:{intent.id}", False, {"amount_to_capture": "1500"}),
        (f"capture:{intent.id}", True, {"amount_to_capture": "1500"}),
    ]


def test_same_idempotency_key_with_other_parameters_is_refused(stripe_fake, stripe_client):
    # given
    intent = authorised_intent(stripe_fake, stripe_client)
    options = {"idempotency_key": f"capture:{intent.id}"}
    stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 1500}, options=options)

    # when
    with pytest.raises(stripe.IdempotencyError) as refused:
        stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 1000}, options=options)

    # then
    assert refused.value.http_status == 400
    assert stripe_client.v1.payment_intents.retrieve(intent.id).amount_received == 1500


def test_idempotency_keys_are_scoped_by_stripe_account(stripe_fake, stripe_client):
    # given
    shop = shop_account(stripe_fake, stripe_client)
    stripe_client.v1.accounts.update(shop, params={"metadata": {"a": "1"}}, options={"idempotency_key": "same"})

    # when: the same key on behalf of the shop is another key
    stripe_client.v1.accounts.update(
        shop, params={"metadata": {"a": "2"}}, options={"idempotency_key": "same", "stripe_account": shop}
    )

    # then
    assert stripe_client.v1.accounts.retrieve(shop).metadata["a"] == "2"
    assert stripe_fake.requests_to(f"/v1/accounts/{shop}", method="POST")[1].stripe_account == shop


def test_crash_after_applying_is_replayed_to_the_retry_not_captured_twice(stripe_fake):
    # given
    client = stripe_fake.client(max_network_retries=2)
    intent = authorised_intent(stripe_fake, client)
    stripe_fake.crash_after_applying_next("/v1/payment_intents/*/capture")

    # when
    captured = client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 2000})

    # then
    assert (captured.status, captured.amount_received) == ("succeeded", 2000)
    attempts = stripe_fake.requests_to("/v1/payment_intents/*/capture")
    assert [(r.status, r.replayed) for r in attempts] == [(None, False), (200, True)]
    assert attempts[0].idempotency_key == attempts[1].idempotency_key
    assert len(stripe_fake.events_of("payment_intent.succeeded")) == 1


def test_fail_next_and_hang_next_make_stripe_unreachable(stripe_fake):
    # given
    client = stripe_fake.client(max_network_retries=0, http_client=stripe.RequestsClient(timeout=0.5))
    stripe_fake.fail_next("/v1/checkout/sessions")
    stripe_fake.hang_next("/v1/checkout/sessions", seconds=1)

    # when / then
    with pytest.raises(stripe.APIError):
        session_create(client)
    with pytest.raises(stripe.APIConnectionError):
        session_create(client)
    assert not [obj for obj in stripe_fake.state.objects.values() if obj["object"] == "checkout.session"]
    assert session_create(client).status == "open"


def test_requests_without_a_key_or_with_unknown_parameters_are_refused(stripe_fake, stripe_client):
    # when
    anonymous = requests.get(f"{stripe_fake.base_url}/v1/events/evt_1", timeout=5)
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        stripe_client.v1.transfers.create(
            params={"amount": 1, "currency": "eur", "destination": "acct_1", "reverse": True}
        )
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.payment_intents.retrieve("pi_missing")

    # then
    assert anonymous.status_code == 401 and anonymous.json()["error"]["type"] == "invalid_request_error"
    assert (unknown.value.code, unknown.value.param) == ("parameter_unknown", "reverse")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_webhooks_are_signed_as_stripe_verifies_them(fake_with_webhooks, stripe_client, receiver):
    # given
    client = fake_with_webhooks.client()

    # when
    session_create(client)
    session = session_create(client)
    fake_with_webhooks.checkout_pay(session.id)
    fake_with_webhooks.wait_idle()

    # then
    path, headers, body = receiver.received[-1]
    assert path == "/stripe/webhooks/plateforme/" and headers["Host"] == "console.localhost"
    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], PLATFORM_SECRET)
    assert event.type == "checkout.session.completed" and event.data.object.id == session.id
    assert event.livemode is False and event.api_version
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, headers["Stripe-Signature"], "whsec_other")
    stored = client.v1.events.retrieve(event.id)
    assert stored.type == "checkout.session.completed"


def test_wrong_secret_and_stale_timestamp_fail_verification(fake_with_webhooks, receiver):
    # given
    client = fake_with_webhooks.client()
    fake_with_webhooks.delivery.wrong_secret = "whsec_wrong"
    intent = authorised_intent(fake_with_webhooks, client)
    fake_with_webhooks.wait_idle()
    _, headers, body = receiver.received[-1]
    with pytest.raises(stripe.SignatureVerificationError, match="matching"):
        stripe.Webhook.construct_event(body, headers["Stripe-Signature"], PLATFORM_SECRET)

    # when
    fake_with_webhooks.delivery.wrong_secret = None
    fake_with_webhooks.delivery.timestamp_shift = -600
    client.v1.payment_intents.capture(intent.id)
    fake_with_webhooks.wait_idle()

    # then
    _, headers, body = receiver.received[-1]
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(body, headers["Stripe-Signature"], PLATFORM_SECRET)


def test_connect_events_go_to_the_connect_endpoint_with_the_account(fake_with_webhooks, receiver):
    # given
    client = fake_with_webhooks.client()
    account = client.v1.accounts.create(params={"type": "express", "country": "FR", "email": "s@example.fr"})
    link = client.v1.account_links.create(
        params={
            "account": account.id,
            "refresh_url": "http://nancy.localhost/pro/paiement/relancer/",
            "return_url": "http://nancy.localhost/pro/paiement/retour/",
            "type": "account_onboarding",
        }
    )
    page = requests.get(link.url, timeout=5)
    assert "Double de test" in page.text and "Complete everything" in page.text

    # when
    answer = requests.post(link.url, data={"action": "leave_due"}, allow_redirects=False, timeout=5)
    fake_with_webhooks.wait_idle()

    # then
    assert answer.headers["Location"] == "http://nancy.localhost/pro/paiement/retour/"
    [event] = receiver.events("/stripe/webhooks/comptes/")
    assert (event["type"], event["account"]) == ("account.updated", account.id)
    assert event["data"]["object"]["requirements"]["currently_due"] == ["external_account"]
    assert event["data"]["object"]["capabilities"]["transfers"] == "inactive"
    used = requests.get(link.url, allow_redirects=False, timeout=5)
    assert used.headers["Location"] == "http://nancy.localhost/pro/paiement/relancer/"
    # a Connect event is fetched on the account's behalf, as at Stripe
    assert client.v1.events.retrieve(event["id"], options={"stripe_account": account.id}).type == "account.updated"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.retrieve(event["id"])


def test_duplicates_deliver_every_event_twice(fake_with_webhooks, receiver):
    # given
    fake_with_webhooks.delivery.duplicates = True

    # when
    session_create(fake_with_webhooks.client())
    intent = authorised_intent(fake_with_webhooks, fake_with_webhooks.client())
    fake_with_webhooks.wait_idle()

    # then
    ids = [event["id"] for event in receiver.events()]
    assert len(ids) == 2 * len(set(ids)) == 2 * len(fake_with_webhooks.events)
    assert intent.status == "requires_capture"


def test_held_events_are_released_in_reverse_order(fake_with_webhooks, receiver):
    # given
    fake_with_webhooks.hold()
    authorised_intent(fake_with_webhooks, fake_with_webhooks.client())
    fake_with_webhooks.wait_idle()
    assert receiver.received == []

    # when
    released = fake_with_webhooks.release(reverse=True)
    fake_with_webhooks.wait_idle()

    # then
    assert released == 4
    sent = [event["id"] for event in fake_with_webhooks.events]
    assert [event["id"] for event in receiver.events()] == sent[::-1]


def test_refused_deliveries_are_retried(stripe_fake):
    # given
    receiver = Receiver(statuses=(500, 400))
    stripe_fake.webhooks = Webhooks(connect=WebhookEndpoint(receiver.url, CONNECT_SECRET))
    account = stripe_fake.client().v1.accounts.create(params={"type": "express"})

    # when
    stripe_fake.account_complete(account.id)
    stripe_fake.wait_idle()

    # then
    assert [delivery.status for delivery in stripe_fake.deliveries] == [500, 400, 200]
    assert len({event["id"] for event in receiver.events()}) == 1
    receiver.close()


def test_dispute_controls_open_and_close_a_dispute(fake_with_webhooks, receiver):
    # given
    client = fake_with_webhooks.client()
    intent = authorised_intent(fake_with_webhooks, client)
    client.v1.payment_intents.capture(intent.id)

    # when
    dispute = fake_with_webhooks.dispute_open(intent.latest_charge)
    fake_with_webhooks.dispute_close(dispute["id"], won=False)
    fake_with_webhooks.wait_idle()

    # then
    opened, closed = (e for e in receiver.events() if e["type"].startswith("charge.dispute."))
    assert (opened["type"], opened["data"]["object"]["status"]) == ("charge.dispute.created", "needs_response")
    assert opened["data"]["object"]["payment_intent"] == intent.id
    assert (closed["type"], closed["data"]["object"]["status"]) == ("charge.dispute.closed", "lost")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent.id})
    assert refused.value.code == "charge_disputed"


def test_command_line_server_serves_the_api_and_its_request_log():
    # given
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "vitrine.testing.stripe_fake", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(f"{base}/_fake/requests", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        client = stripe.StripeClient("sk_test_cli", base_addresses={"api": base, "connect": base, "files": base})

        # when
        account = client.v1.accounts.create(params={"type": "express", "country": "FR"})
        log = requests.get(f"{base}/_fake/requests", params={"path": "/v1/accounts"}, timeout=5).json()

        # then
        assert account.id.startswith("acct_")
        assert [(entry["method"], entry["params"]) for entry in log] == [("POST", {"type": "express", "country": "FR"})]
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_lists_filter_like_stripe_and_payouts_reach_the_connect_endpoint(fake_with_webhooks, receiver):
    # given
    client = fake_with_webhooks.client()
    intent = authorised_intent(fake_with_webhooks, client)
    client.v1.payment_intents.capture(intent.id)
    shop = shop_account(fake_with_webhooks, client)
    transfer = client.v1.transfers.create(
        params={"amount": 1000, "currency": "eur", "destination": shop, "transfer_group": "cart_checkout-key-1"}
    )
    client.v1.transfers.create(params={"amount": 500, "currency": "eur", "destination": shop, "transfer_group": "x"})

    # when
    listed = client.v1.transfers.list(params={"transfer_group": "cart_checkout-key-1"})
    payout = fake_with_webhooks.payout_make(shop, failed=True)
    fake_with_webhooks.wait_idle()

    # then
    assert [item.id for item in listed.data] == [transfer.id]
    balance = client.v1.balance.retrieve(options={"stripe_account": shop})
    assert balance.available[0].amount == 1500
    assert client.v1.balance.retrieve().available[0].amount == 4000 - 1500
    [failed] = [e for e in receiver.events("/stripe/webhooks/comptes/") if e["type"] == "payout.failed"]
    assert (failed["account"], failed["data"]["object"]["id"]) == (shop, payout["id"])
    assert [p.id for p in client.v1.payouts.list(options={"stripe_account": shop}).data] == [payout["id"]]


def test_reset_forgets_everything(stripe_fake, stripe_client):
    # given
    session_create(stripe_client)
    stripe_fake.fail_next("/v1/checkout/sessions")

    # when
    stripe_fake.reset()

    # then
    assert stripe_fake.requests == [] and stripe_fake.events == []
    assert session_create(stripe_client).status == "open"


@pytest.fixture
def vitrine_stripe(stripe_settings):
    """Vitrine's own Stripe door (payments.stripe_api), configured for the fake."""
    from vitrine.payments import stripe_api

    return stripe_api


def test_vitrine_client_retry_after_a_crash_gets_the_stored_capture(stripe_fake, vitrine_stripe):
    # given
    intent = authorised_intent(stripe_fake, stripe_fake.client())
    stripe_fake.crash_after_applying_next("/v1/payment_intents/*/capture")

    # when
    captured = vitrine_stripe.call(
        vitrine_stripe.client().v1.payment_intents.capture, intent.id, key="capture:cart-1", amount_to_capture=2500
    )

    # then
    assert (captured.status, captured.amount_received) == ("succeeded", 2500)
    attempts = stripe_fake.requests_to("/v1/payment_intents/*/capture")
    assert [(r.idempotency_key, r.status, r.replayed) for r in attempts] == [
        ("capture:cart-1", None, False),
        ("capture:cart-1", 200, True),
    ]


def test_vitrine_client_says_unavailable_when_stripe_keeps_failing(stripe_fake, vitrine_stripe):
    # given
    stripe_fake.fail_next("/v1/checkout/sessions", times=3)

    # when / then
    with pytest.raises(vitrine_stripe.StripeUnavailable):
        vitrine_stripe.call(
            vitrine_stripe.client().v1.checkout.sessions.create, key="checkout:1", mode="payment", success_url="x"
        )
    assert [r.status for r in stripe_fake.requests_to("/v1/checkout/sessions")] == [500, 500, 500]


def test_http_controls_drive_the_fake_from_another_process(stripe_fake, stripe_client, receiver):
    # given
    control = f"{stripe_fake.base_url}/_fake"
    requests.post(
        f"{control}/webhooks/endpoints",
        data={"platform_url": receiver.url, "platform_secret": PLATFORM_SECRET, "host": "console.localhost"},
        timeout=5,
    )
    requests.post(f"{control}/webhooks", data={"hold": "true"}, timeout=5)
    session = session_create(stripe_client)

    # when
    paid = requests.post(f"{control}/sessions/{session.id}/pay", data={"card": CARD_AUTHENTICATE}, timeout=5).json()
    released = requests.post(f"{control}/webhooks/release", data={"reverse": "true"}, timeout=5).json()
    stripe_fake.wait_idle()

    # then
    assert paid["outcome"] == "succeeded" and released == {"released": 5}
    assert [event["type"] for event in receiver.events()][0] == "checkout.session.completed"
    assert receiver.received[0][1]["Host"] == "console.localhost"
    dashboard = requests.get(f"{stripe_fake.base_url}/", timeout=5).text
    assert "Double de test" in dashboard and session.id[:20] in dashboard
    log = requests.get(f"{control}/requests", params={"path": "/v1/checkout/sessions"}, timeout=5).json()
    assert [(entry["method"], entry["params"]["mode"]) for entry in log] == [("POST", "payment")]


def test_an_authorisation_left_uncaptured_for_seven_days_lapses(stripe_fake, stripe_client):
    # given
    intent = authorised_intent(stripe_fake, stripe_client)

    # when
    stripe_fake.clock_advance(7 * 24 * 3600)

    # then
    lapsed = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert (lapsed.status, lapsed.cancellation_reason) == ("canceled", "automatic")
    assert [event["type"] for event in stripe_fake.events[-2:]] == ["charge.expired", "payment_intent.canceled"]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.payment_intents.capture(intent.id)
    assert refused.value.code == "payment_intent_unexpected_state"


def test_signed_gives_a_body_and_header_stripe_accepts(stripe_fake, stripe_client):
    # given
    stripe_fake.webhooks = Webhooks(platform=WebhookEndpoint("http://127.0.0.1:9/", PLATFORM_SECRET))
    stripe_fake.delivery.drop = True
    authorised_intent(stripe_fake, stripe_client)
    event = stripe_fake.events_of("checkout.session.completed")[0]

    # when
    body, signature = stripe_fake.signed(event)
    _, stale = stripe_fake.signed(event, timestamp_shift=-301)

    # then
    assert stripe.Webhook.construct_event(body, signature, PLATFORM_SECRET).id == event["id"]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, stale, PLATFORM_SECRET)


def test_login_link_opens_the_shops_express_dashboard(stripe_fake, stripe_client):
    # given
    intent = authorised_intent(stripe_fake, stripe_client)
    stripe_client.v1.payment_intents.capture(intent.id)
    shop = shop_account(stripe_fake, stripe_client)
    stripe_client.v1.transfers.create(
        params={"amount": 1234, "currency": "eur", "destination": shop, "source_transaction": intent.latest_charge}
    )

    # when
    link = stripe_client.v1.accounts.login_links.create(shop)

    # then
    page = requests.get(link.url, timeout=5)
    assert page.status_code == 200 and "Double de test" in page.text and "12,34" in page.text
    with_items = stripe_client.v1.checkout.sessions.retrieve(
        session_create(stripe_client).id, params={"expand": ["line_items"]}
    )
    assert [item.amount_total for item in with_items.line_items.data] == [1500, 2500]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"expires_at": int(time.time()) + 600}, "expires_at"),
        ({"metadata": {"orders": ",".join(str(n) for n in range(200))}}, "metadata[orders]"),
        (
            {
                "line_items": [
                    {"price_data": {"currency": "eur", "unit_amount": 49, "product_data": {"name": "x"}}, "quantity": 1}
                ]
            },
            "line_items",
        ),
        (
            {"line_items": [{"price_data": {"currency": "eur", "unit_amount": 100, "product_data": {"name": "x"}}}]},
            "line_items[0][quantity]",
        ),
        ({"success_url": None}, "success_url"),
    ],
)
def test_sessions_stripe_would_refuse_are_refused(stripe_fake, stripe_client, extra, param):
    # when
    with pytest.raises(stripe.InvalidRequestError) as refused:
        session_create(stripe_client, **extra)

    # then
    assert refused.value.http_status == 400 and refused.value.param == param
    assert stripe_fake.events == []
