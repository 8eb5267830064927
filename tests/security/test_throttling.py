"""Throttling: sign-in lockouts per account and address (django-axes), rate limits (django-ratelimit).

The suite's settings raise every rate limit (all its requests come from 127.0.0.1); these tests
put the real ones back (`real_limits`), with counters of their own: the configured cache (Redis or
files) outlives a run, so each test gets a fresh key prefix. Lockouts are database rows, rolled
back after each test.
"""

from __future__ import annotations

import re
import secrets
import uuid
from html import unescape
from unittest import mock

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client, RequestFactory
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.catalog.models import Category
from vitrine.common.throttling import client_ip
from vitrine.config.settings.throttling import RATE_LIMITS_DEFAULT
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Order
from vitrine.orders.selectors import checkout_slots
from vitrine.shops.models import Shop
from vitrine.tenancy.models import AuditEntry
from vitrine.testing.factories import (
    DEFAULT_PASSWORD,
    CommuneFactory,
    ProductFactory,
    ShopFactory,
    UserFactory,
    shop_application_form,
    shop_open_every_day,
)
from vitrine.testing.helpers import sign_in_as

LOCKED = "Trop de tentatives de connexion"
TOO_MANY = "Trop de demandes"
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def real_limits(settings):
    """The real limits, counted afresh (the same store as configured, under a prefix of this test's)."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {**settings.CACHES["throttle"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }
    settings.VITRINE_RATE_LIMITS = dict(RATE_LIMITS_DEFAULT)
    return settings.VITRINE_RATE_LIMITS


def address() -> str:
    """A client address of its own: one client per test, or "another address" within one."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def client_from(host: str, ip: str, user: User | None = None, territory=None) -> Client:
    client = Client(HTTP_HOST=host, REMOTE_ADDR=ip)
    if user is not None:
        with tenant_context(territory):
            sign_in_as(client, user)
    return client


def on(territory, ip: str, user: User | None = None) -> Client:
    return client_from(f"{territory.schema_name}.localhost", ip, user, territory)


def sign_in(client: Client, email: str, password: str):
    return client.post("/compte/connexion/", {"username": email, "password": password})


def signed_in(client: Client) -> bool:
    return client.get("/compte/").status_code == 200


def text(response) -> str:
    return unescape(response.content.decode())


def account(territory, **fields) -> User:
    with tenant_context(territory):
        return UserFactory(**fields)


# --- Sign-in lockouts ------------------------------------------------------------------------


def test_fifty_wrong_passwords_then_the_right_one_is_refused_on_a_territory(nancy, real_limits):
    # given an account in Nancy, and one address trying passwords (the per-address cap lifted,
    # so that only the account's lockout is at work)
    real_limits["sign_in"] = "1000/h"
    claire = account(nancy, email="claire@example.fr")
    attacker = on(nancy, address())
    checks = mock.patch.object(ModelBackend, "authenticate", autospec=True, side_effect=ModelBackend.authenticate)

    # when it sends 50 wrong passwords, then the right one
    with checks as password_checks:
        responses = [sign_in(attacker, claire.email, WRONG) for _ in range(50)]
        last = sign_in(attacker, claire.email, DEFAULT_PASSWORD)

    # then the first four are the form's error, the fifth and all later ones the lockout page;
    # the right password is refused too, and no password was checked once locked
    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert {r.status_code for r in responses[4:]} == {429}
    assert last.status_code == 429
    assert LOCKED in text(last) and "15 minutes" in text(last)
    assert last["Retry-After"] == "900"
    assert not signed_in(attacker)
    assert password_checks.call_count == 5
    # and the account's owner, elsewhere, is not locked out
    owner = on(nancy, address())
    assert sign_in(owner, "Claire@Example.fr", DEFAULT_PASSWORD).status_code == 302
    assert signed_in(owner)


def test_changing_the_case_of_the_email_does_not_start_a_fresh_count(nancy):
    # given four wrong passwords for claire from one address
    claire = account(nancy, email="claire@example.fr")
    attacker = on(nancy, address())
    for _ in range(4):
        sign_in(attacker, claire.email, WRONG)

    # when the fifth comes with other capitals and spaces
    response = sign_in(attacker, "  CLAIRE@example.FR ", WRONG)

    # then it is the fifth failure of the same account: locked
    assert response.status_code == 429 and LOCKED in text(response)


