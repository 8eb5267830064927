"""The fake's state and Stripe's rules: the objects, what each call may do to them, the events it sends.

Everything here runs under `StripeState.lock`; the HTTP layer and the in-process controls
(both in fake.py) take it around each operation, then hand the events the
operation emitted (`take_outbox`) to the webhook deliverer once the answer has gone out.
Objects are plain dicts shaped like Stripe's JSON, so stripe-python deserialises them; what
Stripe keeps to itself (a session's payment_intent_data, an account link's URLs) lives in
private dicts beside them and never appears in an answer.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from vitrine.testing.stripe_fake.cards import (
    AUTHENTICATION_FAILED,
    DECLINES,
    TEST_CARDS,
    Attempt,
    Card,
    InputError,
    PageError,
)
from vitrine.testing.stripe_fake.params import (
    API_VERSION,
    AUTOMATIC,
    Call,
    Obj,
    Params,
    StripeError,
    as_bool,
    as_dict,
    as_int,
    as_str,
    listing,
    metadata_merge,
    missing,
    money,
    new_id,
)

MINIMUM_CHARGE = 50  # cents: Stripe's minimum charge in euros
SESSION_MIN_SECONDS = 30 * 60
SESSION_MAX_SECONDS = 24 * 60 * 60
AUTHORISATION_SECONDS = 7 * 24 * 60 * 60  # an uncaptured card payment is cancelled by Stripe after 7 days
ACCOUNT_LINK_SECONDS = 300
REQUIREMENTS_OF_A_NEW_ACCOUNT = (
    "business_profile.mcc",
    "business_profile.url",
    "external_account",
    "representative.first_name",
    "representative.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
)
# What each list endpoint filters on (GET /v1/transfers?transfer_group=...).
LIST_FILTERS = {
    "account": (),
    "charge": ("payment_intent", "transfer_group"),
    "checkout.session": ("payment_intent", "status"),
    "dispute": ("charge", "payment_intent"),
    "payment_intent": (),
    "refund": ("charge", "payment_intent"),
    "transfer": ("destination", "transfer_group"),
}


def _amount_within(params: Params, left: int, too_large: Callable[[int], str]) -> int:
    """The `amount` asked (what is left when none is given): more than 0, no more than `left`, as Stripe checks it."""
    amount = as_int(params, "amount")
    if amount is None:
        amount = left
    if amount <= 0:
        raise StripeError("Amount must be greater than zero.", code="amount_too_small", param="amount")
    if amount > left:
        raise StripeError(too_large(amount), code="amount_too_large", param="amount")
    return amount


class StripeState:
    """Every object the fake holds, and the operations Vitrine calls on them."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, Obj] = {}
        self.events: list[Obj] = []
        self.public_url = ""
        self.clock_offset = 0
        self.deauthorized: set[str] = set()
        # What Stripe keeps but does not show.
        self.session_intent_data: dict[str, Obj] = {}
        self.session_line_items: dict[str, list[Obj]] = {}
        self.account_links: dict[str, Obj] = {}
        self.challenges: dict[str, str] = {}  # session id -> card number waiting for 3-D Secure
        self.intent_sessions: dict[str, str] = {}  # PaymentIntent id -> its Checkout Session's id
        # What time may change, kept apart so each request need not look at every object.
        self.open_sessions: set[str] = set()
        self.authorised_intents: set[str] = set()
        # Objects made on a connected account's behalf (Stripe-Account header, payouts, Connect events):
        # reachable only with that header, as at Stripe. The others belong to the platform.
        self.owners: dict[str, str] = {}
        self._outbox: list[Obj] = []

    # --- time, ids, lookups, events -------------------------------------------------------

    def now(self) -> int:
        """The fake's clock (Unix seconds), which tests may move forward."""
        return int(time.time()) + self.clock_offset

    def get(self, object_id: str, kind: str, *, param: str = "id") -> Obj:
        """The stored object of that id and kind, or Stripe's `No such ...` (404)."""
        found = self.objects.get(object_id)
        if found is None or found.get("object") != kind:
            raise StripeError(
                f"No such {kind}: '{object_id}'",
                status=404 if param == "id" else 400,
                code="resource_missing",
                param=param,
            )
        return found

    def view(self, obj: Obj, expand: Iterable[str] = ()) -> Obj:
        """A copy of `obj` for an answer, with the `expand[]` paths replaced by the objects they name."""
        shown = copy.deepcopy(obj)
        for path in expand:
            if path == "line_items" and obj.get("object") == "checkout.session":  # kept apart, as at Stripe
                shown["line_items"] = self.session_line_items_list(obj["id"])
                continue
            self._expand(shown, path.split("."))
        return shown

    def _expand(self, node: Any, path: list[str]) -> None:
        if not path or not isinstance(node, dict):
            return
        head, rest = path[0], path[1:]
        if head == "data" and isinstance(node.get("data"), list):
            for item in node["data"]:
                self._expand(item, rest)
            return
        value = node.get(head)
        if isinstance(value, str) and value in self.objects:
            node[head] = value = copy.deepcopy(self.objects[value])
        self._expand(value, rest)

    def emit(self, kind: str, obj: Obj, call: Call, *, account: str | None = None, previous: Obj | None = None) -> Obj:
        """Record an event about `obj` (a snapshot of it now), to be delivered once the answer is out."""
        data: Obj = {"object": copy.deepcopy(obj)}
        if previous:
            data["previous_attributes"] = previous
        event: Obj = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": call.request_id, "idempotency_key": call.idempotency_key},
            "type": kind,
        }
        account = account or self.owners.get(obj.get("id") or "")
        if account:
            event["account"] = account
            self.owners[event["id"]] = account
        self.objects[event["id"]] = event
        self.events.append(event)
        self._outbox.append(event)
        return event

    def _own_like(self, object_id: str, parent_id: str) -> None:
        if parent_id in self.owners:
            self.owners[object_id] = self.owners[parent_id]

    def check_owner(self, object_id: str, call: Call) -> None:
        """Stripe's answer to an object asked for on the wrong account (with or without Stripe-Account)."""
        obj = self.objects.get(object_id)
        if obj is not None and obj["object"] != "account" and self.owners.get(object_id) != call.stripe_account:
            raise StripeError(
                f"No such {obj['object']}: '{object_id}'", status=404, code="resource_missing", param="id"
            )

    def own_new(self, before: int, call: Call) -> None:
        """Objects created by a call made with Stripe-Account belong to that account."""
        if call.stripe_account:
            for object_id in list(self.objects)[before:]:
                self.owners.setdefault(object_id, call.stripe_account)

    def take_outbox(self) -> list[Obj]:
        """The events emitted since the last call, in order."""
        events, self._outbox = self._outbox, []
        return events

    def sweep(self) -> None:
        """Let time do what it does at Stripe: sessions past `expires_at` expire, 7-day-old authorisations lapse."""
        now = self.now()
        for session_id in sorted(self.open_sessions):
            session = self.objects[session_id]
            if session["expires_at"] <= now:
                self._session_expire(session, AUTOMATIC)
        for intent_id in sorted(self.authorised_intents):
            intent = self.objects[intent_id]
            charge = self.objects[intent["latest_charge"]]
            if charge["created"] + AUTHORISATION_SECONDS <= now:
                self.authorised_intents.discard(intent_id)
                intent.update(status="canceled", canceled_at=now, cancellation_reason="automatic", amount_capturable=0)
                self.emit("charge.expired", charge, AUTOMATIC)
                self.emit("payment_intent.canceled", intent, AUTOMATIC)

    # --- accounts ---------------------------------------------------------------------------

    def account_create(self, call: Call, params: Params) -> Obj:
        """POST /v1/accounts: a connected account that has everything left to do."""
        controller = as_dict(params, "controller")
        kind = as_str(params, "type", choices=("express", "standard", "custom"))
        if controller and kind:
            raise StripeError("You cannot specify both `type` and `controller`.", param="type")
        country = (as_str(params, "country") or "FR").upper()
        capabilities: Obj = {}
        for name, wanted in as_dict(params, "capabilities").items():
            if isinstance(wanted, dict) and wanted.get("requested") == "true":
                capabilities[name] = "inactive"
        if kind in ("express", "standard") and not capabilities:
            capabilities = {"card_payments": "inactive", "transfers": "inactive"}
        account: Obj = {
            "id": new_id("acct", 16),
            "object": "account",
            "business_profile": {
                "mcc": None,
                "name": None,
                "product_description": None,
                "support_email": None,
                "url": None,
                **as_dict(params, "business_profile"),
            },
            "business_type": as_str(params, "business_type"),
            "capabilities": capabilities,
            "charges_enabled": False,
            "controller": controller or {"is_controller": True, "type": "application"},
            "country": country,
            "created": self.now(),
            "default_currency": as_str(params, "default_currency") or "eur",
            "details_submitted": False,
            "email": as_str(params, "email"),
            "external_accounts": listing("/v1/accounts/external_accounts", []),
            "future_requirements": self._requirements([], None),
            "metadata": metadata_merge({}, params),
            "payouts_enabled": False,
            "requirements": self._requirements(list(REQUIREMENTS_OF_A_NEW_ACCOUNT), "requirements.past_due"),
            "settings": {"payouts": {"schedule": {"interval": "daily", "delay_days": 7}}},
            "tos_acceptance": {"date": None, "ip": None},
            "type": kind or "none",
        }
        account["external_accounts"]["url"] = f"/v1/accounts/{account['id']}/external_accounts"
        self.objects[account["id"]] = account
        return account

    def _requirements(self, due: list[str], disabled_reason: str | None) -> Obj:
        return {
            "alternatives": [],
            "current_deadline": None,
            "currently_due": list(due),
            "disabled_reason": disabled_reason,
            "errors": [],
            "eventually_due": list(due),
            "past_due": list(due),
            "pending_verification": [],
        }

    def account_get(self, account_id: str, *, param: str = "id") -> Obj:
        """A connected account the platform still has access to."""
        if account_id in self.deauthorized:
            raise StripeError(
                f"The provided key 'sk_test_***' does not have access to account '{account_id}' (or that account "
                "does not exist). Application access may have been revoked.",
                status=403 if param == "id" else 400,
                code="account_invalid",
                param=param if param != "id" else None,
            )
        return self.get(account_id, "account", param=param)

    def account_update(self, call: Call, params: Params, account_id: str) -> Obj:
        """POST /v1/accounts/{id}: metadata, email, business profile."""
        account = self.account_get(account_id)
        account["metadata"] = metadata_merge(account["metadata"], params)
        if "email" in params:
            account["email"] = as_str(params, "email")
        account["business_profile"].update(as_dict(params, "business_profile"))
        self.emit("account.updated", account, call, account=account_id)
        return account

    def account_link_create(self, call: Call, params: Params) -> Obj:
        """POST /v1/account_links: a single-use link to the fake's hosted onboarding page."""
        account_id = as_str(params, "account", required=True) or ""
        self.account_get(account_id, param="account")
        kind = as_str(params, "type", required=True, choices=("account_onboarding", "account_update"))
        token = new_id("link", 20)
        created = self.now()
        self.account_links[token] = {
            "account": account_id,
            "refresh_url": as_str(params, "refresh_url"),
            "return_url": as_str(params, "return_url"),
            "type": kind,
            "expires_at": created + ACCOUNT_LINK_SECONDS,
            "used": False,
        }
        return {
            "object": "account_link",
            "created": created,
            "expires_at": created + ACCOUNT_LINK_SECONDS,
            "url": f"{self.public_url}/onboarding/{token}",
        }

    def login_link_create(self, call: Call, params: Params, account_id: str) -> Obj:
        """POST /v1/accounts/{id}/login_links: a link to the shop's (fake) Express dashboard."""
        account = self.account_get(account_id)
        if not account["details_submitted"]:
            raise StripeError(
                "Cannot create a login link for an account that has not completed onboarding.", param="account"
            )
        return {"object": "login_link", "created": self.now(), "url": f"{self.public_url}/express/{account_id}"}

    def account_link_open(self, token: str) -> Obj:
        """The link behind an onboarding page; PageError when unknown, used or expired (go to refresh_url)."""
        link = self.account_links.get(token)
        if link is None:
            raise PageError("Ce lien d'inscription n'existe pas.")
        if link["used"] or link["expires_at"] <= self.now():
            raise PageError("Ce lien d'inscription a expiré ou a déjà servi.")
        return link

    def account_complete(self, account_id: str, call: Call = AUTOMATIC) -> Obj:
        """The shop finished onboarding: everything enabled, nothing left to do; `account.updated`."""
        account = self.account_get(account_id)
        before = copy.deepcopy(account)
        capabilities = account["capabilities"] or {"transfers": "inactive"}
        account.update(
            details_submitted=True,
            charges_enabled=True,
            payouts_enabled=True,
            capabilities=dict.fromkeys(capabilities, "active"),
            requirements=self._requirements([], None),
            tos_acceptance={"date": self.now(), "ip": "127.0.0.1"},
        )
        return self._account_updated(account, before, call)

    def account_leave_due(
        self, account_id: str, due: Iterable[str] = ("external_account",), call: Call = AUTOMATIC
    ) -> Obj:
        """The shop submitted its details but left something to do: transfers inactive; `account.updated`."""
        account = self.account_get(account_id)
        before = copy.deepcopy(account)
        capabilities = account["capabilities"] or {"transfers": "inactive"}
        account.update(
            details_submitted=True,
            charges_enabled=False,
            payouts_enabled=False,
            capabilities=dict.fromkeys(capabilities, "inactive"),
            requirements=self._requirements(list(due), "requirements.past_due"),
            tos_acceptance={"date": self.now(), "ip": "127.0.0.1"},
        )
        return self._account_updated(account, before, call)

    def _account_updated(self, account: Obj, before: Obj, call: Call) -> Obj:
        previous = {key: value for key, value in before.items() if account.get(key) != value}
        self.emit("account.updated", account, call, account=account["id"], previous=previous)
        return account

    def account_deauthorize(self, account_id: str, call: Call = AUTOMATIC) -> Obj:
        """The shop disconnected the platform: `account.application.deauthorized`, the account out of reach."""
        self.account_get(account_id)
        self.deauthorized.add(account_id)
        application = {"id": "ca_vitrinefake", "object": "application", "name": "Vitrine (double de test)"}
        return self.emit("account.application.deauthorized", application, call, account=account_id)

    # --- checkout sessions --------------------------------------------------------------------

    def session_create(self, call: Call, params: Params) -> Obj:
        """POST /v1/checkout/sessions (mode=payment): an open session paid on the fake's hosted page."""
        mode = as_str(params, "mode", required=True, choices=("payment", "setup", "subscription"))
        if mode != "payment":
            raise StripeError("The Stripe fake supports mode=payment only.", param="mode")
        success_url = as_str(params, "success_url", required=True) or ""
        cancel_url = as_str(params, "cancel_url")
        for name, url in (("success_url", success_url), ("cancel_url", cancel_url)):
            if url and not url.startswith(("http://", "https://")):
                raise StripeError("Not a valid URL", code="url_invalid", param=name)
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeError("line_items is required in payment mode.", code="parameter_missing", param="line_items")
        line_items, currency = self._line_items(items)
        total = sum(item["amount_total"] for item in line_items)
        if total < MINIMUM_CHARGE:
            raise StripeError(
                f"The Checkout Session's total amount due must add up to at least {money(MINIMUM_CHARGE, currency)}",
                param="line_items",
            )
        created = self.now()
        expires_at = as_int(params, "expires_at")
        if expires_at is None:
            expires_at = created + SESSION_MAX_SECONDS
        elif not created + SESSION_MIN_SECONDS <= expires_at <= created + SESSION_MAX_SECONDS:
            raise StripeError(
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                param="expires_at",
            )
        email = as_str(params, "customer_email")
        if email and "@" not in email:
            raise StripeError(f"Invalid email address: {email}", code="email_invalid", param="customer_email")
        intent_data = as_dict(params, "payment_intent_data")
        choices = ("automatic", "automatic_async", "manual")
        as_str(intent_data, "capture_method", choices=choices, prefix="payment_intent_data")
        metadata_merge({}, intent_data, prefix="payment_intent_data")
        session_id = new_id("cs_test", 58)
        session: Obj = {
            "id": session_id,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": None,
            "amount_subtotal": total,
            "amount_total": total,
            "billing_address_collection": None,
            "cancel_url": cancel_url,
            "client_reference_id": as_str(params, "client_reference_id"),
            "client_secret": None,
            "created": created,
            "currency": currency,
            "customer": None,
            "customer_creation": "if_required",
            "customer_details": None,
            "customer_email": email,
            "expires_at": expires_at,
            "livemode": False,
            "locale": as_str(params, "locale"),
            "metadata": metadata_merge({}, params),
            "mode": mode,
            "payment_intent": None,
            "payment_link": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "success_url": success_url,
            "ui_mode": "hosted",
            "url": f"{self.public_url}/pay/{session_id}",
        }
        self.objects[session_id] = session
        self.open_sessions.add(session_id)
        self.session_intent_data[session_id] = intent_data
        self.session_line_items[session_id] = line_items
        return session

    def _line_items(self, items: list[Any]) -> tuple[list[Obj], str]:
        line_items: list[Obj] = []
        currencies: set[str] = set()
        for index, item in enumerate(items):
            where = f"line_items[{index}]"
            if not isinstance(item, dict):
                raise StripeError("Invalid line item", param=where)
            if "price" in item:
                raise StripeError("The Stripe fake takes price_data only, not stored prices.", param=f"{where}[price]")
            price_data = as_dict(item, "price_data")
            if not price_data:
                raise missing(f"{where}[price_data]")
            prices = f"{where}[price_data]"
            currency = (as_str(price_data, "currency", required=True, prefix=prices) or "").lower()
            unit_amount = as_int(price_data, "unit_amount", required=True, minimum=0, prefix=prices) or 0
            products = f"{prices}[product_data]"
            name = as_str(as_dict(price_data, "product_data"), "name", required=True, prefix=products)
            quantity = as_int(item, "quantity", required=True, minimum=1, prefix=where) or 1
            currencies.add(currency)
            line_items.append(
                {
                    "id": new_id("li"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": unit_amount * quantity,
                    "amount_tax": 0,
                    "amount_total": unit_amount * quantity,
                    "currency": currency,
                    "description": name,
                    "price": {
                        "id": new_id("price"),
                        "object": "price",
                        "currency": currency,
                        "unit_amount": unit_amount,
                        "product": new_id("prod", 14),
                        "type": "one_time",
                    },
                    "quantity": quantity,
                }
            )
        if len(currencies) > 1:
            raise StripeError("All line items must be in the same currency.", param="line_items")
        return line_items, currencies.pop()

    def session_line_items_list(self, session_id: str) -> Obj:
        """GET /v1/checkout/sessions/{id}/line_items."""
        self.get(session_id, "checkout.session")
        return listing(f"/v1/checkout/sessions/{session_id}/line_items", self.session_line_items[session_id])

    def line_items_of(self, session_id: str) -> list[Obj]:
        """The session's line items (for the hosted page)."""
        return self.session_line_items.get(session_id, [])

    def session_expire(self, call: Call, params: Params, session_id: str) -> Obj:
        """POST /v1/checkout/sessions/{id}/expire: only an open session; `checkout.session.expired`."""
        session = self.get(session_id, "checkout.session")
        if session["status"] != "open":
            raise StripeError(
                f"Only Checkout Sessions with a status of `open` can be expired. This session has a status of "
                f"`{session['status']}`."
            )
        return self._session_expire(session, call)

    def _session_expire(self, session: Obj, call: Call) -> Obj:
        self.open_sessions.discard(session["id"])
        session.update(status="expired", url=None)
        intent_id = session["payment_intent"]
        if intent_id:
            intent = self.objects[intent_id]
            if intent["status"] not in ("succeeded", "canceled", "requires_capture"):
                intent.update(status="canceled", canceled_at=self.now(), cancellation_reason="abandoned")
                self.emit("payment_intent.canceled", intent, call)
        self.emit("checkout.session.expired", session, call)
        return session

    # --- paying on the hosted page --------------------------------------------------------

    def checkout_attempt(self, session_id: str, *, card_number: str, email: str | None) -> Attempt:
        """The payer submits the hosted form: succeed, ask for 3-D Secure, or fail as the test card says."""
        session = self._session_payable(session_id)
        number = "".join(ch for ch in card_number if ch.isdigit())
        card = TEST_CARDS.get(number)
        if card is None:
            raise InputError("Numéro de carte inconnu : utilisez l'une des cartes de test ci-dessous.")
        if email is not None and "@" not in email:
            raise InputError("Adresse e-mail invalide.")
        if email:
            session["customer_details"] = {"email": email, "name": None, "phone": None, "address": None}
        intent = self._session_intent(session)
        if card.outcome == "succeed":
            return self._authorise(session, intent, card)
        if card.outcome == "authenticate":
            intent.update(
                status="requires_action",
                next_action={"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}},
            )
            self.challenges[session_id] = card.number
            self.emit("payment_intent.requires_action", intent, AUTOMATIC)
            return Attempt("authenticate")
        code, message, french = DECLINES[card.decline_code]
        charge = self._charge_create(intent, card, failed=(code, message))
        self._intent_failed(intent, code, message, card.decline_code, charge=charge["id"])
        return Attempt("failed", message=french)

    def checkout_authenticate(self, session_id: str, *, succeed: bool) -> Attempt:
        """The payer answers the 3-D Secure challenge."""
        session = self._session_payable(session_id)
        number = self.challenges.pop(session_id, None)
        if number is None:
            raise PageError("Aucune authentification n'est en attente pour ce paiement.")
        intent = self._session_intent(session)
        if succeed:
            return self._authorise(session, intent, TEST_CARDS[number])
        code, message, french = AUTHENTICATION_FAILED
        self._intent_failed(intent, code, message, None, charge=None, error_type="invalid_request_error")
        return Attempt("failed", message=french)

    def _session_payable(self, session_id: str) -> Obj:
        self.sweep()
        session = self.objects.get(session_id)
        if session is None or session["object"] != "checkout.session":
            raise PageError("Cette session de paiement n'existe pas.")
        if session["status"] == "expired":
            raise PageError("Cette session de paiement a expiré : revenez au site pour recommencer.")
        if session["status"] == "complete":
            raise PageError("Ce paiement a déjà été effectué.")
        return session

    def _session_intent(self, session: Obj) -> Obj:
        """The session's PaymentIntent, created on the first attempt from payment_intent_data."""
        if session["payment_intent"]:
            return self.objects[session["payment_intent"]]
        data = self.session_intent_data[session["id"]]
        intent_id = new_id("pi")
        intent: Obj = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_capturable": 0,
            "amount_received": 0,
            "application_fee_amount": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": data.get("capture_method") or "automatic_async",
            "client_secret": f"{intent_id}_secret_{new_id('s', 16)[2:]}",
            "confirmation_method": "automatic",
            "created": self.now(),
            "currency": session["currency"],
            "customer": None,
            "description": data.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(data.get("metadata") or {}),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_types": ["card"],
            "receipt_email": data.get("receipt_email"),
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": data.get("transfer_group"),
        }
        self.objects[intent_id] = intent
        self.intent_sessions[intent_id] = session["id"]
        self._own_like(intent_id, session["id"])
        session["payment_intent"] = intent_id
        self.emit("payment_intent.created", intent, AUTOMATIC)
        return intent

    def _charge_create(self, intent: Obj, card: Card, *, failed: tuple[str, str] | None = None) -> Obj:
        session = self.objects[self.intent_sessions[intent["id"]]]
        session_email = (session["customer_details"] or {}).get("email") or session["customer_email"]
        charge: Obj = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0,
            "amount_refunded": 0,
            "balance_transaction": None,
            "billing_details": {"email": session_email, "name": None, "phone": None, "address": None},
            "captured": False,
            "created": self.now(),
            "currency": intent["currency"],
            "description": intent["description"],
            "disputed": False,
            "failure_code": failed[0] if failed else None,
            "failure_message": failed[1] if failed else None,
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "outcome": {
                "network_status": "declined_by_network" if failed else "approved_by_network",
                "reason": card.decline_code or None,
                "seller_message": "The bank did not return any further details." if failed else "Payment complete.",
                "type": "issuer_declined" if failed else "authorized",
            },
            "paid": not failed,
            "payment_intent": intent["id"],
            "payment_method": new_id("pm"),
            "payment_method_details": {
                "type": "card",
                "card": {"brand": card.brand, "last4": card.last4, "exp_month": 12, "exp_year": 2034, "country": "US"},
            },
            "receipt_email": intent["receipt_email"] or session_email,
            "refunded": False,
            "status": "failed" if failed else "succeeded",
            "transfer_group": intent["transfer_group"],
        }
        self.objects[charge["id"]] = charge
        self._own_like(charge["id"], intent["id"])
        intent["latest_charge"] = charge["id"]
        intent["payment_method"] = charge["payment_method"]
        self.emit("charge.failed" if failed else "charge.succeeded", charge, AUTOMATIC)
        return charge

    def _intent_failed(
        self,
        intent: Obj,
        code: str,
        message: str,
        decline_code: str | None,
        *,
        charge: str | None,
        error_type: str = "card_error",
    ) -> None:
        error: Obj = {"type": error_type, "code": code, "message": message, "decline_code": decline_code}
        if charge:
            error["charge"] = charge
        intent.update(status="requires_payment_method", next_action=None, last_payment_error=error)
        self.emit("payment_intent.payment_failed", intent, AUTOMATIC)

    def _authorise(self, session: Obj, intent: Obj, card: Card) -> Attempt:
        charge = self._charge_create(intent, card)
        manual = intent["capture_method"] == "manual"
        intent.update(next_action=None, last_payment_error=None)
        if manual:
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
            self.authorised_intents.add(intent["id"])
            self.emit("payment_intent.amount_capturable_updated", intent, AUTOMATIC)
        else:
            charge.update(captured=True, amount_captured=charge["amount"])
            intent.update(status="succeeded", amount_received=intent["amount"])
            self.emit("payment_intent.succeeded", intent, AUTOMATIC)
        self.open_sessions.discard(session["id"])
        session.update(status="complete", payment_status="unpaid" if manual else "paid", url=None)
        self.emit("checkout.session.completed", session, AUTOMATIC)
        return Attempt("succeeded", redirect=session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))

    # --- payment intents ----------------------------------------------------------------------

    def intent_capture(self, call: Call, params: Params, intent_id: str) -> Obj:
        """POST /v1/payment_intents/{id}/capture: all or part of what is authorised; the rest is released."""
        intent = self.get(intent_id, "payment_intent")
        if intent["status"] != "requires_capture":
            raise StripeError(
                f"This PaymentIntent could not be captured because it has a status of {intent['status']}. Only a "
                "PaymentIntent with one of the following statuses may be captured: requires_capture.",
                code="payment_intent_unexpected_state",
                extra={"payment_intent": self.view(intent)},
            )
        amount = as_int(params, "amount_to_capture")
        if amount is None:
            amount = intent["amount_capturable"]
        if amount <= 0:
            raise StripeError("Amount must be greater than zero.", code="amount_too_small", param="amount_to_capture")
        if amount > intent["amount_capturable"]:
            raise StripeError(
                f"The amount to capture ({amount}) must be less than or equal to the amount capturable "
                f"({intent['amount_capturable']}).",
                code="amount_too_large",
                param="amount_to_capture",
            )
        intent["metadata"] = metadata_merge(intent["metadata"], params)
        charge = self.objects[intent["latest_charge"]]
        charge.update(captured=True, amount_captured=amount, balance_transaction=new_id("txn"))
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        self.authorised_intents.discard(intent_id)
        self.emit("charge.captured", charge, call)
        self.emit("payment_intent.succeeded", intent, call)
        return intent

    def intent_cancel(self, call: Call, params: Params, intent_id: str) -> Obj:
        """POST /v1/payment_intents/{id}/cancel: only before it succeeded; an authorisation is released."""
        intent = self.get(intent_id, "payment_intent")
        reason = as_str(
            params, "cancellation_reason", choices=("duplicate", "fraudulent", "requested_by_customer", "abandoned")
        )
        if intent["status"] in ("succeeded", "canceled"):
            raise StripeError(
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}. Only a "
                "PaymentIntent with one of the following statuses may be canceled: requires_payment_method, "
                "requires_capture, requires_confirmation, requires_action, processing.",
                code="payment_intent_unexpected_state",
                extra={"payment_intent": self.view(intent)},
            )
        session_id = self.intent_sessions.get(intent_id)
        if session_id in self.open_sessions:
            raise StripeError(
                "You cannot cancel this PaymentIntent because it was created by Checkout. To cancel it, expire "
                f"the Checkout Session {session_id} instead.",
                code="payment_intent_unexpected_state",
            )
        self.authorised_intents.discard(intent_id)
        intent.update(status="canceled", canceled_at=self.now(), cancellation_reason=reason, amount_capturable=0)
        self.emit("payment_intent.canceled", intent, call)
        return intent

    # --- refunds ------------------------------------------------------------------------------

    def refund_create(self, call: Call, params: Params) -> Obj:
        """POST /v1/refunds: up to what was captured and not yet refunded."""
        intent_id = as_str(params, "payment_intent")
        charge_id = as_str(params, "charge")
        if not intent_id and not charge_id:
            raise StripeError(
                "One of the following params should be provided for this request: payment_intent or charge.",
                code="parameter_missing",
            )
        if intent_id:
            intent = self.get(intent_id, "payment_intent", param="payment_intent")
            if not intent["latest_charge"] or intent["status"] in ("requires_payment_method", "requires_action"):
                raise StripeError(
                    f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                    code="charge_not_refundable",
                    param="payment_intent",
                )
            if charge_id and charge_id != intent["latest_charge"]:
                raise StripeError("The charge does not belong to this PaymentIntent.", param="charge")
            charge_id = intent["latest_charge"]
        charge = self.get(charge_id or "", "charge", param="charge")
        if as_bool(params, "reverse_transfer"):
            raise StripeError(
                "You cannot reverse a transfer on a charge that was not a destination charge: reverse the "
                "transfer itself (POST /v1/transfers/{id}/reversals).",
                param="reverse_transfer",
            )
        reason = as_str(params, "reason", choices=("duplicate", "fraudulent", "requested_by_customer"))
        if charge["disputed"]:
            raise StripeError(
                f"Charge {charge['id']} has been charged back; cannot issue a refund.", code="charge_disputed"
            )
        if not charge["captured"]:
            raise StripeError(
                f"Charge {charge['id']} has not been captured: cancel its PaymentIntent to release it instead.",
                code="charge_not_refundable",
            )
        left = charge["amount_captured"] - charge["amount_refunded"]
        if left <= 0:
            raise StripeError(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        amount = _amount_within(
            params,
            left,
            lambda amount: (
                f"Refund amount ({money(amount, charge['currency'])}) is greater than unrefunded amount "
                f"on charge ({money(left, charge['currency'])})"
            ),
        )
        refund: Obj = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": new_id("txn"),
            "charge": charge["id"],
            "created": self.now(),
            "currency": charge["currency"],
            "metadata": metadata_merge({}, params),
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "status": "succeeded",
        }
        self.objects[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        self.emit("charge.refunded", charge, call)
        self.emit("refund.created", refund, call)
        return refund

    # --- transfers ----------------------------------------------------------------------------

    def transfer_create(self, call: Call, params: Params) -> Obj:
        """POST /v1/transfers: to an account that can receive transfers, within the source charge's funds."""
        amount = as_int(params, "amount", required=True) or 0
        if amount <= 0:
            raise StripeError("Amount must be greater than zero.", code="amount_too_small", param="amount")
        currency = (as_str(params, "currency", required=True) or "").lower()
        destination = as_str(params, "destination", required=True) or ""
        if destination in self.deauthorized or not isinstance(self.objects.get(destination), dict):
            raise StripeError(f"No such destination: '{destination}'", code="resource_missing", param="destination")
        account = self.get(destination, "account", param="destination")
        if account["capabilities"].get("transfers") != "active":
            raise StripeError(
                "Your destination account needs to have at least one of the following capabilities enabled: "
                "transfers, crypto_transfers, legacy_payments",
                code="insufficient_capabilities_for_transfer",
                param="destination",
            )
        source_id = as_str(params, "source_transaction")
        if source_id:
            charge = self.get(source_id, "charge", param="source_transaction")
            if not charge["captured"]:
                raise StripeError(
                    f"The source_transaction charge {source_id} has not been captured.", param="source_transaction"
                )
            if charge["currency"] != currency:
                raise StripeError(
                    f"The currency of source_transaction's balance transaction ({charge['currency']}) must be the "
                    f"same as the transfer currency ({currency})",
                    param="currency",
                )
            available = charge["amount_captured"] - charge["amount_refunded"] - self._transferred(source_id)
            if amount > available:
                raise StripeError(
                    f"The transfer amount ({amount}) exceeds the funds left on the source transaction {source_id} "
                    f"({max(available, 0)}).",
                    code="balance_insufficient",
                    param="amount",
                )
        elif amount > self.platform_balance(currency):
            raise StripeError(
                "You have insufficient funds in your Stripe account. One likely reason you have insufficient funds "
                "is that your funds are automatically being paid out.",
                code="balance_insufficient",
            )
        transfer: Obj = {
            "id": new_id("tr"),
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "balance_transaction": new_id("txn"),
            "created": self.now(),
            "currency": currency,
            "description": as_str(params, "description"),
            "destination": destination,
            "destination_payment": new_id("py"),
            "livemode": False,
            "metadata": metadata_merge({}, params),
            "reversals": listing("", []),
            "reversed": False,
            "source_transaction": source_id,
            "source_type": "card",
            "transfer_group": as_str(params, "transfer_group"),
        }
        transfer["reversals"]["url"] = f"/v1/transfers/{transfer['id']}/reversals"
        self.objects[transfer["id"]] = transfer
        self.emit("transfer.created", transfer, call)
        return transfer

    def _transferred(self, charge_id: str) -> int:
        return sum(
            obj["amount"] - obj["amount_reversed"]
            for obj in self.objects.values()
            if obj["object"] == "transfer" and obj["source_transaction"] == charge_id
        )

    def platform_balance(self, currency: str) -> int:
        """What the platform holds: captured, less refunded, less transferred (net of reversals)."""
        total = 0
        for obj in self.objects.values():
            if obj.get("currency") != currency:
                continue
            if obj["object"] == "charge":
                total += obj["amount_captured"] - obj["amount_refunded"]
            elif obj["object"] == "transfer":
                total -= obj["amount"] - obj["amount_reversed"]
        return total

    def reversal_create(self, call: Call, params: Params, transfer_id: str) -> Obj:
        """POST /v1/transfers/{id}/reversals: up to what is transferred and not yet reversed."""
        transfer = self.get(transfer_id, "transfer")
        left = transfer["amount"] - transfer["amount_reversed"]
        if left <= 0:
            raise StripeError(f"Transfer {transfer_id} has already been fully reversed.", param="amount")
        amount = _amount_within(
            params,
            left,
            lambda amount: f"Amount ({amount}) must be no more than the transfer's unreversed amount ({left}).",
        )
        reversal: Obj = {
            "id": new_id("trr"),
            "object": "transfer_reversal",
            "amount": amount,
            "balance_transaction": new_id("txn"),
            "created": self.now(),
            "currency": transfer["currency"],
            "destination_payment_refund": new_id("pyr"),
            "metadata": metadata_merge({}, params),
            "source_refund": None,
            "transfer": transfer_id,
        }
        self.objects[reversal["id"]] = reversal
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
        transfer["reversals"]["data"].insert(0, copy.deepcopy(reversal))
        transfer["reversals"]["total_count"] = len(transfer["reversals"]["data"])
        self.emit("transfer.reversed", transfer, call)
        return reversal

    # --- disputes -----------------------------------------------------------------------------

    def dispute_open(self, charge_id: str, *, amount: int | None = None, reason: str = "fraudulent") -> Obj:
        """The cardholder's bank opens a dispute on a captured charge: `charge.dispute.created`."""
        charge = self.get(charge_id, "charge")
        if not charge["captured"]:
            raise StripeError(f"Charge {charge_id} was not captured: it cannot be disputed.")
        created = self.now()
        dispute: Obj = {
            "id": new_id("du"),
            "object": "dispute",
            "amount": charge["amount_captured"] if amount is None else amount,
            "balance_transactions": [],
            "charge": charge_id,
            "created": created,
            "currency": charge["currency"],
            "evidence_details": {
                "due_by": created + 7 * 24 * 3600,
                "has_evidence": False,
                "past_due": False,
                "submission_count": 0,
            },
            "is_charge_refundable": False,
            "livemode": False,
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "status": "needs_response",
        }
        self.objects[dispute["id"]] = dispute
        charge["disputed"] = True
        self.emit("charge.dispute.created", dispute, AUTOMATIC)
        return dispute

    def dispute_close(self, dispute_id: str, *, won: bool) -> Obj:
        """The bank decides: `charge.dispute.closed` with status won or lost."""
        dispute = self.get(dispute_id, "dispute")
        if dispute["status"] in ("won", "lost"):
            raise StripeError(f"Dispute {dispute_id} is already closed.")
        dispute["status"] = "won" if won else "lost"
        self.emit("charge.dispute.closed", dispute, AUTOMATIC)
        return dispute

    # --- payouts and balances ---------------------------------------------------------------------

    def payout_make(self, account_id: str, *, amount: int | None = None, failed: bool = False) -> Obj:
        """Stripe pays the shop's balance out to its bank (`payout.paid`), or fails to (`payout.failed`)."""
        self.account_get(account_id)
        created = self.now()
        payout: Obj = {
            "id": new_id("po"),
            "object": "payout",
            "amount": self.account_balance(account_id, "eur") if amount is None else amount,
            "arrival_date": created + 2 * 24 * 3600,
            "automatic": True,
            "created": created,
            "currency": "eur",
            "destination": new_id("ba"),
            "failure_code": "account_closed" if failed else None,
            "failure_message": "The bank account has been closed." if failed else None,
            "livemode": False,
            "metadata": {},
            "method": "standard",
            "status": "failed" if failed else "paid",
        }
        self.objects[payout["id"]] = payout
        self.owners[payout["id"]] = account_id
        self.emit("payout.failed" if failed else "payout.paid", payout, AUTOMATIC, account=account_id)
        return payout

    def account_balance(self, account_id: str, currency: str) -> int:
        """A connected account's balance: transfers to it, less reversals, less payouts made."""
        total = 0
        for obj in self.objects.values():
            if obj["object"] == "transfer" and obj["destination"] == account_id and obj["currency"] == currency:
                total += obj["amount"] - obj["amount_reversed"]
            elif obj["object"] == "payout" and self.owners.get(obj["id"]) == account_id:
                total -= obj["amount"] if obj["status"] == "paid" else 0
        return total

    def balance_get(self, call: Call) -> Obj:
        """GET /v1/balance: the platform's, or the connected account's with a Stripe-Account header."""
        currency = "eur"
        amount = (
            self.account_balance(call.stripe_account, currency)
            if call.stripe_account
            else self.platform_balance(currency)
        )
        return {
            "object": "balance",
            "available": [{"amount": amount, "currency": currency, "source_types": {"card": amount}}],
            "livemode": False,
            "pending": [{"amount": 0, "currency": currency, "source_types": {"card": 0}}],
        }

    def payouts_list(self, call: Call, params: Params) -> Obj:
        """GET /v1/payouts with a Stripe-Account header: that account's payouts, newest first."""
        mine = [
            obj
            for obj in reversed(self.objects.values())
            if obj["object"] == "payout" and self.owners.get(obj["id"]) == call.stripe_account
        ]
        return self._page_of(mine, "/v1/payouts", params)

    # --- lists ------------------------------------------------------------------------------------

    def objects_list(self, call: Call, kind: str, url: str, params: Params) -> Obj:
        """GET on a list endpoint: objects of that kind (of the Stripe-Account's, if given), newest first."""
        filters = {name: params[name] for name in LIST_FILTERS[kind] if params.get(name)}
        found = [
            obj
            for obj in reversed(self.objects.values())
            if obj["object"] == kind
            and self.owners.get(obj["id"]) == call.stripe_account
            and all(obj.get(name) == value for name, value in filters.items())
        ]
        return self._page_of(found, url, params)

    def _page_of(self, found: list[Obj], url: str, params: Params) -> Obj:
        limit = min(as_int(params, "limit", minimum=1) or 10, 100)
        after = as_str(params, "starting_after")
        if after:
            ids = [obj["id"] for obj in found]
            found = found[ids.index(after) + 1 :] if after in ids else []
        page = listing(url, found[:limit])
        page["has_more"] = len(found) > limit
        return page

    # --- events ---------------------------------------------------------------------------------

    def events_list(self, call: Call, params: Params) -> Obj:
        """GET /v1/events: the platform's or the Stripe-Account's, newest first, filtered by `type`."""
        kind = as_str(params, "type")
        events = [
            event
            for event in reversed(self.events)
            if kind in (None, event["type"]) and event.get("account") == call.stripe_account
        ]
        return self._page_of(events, "/v1/events", params)
