"""The fake Stripe server: HTTP routing, idempotency, the request log, faults on demand, and its controls.

`StripeFake` runs a `ThreadingHTTPServer` in a thread. The real stripe-python client is
pointed at `fake.base_url`; tests read what Vitrine sent (`fake.requests_to(...)`), play the
payer, the shop and the bank (`checkout_pay`, `account_complete`, `dispute_open`), and make
Stripe misbehave (`fail_next`, `hang_next`, `crash_after_applying_next`, `delivery`, `hold`).
"""

from __future__ import annotations

import copy
import fnmatch
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import stripe

from vitrine.testing.stripe_fake import pages
from vitrine.testing.stripe_fake.cards import CARD_SUCCEEDS, Attempt, InputError, PageError
from vitrine.testing.stripe_fake.forms import FormError, form_parse
from vitrine.testing.stripe_fake.params import (
    API_VERSION,
    IDEMPOTENCY_MISMATCH,
    Call,
    Obj,
    Params,
    StripeError,
    as_bool,
    as_int,
    as_str,
    new_id,
)
from vitrine.testing.stripe_fake.state import LIST_FILTERS, StripeState
from vitrine.testing.stripe_fake.webhooks import (
    Deliverer,
    Delivery,
    DeliveryMode,
    WebhookEndpoint,
    Webhooks,
    signed,
)

logger = logging.getLogger("vitrine.testing.stripe_fake")

T = TypeVar("T")
API_KEY = "sk_test_vitrine_fake"
PUBLISHABLE_KEY = "pk_test_vitrine_fake"
PLATFORM_SECRET = "whsec_vitrine_fake_platform"
CONNECT_SECRET = "whsec_vitrine_fake_connect"
ALWAYS_ALLOWED = {"expand"}


@dataclass
class RecordedRequest:
    """One request the fake received: what contract tests assert on."""

    method: str
    path: str
    params: Params
    idempotency_key: str | None
    stripe_account: str | None
    stripe_version: str | None
    status: int | None = None  # None: no answer (a hang or a crash on purpose)
    replayed: bool = False  # answered from the idempotency store

    def as_json(self) -> Obj:
        """The record as JSON-ready data."""
        return asdict(self)


FaultKind = Literal["fail", "hang", "crash"]
FAULT_KINDS: dict[str, FaultKind] = {"fail": "fail", "hang": "hang", "crash": "crash"}


@dataclass
class Fault:
    """A misbehaviour waiting for the next matching requests."""

    kind: FaultKind
    method: str
    path: str  # an fnmatch pattern: "/v1/payment_intents/*/capture"
    status: int = 500
    seconds: float = 0.0
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)