def test_fifty_wrong_passwords_then_the_right_one_is_refused_on_the_console(db, real_limits):
    # given a console account, and one address trying passwords
    real_limits["sign_in"] = "1000/h"
    operator = User.objects.create_superuser(email="ops@vitrine.example.fr", password=DEFAULT_PASSWORD)
    attacker = client_from("console.localhost", address())

    # when it sends 50 wrong passwords, then the right one
    responses = [attacker.post("/connexion/", {"username": operator.email, "password": WRONG}) for _ in range(50)]
    last = attacker.post("/connexion/", {"username": operator.email, "password": DEFAULT_PASSWORD})

    # then locked from the fifth on, the right password refused, on the console's own page
    assert {r.status_code for r in responses[4:]} == {429}
    assert last.status_code == 429 and LOCKED in text(last)
    assert "Console" in text(last)
    assert attacker.get("/").status_code == 302  # still signed out: the console sends to sign-in


def test_one_address_cannot_try_many_accounts_beyond_the_sign_in_limit(nancy, real_limits):
    # given 30 sign-ins from one address in 15 minutes, each for another account
    assert real_limits["sign_in"] == "30/15m"
    claire = account(nancy, email="claire@example.fr")
    attacker = on(nancy, address())
    for n in range(30):
        assert sign_in(attacker, f"someone{n}@example.fr", WRONG).status_code == 200

    # when it tries claire's right password
    response = sign_in(attacker, claire.email, DEFAULT_PASSWORD)

    # then it is refused: too many requests
    assert response.status_code == 429 and TOO_MANY in text(response)
    assert not signed_in(attacker)


def test_a_lock_in_nancy_does_not_lock_the_same_email_in_limoges(nancy, limoges):
    # given the same email with an account in each territory, locked in Nancy from one address
    ip = address()
    account(nancy, email="camille@example.fr")
    account(limoges, email="camille@example.fr")
    in_nancy = on(nancy, ip)
    for _ in range(5):
        sign_in(in_nancy, "camille@example.fr", WRONG)
    assert sign_in(in_nancy, "camille@example.fr", DEFAULT_PASSWORD).status_code == 429

    # when the Limoges account signs in from the same address
    in_limoges = on(limoges, ip)
    response = sign_in(in_limoges, "camille@example.fr", DEFAULT_PASSWORD)

    # then it is let in: Nancy's count is Nancy's (cross-territory)
    assert response.status_code == 302
    assert signed_in(in_limoges)


def test_a_console_lock_does_not_lock_a_territory_account(nancy):
    # given a console account locked from one address
    ip = address()
    User.objects.create_superuser(email="ops@vitrine.example.fr", password=DEFAULT_PASSWORD)
    console = client_from("console.localhost", ip)
    for _ in range(5):
        console.post("/connexion/", {"username": "ops@vitrine.example.fr", "password": WRONG})

    # when a Nancy account with the same email signs in from that address
    account(nancy, email="ops@vitrine.example.fr")
    response = sign_in(on(nancy, ip), "ops@vitrine.example.fr", DEFAULT_PASSWORD)

    # then it is let in
    assert response.status_code == 302


# --- Unlocking -------------------------------------------------------------------------------


def _locked(territory, email: str, ip: str) -> Client:
    client = on(territory, ip)
    for _ in range(5):
        sign_in(client, email, WRONG)
    return client


def test_a_territory_admin_sees_and_lifts_a_lock_and_the_trail_records_it(nancy):
    # given claire locked from one address, and Nancy's admin
    ip = address()
    claire = account(nancy, email="claire@example.fr")
    admin = account(nancy, role=User.Role.TERRITORY_ADMIN, email="admin@example.fr")
    locked = _locked(nancy, claire.email, ip)
    staff_page = on(nancy, address(), admin)

    # when the admin opens the locked sign-ins and unlocks claire's
    page = staff_page.get("/equipe/connexions/")
    assert page.status_code == 200
    assert "claire@example.fr" in text(page) and ip in text(page)
    assert "Connexions bloquées" in text(page)
    response = staff_page.post("/equipe/connexions/debloquer/", {"username": claire.email, "ip_address": ip})

    # then claire signs in from that address at once, the list is empty, and the trail says who did it
    assert response.status_code == 302
    assert "claire@example.fr peut de nouveau se connecter" in text(staff_page.get("/equipe/connexions/"))
    assert sign_in(locked, claire.email, DEFAULT_PASSWORD).status_code == 302
    with tenant_context(nancy):
        event = AuditEvent.objects.get(verb="sign_in.unlock")
    assert event.actor == admin and event.payload == {"email": "claire@example.fr"}
    assert "Connexion débloquée" in text(staff_page.get("/equipe/journal/"))


