"""What held when issue #10 was checked, kept as tests: hosts, sessions, CSRF tokens and object ids
never cross from one territory or shop to another.

Every merchant and staff URL that takes an id is walked from the territory URLconf, so a view
added tomorrow is covered too: a merchant (or the team) asking for another shop's rows, or for ids
that exist only in another territory, gets 404 or 403, never the row.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product, ProductPhoto, Variant
from vitrine.imports.models import CatalogImport
from vitrine.orders.cart import cart_add, cart_create
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.models import Order
from vitrine.orders.selectors import checkout_slots
from vitrine.shops.models import ClosingPeriod, Commune, ShopMember, ShopPhoto
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory
from vitrine.testing.helpers import client_on, host_client

pytestmark = pytest.mark.embedded  # also run on the embedded PostgreSQL in CI (make test-embedded)

# --- Hosts --------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["nancy.localhost", "nancy.localhost:8000", "NANCY.localhost", "nancy.localhost."])
def test_spellings_of_a_territorys_host_reach_that_territory_only(nancy, limoges, host):
    page = host_client(host).get("/")
    assert page.status_code == 200
    assert "Achetez Grand Nancy" in page.text and "Limoges en boutiques" not in page.text


@pytest.mark.parametrize(
    "host",
    [
        "nowhere.localhost",
        "limoges.nancy.localhost",
        "nancy.localhost.evil.example",
        "nancy-localhost",
        "nancy.localhost:8000@limoges.localhost",
        "",
    ],
)
def test_an_unknown_or_malformed_host_is_a_plain_404(nancy, limoges, host):
    response = Client(HTTP_HOST=host).get("/") if host else Client(SERVER_NAME="nowhere.example").get("/")
    assert response.status_code == 404
    assert "Nancy" not in response.text and "Limoges" not in response.text


# --- Sessions and CSRF tokens --------------------------------------------------------------


def test_a_session_replayed_on_another_territory_or_the_console_is_anonymous(nancy, limoges):
    # given a territory admin signed in on nancy
    with tenant_context(nancy):
        admin = UserFactory(role=User.Role.TERRITORY_ADMIN)
    nancy_client = client_on(nancy, admin)
    assert nancy_client.get("/equipe/").status_code == 200

    # when the same cookies are replayed on limoges' host and on the console
    for host in ("limoges.localhost", "console.localhost"):
        replay = host_client(host)
        replay.cookies = nancy_client.cookies
        response = replay.get("/equipe/" if host.startswith("limoges") else "/")

        # then the session means nothing there: sign in first
        assert response.status_code == 302 and "connexion" in response["Location"], (host, response.status_code)


def test_a_csrf_token_from_one_territory_is_refused_on_another(nancy, limoges):
    # given a visitor's token from nancy's sign-in page
    nancy_client = Client(enforce_csrf_checks=True, HTTP_HOST="nancy.localhost")
    nancy_client.get("/compte/connexion/")
    token = nancy_client.cookies["csrftoken"].value

    # then nancy's cookie is for nancy's host alone (no Domain: a browser never sends it to limoges)
    assert not nancy_client.cookies["csrftoken"]["domain"] and settings.CSRF_COOKIE_DOMAIN is None
    assert settings.SESSION_COOKIE_DOMAIN is None

    # and the token posted to limoges, as a browser would (without nancy's cookie), is refused
    limoges_client = Client(enforce_csrf_checks=True, HTTP_HOST="limoges.localhost")
    response = limoges_client.post(
        "/compte/connexion/", {"username": "x@example.fr", "password": "x", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 403 and "Limoges en boutiques" in response.text


# --- Object ids: another shop's, another territory's -------------------------------------

AREAS = ("pro/", "equipe/", "espace/", "compte/commandes/")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and entry.name and entry.pattern.converters:
            yield route, entry, namespace + entry.name


def _urls_with_ids() -> list[tuple[str, str, dict]]:
    """(name, route, {kwarg: converter name}) of every signed-in area URL that takes an argument."""
    found = []
    for route, entry, name in _walk(get_resolver("vitrine.config.urls_territory").url_patterns):
        if route.startswith(AREAS) and getattr(entry.callback, "access", None) != "public":
            converters = {arg: type(c).__name__ for arg, c in entry.pattern.converters.items()}
            found.append((name, route, converters))
    return found


URLS_WITH_IDS = _urls_with_ids()


def _rows(territory, prefix: str, base: int | None) -> dict:
    """A shop with a row of every kind a URL can name, marked with `prefix` in every text a page shows.

    With `base`, rows get primary keys from base up: the other side's ids then never name one of
    the requesting shop's own rows (orders excepted: the checkout numbers them).
    """

    def pk(offset: int) -> dict:
        return {"pk": base + offset} if base else {}

    with tenant_context(territory):
        commune = Commune.objects.create(
            name=f"{prefix} Commune", postcode="54000", slug=f"{prefix.lower()}-commune", **pk(1)
        )
        category = Category.objects.create(name=f"{prefix} Catégorie", slug=f"{prefix.lower()}-categorie", **pk(2))
        owner = UserFactory(role=User.Role.MERCHANT, full_name=f"{prefix} Propriétaire")
        shop = ShopFactory(name=f"{prefix} Boutique", owner=owner, commune=commune, category=category, **pk(3))
        for weekday in range(7):
            shop.opening_ranges.create(weekday=weekday, opens="00:00", closes="23:59")
        employee = UserFactory(role=User.Role.MERCHANT, full_name=f"{prefix} Employé")
        member = ShopMember.objects.create(shop=shop, user=employee, role=ShopMember.Role.EMPLOYEE, **pk(4))
        product = ProductFactory(shop=shop, title=f"{prefix} Produit secret", stock=5, **pk(5))
        photo = ProductPhoto.objects.create(
            product=product, image=f"{territory.schema_name}/products/x.png", alt=f"{prefix} photo", **pk(6)
        )
        shop_photo = ShopPhoto.objects.create(
            shop=shop, image=f"{territory.schema_name}/shops/photos/x.png", alt=f"{prefix} photo", **pk(7)
        )
        closing = ClosingPeriod.objects.create(
            shop=shop, starts_on="2099-08-01", ends_on="2099-08-15", reason=f"{prefix} congés", **pk(8)
        )
        shopper = UserFactory(role=User.Role.SHOPPER, full_name=f"{prefix} Client secret")
        cart = cart_create(user=shopper)
        cart_add(cart=cart, product_id=product.pk, quantity=1)
        (order,) = order_place(
            cart=cart,
            customer=shopper,
            guest=Guest(name=shopper.full_name, email=shopper.email, phone="06 12 34 56 78"),
            slots={shop.pk: checkout_slots(shop=shop)[0].starts_at},
            idempotency_key=uuid.uuid4(),
        )
        variant = Variant.objects.create(product=product, name=f"{prefix} Taille", **pk(9))  # after the order
        catalog_import = CatalogImport(
            shop=shop, format="csv", original_name=f"{prefix}-secret.csv", created_by=owner, **pk(10)
        )
        catalog_import.file.save("secret.csv", ContentFile(b"reference;titre\n"), save=False)
        catalog_import.save()
    ids = [commune.pk, category.pk, shop.pk, member.pk, product.pk, photo.pk, shop_photo.pk, closing.pk]
    return {
        "prefix": prefix,
        "shop": shop,
        "owner": owner,
        "shopper": shopper,
        "order": order,
        "product": product,
        "ids": [*ids, variant.pk, catalog_import.pk, order.pk],
        "photo_pk": photo.pk,
    }


def _fillings(converters: dict, rows: dict) -> list[dict]:
    """Every way to fill the URL's arguments with the other side's ids."""
    fillings = []
    for value in rows["ids"]:
        filled = {}
        for arg, converter in converters.items():
            if converter == "UUIDConverter":
                filled[arg] = rows["order"].idempotency_key
            elif converter in ("SlugConverter", "StringConverter"):
                filled[arg] = "accepter"
            elif arg == "photo_pk":
                filled[arg] = rows["photo_pk"]
            else:
                filled[arg] = value
        fillings.append(filled)
    return fillings


FORM = {"reason": "pirate", "alt": "pirate", "direction": "up", "name": "pirate", "title": "pirate"}


def _never_reached(client: Client, path: str, marker: str) -> None:
    for method in ("get", "post"):
        response = getattr(client, method)(path, FORM)
        assert response.status_code in (200, 302, 400, 403, 404, 405), (method, path, response.status_code)
        assert marker not in response.content.decode(errors="replace"), (method, path)
        if response.status_code == 302:
            assert marker not in response["Location"], (method, path)


@pytest.fixture
def three_shops(nancy, limoges, settings, tmp_path):
    """Shop Y in nancy (the one asking), shop X beside it, shop L in limoges (rows at high ids)."""
    settings.MEDIA_ROOT = str(tmp_path)
    return {
        "mine": _rows(nancy, "NY", None),
        "theirs": _rows(nancy, "NX", 810_000),
        "elsewhere": _rows(limoges, "LI", 820_000),
    }


def _snapshot(territory, rows) -> tuple:
    with tenant_context(territory):
        order = Order.objects.get(pk=rows["order"].pk)
        product = Product.objects.get(pk=rows["product"].pk)
        return (
            order.status,
            product.status,
            product.title,
            ShopPhoto.objects.filter(shop=rows["shop"]).count(),
            ProductPhoto.objects.filter(product=product).values_list("alt", flat=True).first(),
            ClosingPeriod.objects.filter(shop=rows["shop"]).count(),
            ShopMember.objects.filter(shop=rows["shop"]).count(),
            Variant.objects.filter(product=product).count(),
        )


@pytest.mark.parametrize(("name", "route", "converters"), URLS_WITH_IDS, ids=[u[0] for u in URLS_WITH_IDS])
def test_another_shops_and_another_territorys_ids_are_never_reached(
    nancy, limoges, three_shops, name, route, converters
):
    mine, theirs, elsewhere = three_shops["mine"], three_shops["theirs"], three_shops["elsewhere"]
    before = (_snapshot(nancy, theirs), _snapshot(limoges, elsewhere))
    if route.startswith("compte/"):
        asking, sides = client_on(nancy, mine["shopper"]), (theirs, elsewhere)
    elif route.startswith("pro/"):
        asking, sides = client_on(nancy, mine["owner"]), (theirs, elsewhere)
    else:  # the team sees its own territory's shops: only another territory's ids are foreign to it
        with tenant_context(nancy):
            staff = UserFactory(role=User.Role.TERRITORY_ADMIN)
        asking, sides = client_on(nancy, staff), (elsewhere,)

    # when the asking account requests every other-side id on this URL, reading and writing
    for rows in sides:
        for kwargs in _fillings(converters, rows):
            path = reverse(name, urlconf="vitrine.config.urls_territory", kwargs=kwargs)
            # then no page shows a row of theirs
            _never_reached(asking, path, rows["prefix"] + " ")

    # and nothing of theirs changed
    assert (_snapshot(nancy, theirs), _snapshot(limoges, elsewhere)) == before


def test_a_merchant_never_sees_another_shops_order_on_the_board(nancy, three_shops):
    client = client_on(nancy, three_shops["mine"]["owner"])
    code = three_shops["theirs"]["order"].pickup_code
    for path in ("/pro/commandes/", f"/pro/commandes/?q={code}", "/pro/commandes/historique/", "/pro/commandes/jour/"):
        response = client.get(path)
        # the search echoes what was typed: what matters is that none of X's orders is listed
        assert response.status_code == 200 and "NX " not in response.text, path
        assert "Aucune commande ne correspond" in response.text or "?q=" not in path, path