@dataclass
class Response:
    """What the handler sends back; `drop` closes the connection without a word."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    @classmethod
    def json(cls, status: int, data: Any, **headers: str) -> Response:
        return cls(status, json.dumps(data, indent=2).encode(), headers=dict(headers))

    @classmethod
    def html(cls, status: int, text: str) -> Response:
        return cls(status, text.encode(), content_type="text/html; charset=utf-8")

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(303, b"", content_type="text/plain", headers={"Location": location})


@dataclass(frozen=True)
class _Stored:
    method: str
    path: str
    params: Params
    status: int
    body: bytes
    request_id: str


Handler = Callable[[StripeState, Call, Params, tuple[str, ...]], Obj]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    allowed: frozenset[str] | None  # top-level parameters Stripe accepts (None: any)


def _route(method: str, path: str, handler: Handler, allowed: str | None = None) -> _Route:
    names = frozenset(allowed.split()) | ALWAYS_ALLOWED if allowed is not None else None
    return _Route(method, re.compile(f"^{path}$"), handler, names)


def _getter(kind: str) -> Handler:
    return lambda state, call, params, ids: state.get(ids[0], kind)


def _lister(kind: str, url: str) -> Handler:
    return lambda state, call, params, ids: state.objects_list(call, kind, url, params)


_ID = r"([A-Za-z0-9_]+)"
_PAGING = "limit starting_after ending_before created"
ROUTES = (
    _route(
        "POST",
        "/v1/accounts",
        lambda s, c, p, ids: s.account_create(c, p),
        "type controller country email business_type business_profile capabilities metadata default_currency "
        "settings tos_acceptance individual company external_account",
    ),
    _route("GET", f"/v1/accounts/{_ID}", lambda s, c, p, ids: s.account_get(ids[0])),
    _route(
        "POST",
        f"/v1/accounts/{_ID}",
        lambda s, c, p, ids: s.account_update(c, p, ids[0]),
        "metadata email business_profile",
    ),
    _route("POST", f"/v1/accounts/{_ID}/login_links", lambda s, c, p, ids: s.login_link_create(c, p, ids[0]), ""),
    _route(
        "POST",
        "/v1/account_links",
        lambda s, c, p, ids: s.account_link_create(c, p),
        "account refresh_url return_url type collect collection_options",
    ),
    _route(
        "POST",
        "/v1/checkout/sessions",
        lambda s, c, p, ids: s.session_create(c, p),
        "mode line_items customer_email client_reference_id success_url cancel_url expires_at metadata "
        "payment_intent_data payment_method_types locale currency submit_type custom_text "
        "billing_address_collection phone_number_collection ui_mode consent_collection allow_promotion_codes "
        "invoice_creation automatic_tax customer customer_creation",
    ),
    _route("GET", f"/v1/checkout/sessions/{_ID}", _getter("checkout.session")),
    _route("GET", f"/v1/checkout/sessions/{_ID}/line_items", lambda s, c, p, ids: s.session_line_items_list(ids[0])),
    _route("POST", f"/v1/checkout/sessions/{_ID}/expire", lambda s, c, p, ids: s.session_expire(c, p, ids[0]), ""),
    _route("GET", f"/v1/payment_intents/{_ID}", _getter("payment_intent")),
    _route(
        "POST",
        f"/v1/payment_intents/{_ID}/capture",
        lambda s, c, p, ids: s.intent_capture(c, p, ids[0]),
        "amount_to_capture metadata application_fee_amount final_capture statement_descriptor "
        "statement_descriptor_suffix transfer_data",
    ),
    _route(
        "POST",
        f"/v1/payment_intents/{_ID}/cancel",
        lambda s, c, p, ids: s.intent_cancel(c, p, ids[0]),
        "cancellation_reason",
    ),
    _route("GET", f"/v1/charges/{_ID}", _getter("charge")),
    _route(
        "POST",
        "/v1/refunds",
        lambda s, c, p, ids: s.refund_create(c, p),
        "payment_intent charge amount metadata reason refund_application_fee reverse_transfer instructions_email",
    ),
    _route("GET", f"/v1/refunds/{_ID}", _getter("refund")),
    _route(
        "POST",
        "/v1/transfers",
        lambda s, c, p, ids: s.transfer_create(c, p),
        "amount currency destination transfer_group source_transaction metadata description source_type",
    ),
    _route("GET", f"/v1/transfers/{_ID}", _getter("transfer")),
    _route(
        "POST",
        f"/v1/transfers/{_ID}/reversals",
        lambda s, c, p, ids: s.reversal_create(c, p, ids[0]),
        "amount description metadata refund_application_fee",
    ),
    _route("GET", f"/v1/transfers/{_ID}/reversals", lambda s, c, p, ids: s.get(ids[0], "transfer")["reversals"]),
    _route("GET", f"/v1/disputes/{_ID}", _getter("dispute")),
    _route("GET", f"/v1/events/{_ID}", _getter("event")),
    _route("GET", "/v1/events", lambda s, c, p, ids: s.events_list(c, p), f"type {_PAGING}"),
    _route("GET", "/v1/balance", lambda s, c, p, ids: s.balance_get(c), ""),
    _route("GET", "/v1/payouts", lambda s, c, p, ids: s.payouts_list(c, p), f"status {_PAGING}"),
    _route("GET", f"/v1/payouts/{_ID}", _getter("payout")),
    *(
        _route("GET", url, _lister(kind, url), " ".join(LIST_FILTERS[kind]) + f" {_PAGING}")
        for kind, url in (
            ("account", "/v1/accounts"),
            ("charge", "/v1/charges"),
            ("checkout.session", "/v1/checkout/sessions"),
            ("dispute", "/v1/disputes"),
            ("payment_intent", "/v1/payment_intents"),
            ("refund", "/v1/refunds"),
            ("transfer", "/v1/transfers"),
        )
    ),
)


class StripeFake:
    """A local, stateful stand-in for Stripe's API, hosted pages and webhooks.

    >>> with StripeFake(webhooks=Webhooks(platform=WebhookEndpoint(url, secret))) as fake:
    ...     client = fake.client()
    ...     session = client.v1.checkout.sessions.create(params={...})
    ...     fake.checkout_pay(session.id)
    ...     fake.wait_idle()
    """

    def __init__(
        self,
        *,
        webhooks: Webhooks | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
    ) -> None:
        self.state = StripeState()
        self.deliverer = Deliverer(webhooks)
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self._idempotency: dict[tuple[str, str], _Stored] = {}
        self._host = host
        self._port = port
        self._public_url = public_url
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    # --- life ----------------------------------------------------------------------------------

    def start(self) -> StripeFake:
        """Listen (on a free port unless one was given) and start delivering webhooks."""
        self._server = _Server((self._host, self._port), _Handler)
        self._server.fake = self
        self.state.public_url = (self._public_url or self.base_url).rstrip("/")
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="stripe-fake", daemon=True
        )
        self._thread.start()
        self.deliverer.start()
        return self

    def stop(self) -> None:
        """Stop serving and delivering."""
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self.deliverer.stop()

    def __enter__(self) -> StripeFake:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`, for `base_addresses` and STRIPE_API_BASE."""
        if self._server is None:
            raise RuntimeError("The Stripe fake is not started.")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def webhooks(self) -> Webhooks:
        """The two webhook endpoints; assign a new Webhooks to change them (e.g. once the web server runs)."""
        return self.deliverer.webhooks

    @webhooks.setter
    def webhooks(self, value: Webhooks) -> None:
        self.deliverer.webhooks = value

    def client(self, api_key: str = API_KEY, **options: Any) -> stripe.StripeClient:
        """A real stripe-python client pointed at the fake."""
        base = self.base_url
        return stripe.StripeClient(api_key, base_addresses={"api": base, "connect": base, "files": base}, **options)

    def settings(self) -> dict[str, str]:
        """Vitrine's Stripe settings for this fake (override them in tests, or pass them as environment)."""
        platform, connect = self.webhooks.platform, self.webhooks.connect
        return {
            "STRIPE_SECRET_KEY": API_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET_PLATFORM": platform.secret if platform else PLATFORM_SECRET,
            "STRIPE_WEBHOOK_SECRET_CONNECT": connect.secret if connect else CONNECT_SECRET,
            "STRIPE_API_BASE": self.base_url,
        }

    # --- what happened -------------------------------------------------------------------------

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """The recorded requests whose path matches `path` (exact, or an fnmatch pattern with `*`)."""
        with self.state.lock:
            return [
                request
                for request in self.requests
                if fnmatch.fnmatchcase(request.path, path) and method in (None, request.method)
            ]

    @property
    def events(self) -> list[Obj]:
        """Every event, oldest first."""
        with self.state.lock:
            return list(self.state.events)

    def events_of(self, kind: str) -> list[Obj]:
        """The events of one type, oldest first."""
        return [event for event in self.events if event["type"] == kind]

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery attempt, in the order they were made."""
        return list(self.deliverer.deliveries)

    def signed(self, event: Obj, *, secret: str | None = None, timestamp_shift: int = 0) -> tuple[bytes, str]:
        """The event's body and Stripe-Signature header, signed with its endpoint's secret (or `secret`)."""
        endpoint = self.deliverer.endpoint(self.deliverer.target_of(event))
        key = secret or (endpoint.secret if endpoint else None)
        if key is None:
            raise ValueError(f"No webhook endpoint (so no secret) for {event['type']}: pass `secret`.")
        return signed(event, key, timestamp_shift=timestamp_shift)

    def get(self, object_id: str) -> Obj:
        """A copy of a stored object (any kind), for assertions."""
        with self.state.lock:
            return self.state.view(self.state.objects[object_id])

    def reset(self) -> None:
        """Forget everything (objects, events, requests, faults, delivery modes): a fake as new, same address."""
        fresh = StripeState()
        fresh.public_url = self.state.public_url
        with self.state.lock:
            self.state = fresh
            self.requests = []
            self.faults = []
            self._idempotency = {}
        self.deliverer.reset()

    def idempotency_forget(self) -> None:
        """Forget every idempotency key, as Stripe does after 24 hours: a key sent again makes a new request."""
        with self.state.lock:
            self._idempotency = {}

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until every event so far is delivered (retries included; held ones excepted)."""
        self.deliverer.wait_idle(timeout)

    # --- the payer, the shop, the bank ---------------------------------------------------------

    def checkout_pay(
        self,
        session_id: str,
        *,
        card: str = CARD_SUCCEEDS,
        email: str | None = "client@example.fr",
        authenticate: bool = True,
    ) -> Attempt:
        """Pay a Checkout Session as the hosted page does; a 3-D Secure card is then authenticated or failed."""
        attempt = self._apply(lambda: self.state.checkout_attempt(session_id, card_number=card, email=email))
        if attempt.outcome == "authenticate":
            attempt = self._apply(lambda: self.state.checkout_authenticate(session_id, succeed=authenticate))
        return attempt

    def account_complete(self, account_id: str) -> Obj:
        """The shop finishes onboarding (as with the hosted page's first button)."""
        return self._apply(lambda: self.state.account_complete(account_id))

    def account_leave_due(self, account_id: str, due: tuple[str, ...] = ("external_account",)) -> Obj:
        """The shop submits its details but leaves `due` to do (transfers inactive)."""
        return self._apply(lambda: self.state.account_leave_due(account_id, due))

    def account_deauthorize(self, account_id: str) -> Obj:
        """The shop disconnects the platform from its account."""
        return self._apply(lambda: self.state.account_deauthorize(account_id))

    def dispute_open(self, charge_id: str, *, amount: int | None = None, reason: str = "fraudulent") -> Obj:
        """The cardholder disputes the charge (`charge.dispute.created`)."""
        return self._apply(lambda: self.state.dispute_open(charge_id, amount=amount, reason=reason))

    def dispute_close(self, dispute_id: str, *, won: bool) -> Obj:
        """The dispute is decided (`charge.dispute.closed`, won or lost)."""
        return self._apply(lambda: self.state.dispute_close(dispute_id, won=won))

    def payout_make(self, account_id: str, *, amount: int | None = None, failed: bool = False) -> Obj:
        """Stripe pays the shop's balance out (`payout.paid`), or fails to (`payout.failed`), on Connect."""
        return self._apply(lambda: self.state.payout_make(account_id, amount=amount, failed=failed))

    def clock_advance(self, seconds: int) -> None:
        """Move the fake's clock forward: sessions past their `expires_at` expire (with their events)."""

        def advance() -> None:
            self.state.clock_offset += seconds
            self.state.sweep()

        self._apply(advance)

    # --- misbehaviour on demand ------------------------------------------------------------------

    @property
    def delivery(self) -> DeliveryMode:
        """How webhooks misbehave: `fake.delivery.duplicates = True`, `.drop`, `.wrong_secret`, `.timestamp_shift`."""
        return self.deliverer.mode

    def hold(self) -> None:
        """Keep events back (stored, not delivered) until `release`."""
        self.deliverer.hold()

    def release(self, *, reverse: bool = False) -> int:
        """Deliver the held events, in order or in reverse order; how many there were."""
        return self.deliverer.release(reverse=reverse)

    def fail_next(self, path: str, *, method: str = "POST", status: int = 500, times: int = 1) -> None:
        """Answer the next `times` matching requests with a Stripe api_error of `status`, doing nothing."""
        self._fault(Fault("fail", method, path, status=status, times=times))

    def hang_next(self, path: str, *, method: str = "POST", seconds: float = 30.0, times: int = 1) -> None:
        """Keep the next `times` matching requests waiting `seconds`, then drop them unanswered, doing nothing."""
        self._fault(Fault("hang", method, path, seconds=seconds, times=times))

    def crash_after_applying_next(
        self, path: str, *, method: str = "POST", times: int = 1, seconds: float = 0.0
    ) -> None:
        """Apply the next matching request (and keep its idempotent result), then drop the connection unanswered
        (after `seconds`: time for a test to kill the process waiting for the answer)."""
        self._fault(Fault("crash", method, path, times=times, seconds=seconds))

    def _fault(self, fault: Fault) -> None:
        with self.state.lock:
            self.faults.append(fault)

    def _take_fault(self, method: str, path: str, kinds: tuple[str, ...]) -> Fault | None:
        with self.state.lock:
            for fault in self.faults:
                if fault.kind in kinds and fault.matches(method, path):
                    fault.times -= 1
                    return fault
            return None

    # --- applying operations -----------------------------------------------------------------------

    def _apply(self, operation: Callable[[], T]) -> T:
        """Run an in-process operation under the lock, then queue the events it emitted."""
        with self.state.lock:
            try:
                return copy.deepcopy(operation())  # a copy: the test holds a snapshot, not the fake's state
            finally:
                self.deliverer.enqueue(self.state.take_outbox())

    # --- HTTP ---------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Message, body: bytes, events: list[Obj]) -> Response:
        """Answer one HTTP request; the events it caused are appended to `events` (queued after the answer)."""
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        try:
            params = form_parse(url.query)
            if method == "POST" and body:
                params.update(form_parse(body.decode()))
        except (FormError, UnicodeDecodeError) as error:
            return Response.json(400, StripeError(f"Invalid request body: {error}").body())
        if path.startswith("/_fake/"):
            return self._control(method, path, params, events)
        record = RecordedRequest(
            method,
            path,
            params,
            headers.get("Idempotency-Key"),
            headers.get("Stripe-Account"),
            headers.get("Stripe-Version"),
        )
        with self.state.lock:
            self.requests.append(record)
        response = self._answer(method, path, params, headers, record, events)
        record.status = None if response.drop else response.status
        return response

    def _answer(
        self, method: str, path: str, params: Params, headers: Message, record: RecordedRequest, events: list[Obj]
    ) -> Response:
        if path == "/" and method == "GET":
            return self._dashboard()
        if path.startswith(("/pay/", "/onboarding/", "/express/")):
            return self._page(method, path, params, events)
        if not path.startswith("/v1/"):
            return Response.json(404, StripeError(f"Unrecognized request URL ({method}: {path}).", status=404).body())
        refusal = self._authentication_refusal(headers)
        if refusal is not None:
            return refusal
        fault = self._take_fault(method, path, ("fail", "hang"))
        if fault is not None and fault.kind == "fail":
            return Response.json(
                fault.status,
                StripeError("An unknown error occurred", status=fault.status, type="api_error").body(),
                **{"Request-Id": new_id("req", 14)},
            )
        if fault is not None:
            self._stopped.wait(fault.seconds)
            return Response(0, drop=True)
        route, ids = self._route(method, path)
        if route is None:
            return self._error(StripeError(f"Unrecognized request URL ({method}: {path}).", status=404))
        call = Call(new_id("req", 14), record.idempotency_key if method == "POST" else None, record.stripe_account)
        response = self._idempotent(method, path, params, route, ids, call, record, events)
        crash = self._take_fault(method, path, ("crash",)) if method == "POST" else None
        if crash is not None:
            self._stopped.wait(crash.seconds)
            return Response(0, drop=True)
        return response

    def _authentication_refusal(self, headers: Message) -> Response | None:
        """Stripe's 401 without a Bearer key, or with a key that is not a test key."""
        authorization = headers.get("Authorization") or ""
        key = authorization.removeprefix("Bearer ").strip()
        if not authorization.startswith("Bearer ") or not key:
            return self._error(
                StripeError(
                    "You did not provide an API key. You need to provide your API key in the Authorization header, "
                    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
                    status=401,
                )
            )
        if not key.startswith(("sk_test_", "rk_test_")):
            return self._error(StripeError(f"Invalid API Key provided: {key[:8]}***", status=401))
        return None

    def _idempotent(
        self,
        method: str,
        path: str,
        params: Params,
        route: _Route,
        ids: tuple[str, ...],
        call: Call,
        record: RecordedRequest,
        events: list[Obj],
    ) -> Response:
        """Run the call, or replay the answer stored under its idempotency key (same key, other call: an error)."""
        with self.state.lock:
            stored_key = (call.stripe_account or "", call.idempotency_key or "")
            stored = self._idempotency.get(stored_key) if call.idempotency_key else None
            if stored is not None:
                if (stored.method, stored.path, stored.params) != (method, path, params):
                    return self._error(
                        StripeError(IDEMPOTENCY_MISMATCH.format(key=call.idempotency_key), type="idempotency_error")
                    )
                record.replayed = True
                return Response(
                    stored.status,
                    stored.body,
                    headers={
                        "Idempotent-Replayed": "true",
                        "Original-Request": stored.request_id,
                        "Request-Id": new_id("req", 14),
                        "Idempotency-Key": call.idempotency_key or "",
                    },
                )
            response = self._run(route, call, params, ids)
            events.extend(self.state.take_outbox())
            if call.idempotency_key and (200 <= response.status < 300 or response.status == 402):
                self._idempotency[stored_key] = _Stored(
                    method, path, params, response.status, response.body, call.request_id or ""
                )
            if call.idempotency_key:
                response.headers["Idempotency-Key"] = call.idempotency_key
            return response

    def _route(self, method: str, path: str) -> tuple[_Route | None, tuple[str, ...]]:
        for route in ROUTES:
            match = route.pattern.match(path)
            if match and route.method == method:
                return route, match.groups()
        return None, ()

    def _run(self, route: _Route, call: Call, params: Params, ids: tuple[str, ...]) -> Response:
        """Apply one API call under the lock: Stripe's checks, then the operation."""
        try:
            if call.stripe_account:
                self.state.account_get(call.stripe_account, param="Stripe-Account")
            if route.allowed is not None:
                for name in params:
                    if name not in route.allowed:
                        raise StripeError(f"Received unknown parameter: {name}", code="parameter_unknown", param=name)
            expand = params.get("expand") or []
            if not isinstance(expand, list):
                raise StripeError("Invalid array", param="expand")
            self.state.sweep()
            for object_id in ids:
                self.state.check_owner(object_id, call)
            before = len(self.state.objects)
            result = route.handler(self.state, call, params, ids)
            self.state.own_new(before, call)
            data = self.state.view(result, expand)
            return Response.json(200, data, **{"Request-Id": call.request_id or "", "Stripe-Version": API_VERSION})
        except StripeError as error:
            return self._error(error, call.request_id)

    def _error(self, error: StripeError, request_id: str | None = None) -> Response:
        body = error.body()
        body["error"]["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id or new_id('req', 14)}"
        return Response.json(error.status, body, **{"Request-Id": request_id or new_id("req", 14)})

    # --- hosted pages --------------------------------------------------------------------------------

    def _page(self, method: str, path: str, params: Params, events: list[Obj]) -> Response:
        parts = path.strip("/").split("/")
        with self.state.lock:
            try:
                if parts[0] == "pay" and len(parts) == 2:
                    return self._payment_page(method, parts[1], params)
                if parts[0] == "pay" and len(parts) == 3 and parts[2] == "3ds":
                    return self._challenge_page(method, parts[1], params)
                if parts[0] == "onboarding" and len(parts) == 2:
                    return self._onboarding_page(method, parts[1], params)
                if parts[0] == "express" and len(parts) == 2 and method == "GET":
                    return self._express_page(parts[1])
                return Response.html(404, pages.message_page("Page introuvable", "Cette page n'existe pas."))
            finally:
                events.extend(self.state.take_outbox())

    def _session_for_page(self, session_id: str) -> Obj | None:
        self.state.sweep()
        session = self.state.objects.get(session_id)
        return session if session is not None and session["object"] == "checkout.session" else None

    def _payment_page(self, method: str, session_id: str, params: Params) -> Response:
        session = self._session_for_page(session_id)
        if session is None:
            return Response.html(
                404, pages.message_page("Paiement introuvable", "Cette session de paiement n'existe pas.")
            )
        items = self.state.line_items_of(session_id)
        if method == "GET":
            try:
                self.state._session_payable(session_id)
            except PageError as error:
                return self._unpayable(session, str(error))
            return Response.html(200, pages.payment_page(session, items))
        email = as_str(params, "email")
        try:
            attempt = self.state.checkout_attempt(session_id, card_number=str(params.get("card") or ""), email=email)
        except InputError as error:
            return Response.html(400, pages.payment_page(session, items, error=str(error), email=email or ""))
        except PageError as error:
            return self._unpayable(session, str(error))
        return self._after_attempt(session, attempt)

    def _unpayable(self, session: Obj, message: str) -> Response:
        link = session["success_url"] if session["status"] == "complete" else session.get("cancel_url")
        if link and session["status"] == "complete":
            link = link.replace("{CHECKOUT_SESSION_ID}", session["id"])
        return Response.html(410, pages.message_page("Paiement impossible", message, link=link))

    def _after_attempt(self, session: Obj, attempt: Attempt) -> Response:
        if attempt.outcome == "succeeded":
            return Response.redirect(attempt.redirect)
        if attempt.outcome == "authenticate":
            return Response.redirect(f"/pay/{session['id']}/3ds")
        items = self.state.line_items_of(session["id"])
        return Response.html(402, pages.payment_page(session, items, error=attempt.message))

    def _challenge_page(self, method: str, session_id: str, params: Params) -> Response:
        session = self._session_for_page(session_id)
        if session is None or session_id not in self.state.challenges and method == "GET":
            return Response.html(
                404, pages.message_page("Authentification", "Aucune authentification n'est en attente.")
            )
        if method == "GET":
            return Response.html(200, pages.challenge_page(session))
        try:
            attempt = self.state.checkout_authenticate(session_id, succeed=params.get("result") == "succeed")
        except PageError as error:
            return self._unpayable(session, str(error))
        return self._after_attempt(session, attempt)

    def _express_page(self, account_id: str) -> Response:
        try:
            account = self.state.account_get(account_id)
        except StripeError as error:
            return Response.html(404, pages.message_page("Tableau de bord", error.message))
        transfers = [
            obj
            for obj in reversed(self.state.objects.values())
            if obj["object"] == "transfer" and obj["destination"] == account_id
        ]
        payouts = [
            obj
            for obj in reversed(self.state.objects.values())
            if obj["object"] == "payout" and self.state.owners.get(obj["id"]) == account_id
        ]
        balance = self.state.account_balance(account_id, "eur")
        return Response.html(200, pages.express_page(account, balance, transfers, payouts))

    def _onboarding_page(self, method: str, token: str, params: Params) -> Response:
        link_data = self.state.account_links.get(token)
        try:
            link = self.state.account_link_open(token)
        except PageError as error:
            if link_data and link_data["refresh_url"]:
                return Response.redirect(link_data["refresh_url"])
            return Response.html(410, pages.message_page("Inscription", str(error)))
        try:
            account = self.state.account_get(link["account"])
        except StripeError as error:
            return Response.html(410, pages.message_page("Inscription", error.message))
        if method == "GET":
            return Response.html(200, pages.onboarding_page(token, account))
        action = params.get("action")
        if action == "complete":
            self.state.account_complete(account["id"])
        elif action == "leave_due":
            self.state.account_leave_due(account["id"])
        elif action == "deauthorize":
            self.state.account_deauthorize(account["id"])
        else:
            return Response.html(400, pages.onboarding_page(token, account))
        link["used"] = True
        return Response.redirect(link["return_url"] or "/")

    # --- controls over HTTP (the demo, and tests whose fake runs in another process) ------------------

    def _control(self, method: str, path: str, params: Params, events: list[Obj]) -> Response:
        parts = path.strip("/").split("/")[1:]
        state = self.state
        try:
            with state.lock:
                try:
                    result = self._control_apply(method, parts, params)
                finally:
                    events.extend(state.take_outbox())
        except StripeError as error:
            return self._error(error)
        except (KeyError, ValueError) as error:
            return Response.json(400, {"error": {"type": "invalid_request_error", "message": str(error)}})
        if result is None:
            return Response.json(404, {"error": {"type": "invalid_request_error", "message": f"No control {path}"}})
        back = as_str(params, "next")
        if back and back.startswith("/") and not back.startswith("//"):  # a form of the dashboard page
            return Response.redirect(back)
        return Response.json(200, result)

    def _dashboard(self) -> Response:
        """GET /: what the fake holds, with buttons for what the shop, the bank and Stripe would do."""
        with self.state.lock:
            objects = [self.state.view(obj) for obj in reversed(self.state.objects.values())]
            text = pages.dashboard_page(
                objects=objects,
                deliveries=list(self.deliverer.deliveries)[-30:][::-1],
                mode=asdict(self.deliverer.mode),
                holding=len(self.deliverer.held) if self.deliverer.holding else None,
                webhooks=self.deliverer.webhooks,
                deauthorized=set(self.state.deauthorized),
            )
        return Response.html(200, text)

    def _control_apply(self, method: str, parts: list[str], params: Params) -> Any:
        state = self.state
        if method == "GET" and parts == ["requests"]:
            pattern = as_str(params, "path") or "*"
            return [request.as_json() for request in self.requests if fnmatch.fnmatchcase(request.path, pattern)]
        if method == "GET" and parts == ["events"]:
            return list(state.events)
        if method == "GET" and parts == ["deliveries"]:
            return [asdict(delivery) for delivery in self.deliverer.deliveries]
        if method != "POST":
            return None
        match parts:
            case ["webhooks"]:
                mode = self.deliverer.mode
                if "duplicates" in params:
                    mode.duplicates = as_bool(params, "duplicates")
                if "drop" in params:
                    mode.drop = as_bool(params, "drop")
                if "wrong_secret" in params:
                    mode.wrong_secret = as_str(params, "wrong_secret")
                if "timestamp_shift" in params:
                    mode.timestamp_shift = as_int(params, "timestamp_shift") or 0
                if as_bool(params, "hold"):
                    self.deliverer.hold()
                return asdict(mode) | {"holding": self.deliverer.holding}
            case ["webhooks", "endpoints"]:
                self.deliverer.webhooks = Webhooks(
                    platform=_endpoint(params, "platform", self.deliverer.webhooks.platform),
                    connect=_endpoint(params, "connect", self.deliverer.webhooks.connect),
                )
                return asdict(self.deliverer.webhooks)
            case ["webhooks", "release"]:
                return {"released": self.deliverer.release(reverse=as_bool(params, "reverse"))}
            case ["faults"]:
                kind = FAULT_KINDS[as_str(params, "kind", required=True, choices=FAULT_KINDS) or "fail"]
                fault = Fault(
                    kind,
                    as_str(params, "method") or "POST",
                    as_str(params, "path", required=True) or "",
                    status=as_int(params, "status") or 500,
                    seconds=float(as_str(params, "seconds") or 30),
                    times=as_int(params, "times") or 1,
                )
                self.faults.append(fault)
                return asdict(fault)
            case ["accounts", account_id, "complete"]:
                return state.account_complete(account_id)
            case ["accounts", account_id, "leave_due"]:
                due = params.get("due") or ["external_account"]
                return state.account_leave_due(account_id, due if isinstance(due, list) else [due])
            case ["accounts", account_id, "deauthorize"]:
                return state.account_deauthorize(account_id)
            case ["sessions", session_id, "pay"]:
                card = as_str(params, "card") or CARD_SUCCEEDS
                attempt = state.checkout_attempt(session_id, card_number=card, email=as_str(params, "email"))
                if attempt.outcome == "authenticate":
                    succeed = params.get("authenticate", "true") == "true"
                    attempt = state.checkout_authenticate(session_id, succeed=succeed)
                return asdict(attempt)
            case ["charges", charge_id, "dispute"]:
                return state.dispute_open(
                    charge_id, amount=as_int(params, "amount"), reason=as_str(params, "reason") or "fraudulent"
                )
            case ["disputes", dispute_id, "close"]:
                return state.dispute_close(dispute_id, won=as_bool(params, "won"))
            case ["accounts", account_id, "payout"]:
                return state.payout_make(account_id, amount=as_int(params, "amount"), failed=as_bool(params, "failed"))
            case ["reset"]:
                self.reset()
                return {"reset": True}
            case ["clock"]:
                state.clock_offset += as_int(params, "advance", required=True) or 0
                state.sweep()
                return {"now": state.now()}
        return None


def _endpoint(params: Params, name: str, current: WebhookEndpoint | None) -> WebhookEndpoint | None:
    """A webhook endpoint from `<name>_url`, `<name>_secret` and `host` (the current one if no URL is given)."""
    url = as_str(params, f"{name}_url")
    if not url:
        return current
    secret = as_str(params, f"{name}_secret") or (current.secret if current else None)
    default = PLATFORM_SECRET if name == "platform" else CONNECT_SECRET
    return WebhookEndpoint(url, secret or default, as_str(params, "host") or (current.host if current else None))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: StripeFake


class _Handler(BaseHTTPRequestHandler):
    """Hands each request to the fake, writes its answer, then queues the events it caused."""

    server: _Server
    protocol_version = "HTTP/1.1"
    # Kept-alive connections: without it, a request sent right after the previous answer waits
    # ~40 ms (Nagle's algorithm meeting the client's delayed ACK), as Stripe itself never does.
    disable_nagle_algorithm = True
    server_version = "StripeFake/1.0"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._exchange("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._exchange("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._exchange("DELETE")

    def _exchange(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake = self.server.fake
        events: list[Obj] = []
        try:
            response = fake.handle(method, self.path, self.headers, body, events)
        except Exception:  # a bug in the fake: say so as Stripe would, and in the log
            logger.exception("The Stripe fake failed on %s %s", method, self.path)
            response = Response.json(500, StripeError("Stripe fake bug: see its log", type="api_error").body())
        if events:  # announced before the answer leaves, so wait_idle() right after it waits for them
            fake.deliverer.expect()
        try:
            if response.drop:
                self.close_connection = True
                return
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
            self.wfile.flush()
        finally:
            if events:
                fake.deliverer.enqueue(events, expected=True)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
        logger.debug("%s %s", self.address_string(), format % args)