@pytest.mark.parametrize("role", [User.Role.TERRITORY_STAFF, User.Role.MERCHANT, User.Role.SHOPPER])
def test_only_territory_admins_see_or_lift_locks(nancy, role):
    # given claire locked, and a signed-in account that is not an admin
    ip = address()
    account(nancy, email="claire@example.fr")
    _locked(nancy, "claire@example.fr", ip)
    someone = on(nancy, address(), account(nancy, role=role))

    # when they open the list, or post an unlock
    page = someone.get("/equipe/connexions/")
    response = someone.post("/equipe/connexions/debloquer/", {"username": "claire@example.fr", "ip_address": ip})

    # then both are refused, claire stays locked, nothing is recorded
    assert page.status_code == 403 and response.status_code == 403
    assert sign_in(on(nancy, ip), "claire@example.fr", DEFAULT_PASSWORD).status_code == 429
    with tenant_context(nancy):
        assert not AuditEvent.objects.filter(verb="sign_in.unlock").exists()


def test_limoges_admin_neither_sees_nor_lifts_a_nancy_lock(nancy, limoges):
    # given claire locked in Nancy, and Limoges' admin
    ip = address()
    account(nancy, email="claire@example.fr")
    _locked(nancy, "claire@example.fr", ip)
    limoges_admin = on(limoges, address(), account(limoges, role=User.Role.TERRITORY_ADMIN))

    # when Limoges' admin lists locks and posts an unlock of claire's (cross-territory)
    page = limoges_admin.get("/equipe/connexions/")
    limoges_admin.post("/equipe/connexions/debloquer/", {"username": "claire@example.fr", "ip_address": ip})

    # then the list does not show it, and claire is still locked in Nancy
    assert "claire@example.fr" not in text(page)
    assert sign_in(on(nancy, ip), "claire@example.fr", DEFAULT_PASSWORD).status_code == 429
    with tenant_context(limoges):
        assert not AuditEvent.objects.filter(verb="sign_in.unlock").exists()


def test_a_console_operator_lifts_a_console_lock_and_the_console_log_records_it(console_client):
    # given another operator locked from one address
    ip = address()
    other = User.objects.create_superuser(email="ops2@vitrine.example.fr", password=DEFAULT_PASSWORD)
    locked = client_from("console.localhost", ip)
    for _ in range(5):
        locked.post("/connexion/", {"username": other.email, "password": WRONG})

    # when the signed-in operator opens the list and unlocks it
    page = console_client.get("/connexions/")
    assert "ops2@vitrine.example.fr" in text(page) and ip in text(page)
    console_client.post("/connexions/debloquer/", {"username": other.email, "ip_address": ip})

    # then the operator can sign in again, and the console's log names who unlocked whom
    assert locked.post("/connexion/", {"username": other.email, "password": DEFAULT_PASSWORD}).status_code == 302
    entry = AuditEntry.objects.get(action="sign_in.unlock")
    assert entry.actor == console_client.operator and entry.details == {"email": other.email}


def test_console_locks_are_for_operators_only(db):
    # given a console account that is not an operator
    user = User.objects.create_user(email="someone@example.fr", password=DEFAULT_PASSWORD)
    client = client_from("console.localhost", address())
    client.force_login(user)

    # when it opens the list or posts an unlock
    # then both are refused
    assert client.get("/connexions/").status_code == 403
    assert client.post("/connexions/debloquer/", {"username": "x@example.fr"}).status_code == 403


# --- Rate limits ----------------------------------------------------------------------------


def _sign_up(client: Client, email: str):
    return client.post(
        "/compte/inscription/",
        {"full_name": "Camille Martin", "email": email, "password": "un-mot-de-passe-long", "privacy": "on"},
    )


def test_sign_up_over_the_limit_gets_the_french_429_in_the_territory_s_branding_and_creates_nothing(nancy, limoges):
    # given ten sign-ups from one address within the hour
    ip = address()
    for n in range(10):
        assert _sign_up(on(nancy, ip), f"visitor{n}@example.fr").status_code == 302

    # when an eleventh comes
    response = _sign_up(on(nancy, ip), "eleventh@example.fr")

    # then it is refused in French, on Nancy's page, and no account is made
    assert response.status_code == 429
    page = text(response)
    assert TOO_MANY in page and "rien n’a été enregistré" in page
    assert '<html lang="fr"' in page and "Achetez Grand Nancy" in page
    with tenant_context(nancy):
        assert not User.objects.filter(email="eleventh@example.fr").exists()
    # and Limoges counts its own visitors: the same address signs up there (cross-territory)
    assert _sign_up(on(limoges, ip), "eleventh@example.fr").status_code == 302


def test_a_forged_forwarded_for_header_does_not_give_a_fresh_count(nancy, settings):
    # given no trusted proxy, and ten sign-ups from one address
    settings.TRUSTED_PROXY_COUNT = 0
    ip = address()
    for n in range(10):
        _sign_up(on(nancy, ip), f"visitor{n}@example.fr")

    # when the eleventh claims another address in X-Forwarded-For
    response = on(nancy, ip).post(
        "/compte/inscription/",
        {"full_name": "Camille", "email": "x@example.fr", "password": "un-mot-de-passe-long", "privacy": "on"},
        HTTP_X_FORWARDED_FOR=address(),
    )

    # then it is still refused
    assert response.status_code == 429


def test_the_client_address_comes_from_the_proxy_only_when_one_is_trusted(settings):
    # given a request through one proxy, whose client wrote a header of its own
    request = RequestFactory().get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    # when no proxy is trusted, then the header is ignored
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "172.18.0.5"
    # when one is, then the address it appended counts, never what the client wrote
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"
    # and a header that is not an address falls back to the connection's
    garbage = RequestFactory().get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(garbage) == "172.18.0.5"


def test_password_reset_emails_to_one_address_are_limited(nancy):
    # given claire's account, and five reset requests for it from five addresses (each queues an email)
    claire = account(nancy, email="claire@example.fr")

    def resets_queued() -> int:
        with tenant_context(nancy):
            return OutboxEmail.objects.filter(to=[claire.email]).count()

    for _ in range(5):
        assert on(nancy, address()).post("/compte/mot-de-passe/oublie/", {"email": claire.email}).status_code == 302
    assert resets_queued() == 5

    # when a sixth comes, from yet another address
    response = on(nancy, address()).post("/compte/mot-de-passe/oublie/", {"email": "Claire@example.fr"})

    # then it is refused and no email goes
    assert response.status_code == 429 and TOO_MANY in text(response)
    assert resets_queued() == 5


def test_password_reset_requests_from_one_address_are_limited(nancy):
    # given ten reset requests from one address, each for another email
    ip = address()
    claire = account(nancy, email="claire@example.fr")
    for n in range(10):
        on(nancy, ip).post("/compte/mot-de-passe/oublie/", {"email": f"someone{n}@example.fr"})

    # when the address asks for claire's
    response = on(nancy, ip).post("/compte/mot-de-passe/oublie/", {"email": claire.email})

    # then it is refused and nothing is sent
    assert response.status_code == 429
    with tenant_context(nancy):
        assert not OutboxEmail.objects.filter(to=[claire.email]).exists()


def _checkout_world(territory):
    with tenant_context(territory):
        shop = shop_open_every_day(name="Bijouterie Stanislas")
        return shop, ProductFactory(shop=shop, title="Bague argent", stock=100)


def _guest_checkout(territory, client: Client, shop, product, email: str):
    client.post(f"/panier/ajouter/{product.pk}/", {"quantity": "1"})
    page = client.get("/panier/commande/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page).group(1)
    with tenant_context(territory):
        slot = checkout_slots(shop=shop)[0].value
    return client.post(
        "/panier/commande/",
        {"idempotency_key": key, "name": "Camille", "email": email, "phone": "06 12 34 56 78", f"slot-{shop.pk}": slot},
    )


def test_guest_orders_emailed_to_one_address_are_limited(nancy):
    # given ten guest orders emailed to one address, from ten addresses
    shop, ring = _checkout_world(nancy)
    for _ in range(10):
        assert _guest_checkout(nancy, on(nancy, address()), shop, ring, "victim@example.fr").status_code == 302
    with tenant_context(nancy):
        emails = OutboxEmail.objects.count()

    # when an eleventh order for that address comes
    response = _guest_checkout(nancy, on(nancy, address()), shop, ring, "Victim@example.fr")

    # then it is refused: no order, no stock taken, no email
    assert response.status_code == 429 and TOO_MANY in text(response)
    with tenant_context(nancy):
        assert Order.objects.filter(email="victim@example.fr").count() == 10
        ring.refresh_from_db()
        assert ring.stock == 90
        assert OutboxEmail.objects.count() == emails


def test_checkouts_from_one_client_are_limited_whatever_the_email(nancy):
    # given thirty checkout attempts from one address (an empty cart each time)
    ip = address()
    shop, ring = _checkout_world(nancy)
    for n in range(30):
        on(nancy, ip).post("/panier/commande/", {"email": f"someone{n}@example.fr"})

    # when the address places a real order
    response = _guest_checkout(nancy, on(nancy, ip), shop, ring, "camille@example.fr")

    # then it is refused and nothing is reserved
    assert response.status_code == 429
    with tenant_context(nancy):
        assert not Order.objects.exists()
        ring.refresh_from_db()
        assert ring.stock == 100


def test_a_signed_in_shopper_s_checkouts_are_counted_per_account(nancy):
    # given thirty checkout attempts by one account, from thirty addresses
    shop, ring = _checkout_world(nancy)
    claire = account(nancy, email="claire@example.fr")
    for _ in range(30):
        on(nancy, address(), claire).post("/panier/commande/", {})

    # when the account places a real order from a new address
    response = _guest_checkout(nancy, on(nancy, address(), claire), shop, ring, "")

    # then it is refused
    assert response.status_code == 429
    with tenant_context(nancy):
        assert not Order.objects.exists()


def _application_world(territory):
    with tenant_context(territory):
        commune = CommuneFactory(name="Nancy", postcode="54000")
        category = Category.objects.get(slug="bijoux").children.order_by("position").first()
    return commune, category


def test_shop_applications_from_one_address_are_limited(nancy):
    # given ten applications from one address within the hour (incomplete ones count too)
    ip = address()
    commune, category = _application_world(nancy)
    for _ in range(10):
        assert on(nancy, ip).post("/pro/rejoindre/", {"name": "x"}).status_code == 400
    with tenant_context(nancy):
        emails = OutboxEmail.objects.count()

    # when a complete one comes
    response = on(nancy, ip).post(
        "/pro/rejoindre/",
        shop_application_form(commune=commune, category=category, owner_email="claire@lucarne.example.fr"),
    )

    # then it is refused: no shop, no account, no email to the staff or the applicant
    assert response.status_code == 429 and TOO_MANY in text(response)
    with tenant_context(nancy):
        assert not Shop.objects.filter(name="La Lucarne aux Livres").exists()
        assert not User.objects.filter(email="claire@lucarne.example.fr").exists()
        assert OutboxEmail.objects.count() == emails


def test_shop_applications_for_one_owner_email_are_limited(nancy):
    # given ten applications naming one owner's address, from ten addresses
    commune, category = _application_world(nancy)
    for _ in range(10):
        on(nancy, address()).post("/pro/rejoindre/", {"owner_email": "claire@lucarne.example.fr"})

    # when a complete one for that address comes from a new address
    data = shop_application_form(commune=commune, category=category, owner_email="claire@lucarne.example.fr")
    response = on(nancy, address()).post("/pro/rejoindre/", data)

    # then it is refused and nothing is made
    assert response.status_code == 429
    with tenant_context(nancy):
        assert not Shop.objects.filter(name="La Lucarne aux Livres").exists()


def test_catalogue_imports_are_limited_per_merchant(nancy):
    # given a merchant who sent thirty import forms within the hour
    with tenant_context(nancy):
        shop = ShopFactory(category=Category.objects.get(slug="decoration"))
    merchant = on(nancy, address(), shop.owner_user)
    for _ in range(30):
        assert merchant.post("/pro/import/", {"file": ""}).status_code == 400

    # when a thirty-first comes
    response = merchant.post("/pro/import/", {"file": ""})

    # then it is refused, in French
    assert response.status_code == 429 and TOO_MANY in text(response)
    # and the page itself still opens
    assert merchant.get("/pro/import/").status_code == 200


def test_search_stays_usable_under_normal_use(nancy):
    # given a shopper searching, filtering and paging sixty times in a few minutes
    shopper = on(nancy, address())

    # when they search
    statuses = {shopper.get("/recherche/", {"q": f"bague {n}", "page": n % 3 + 1}).status_code for n in range(60)}

    # then every search answers
    assert statuses == {200}


def test_a_search_robot_gets_the_429_page(nancy, real_limits):
    # given a lower search limit, and a client that used it up
    real_limits["search"] = "3/h"
    robot = on(nancy, address())
    for _ in range(3):
        assert robot.get("/recherche/", {"q": "bague"}).status_code == 200

    # when it searches again
    response = robot.get("/recherche/", {"q": "bague"})

    # then it gets the French 429 page in Nancy's branding
    assert response.status_code == 429
    assert TOO_MANY in text(response) and "Achetez Grand Nancy" in text(response)
