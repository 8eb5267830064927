"""The permission matrix: every merchant (/pro/) and territory team (/equipe/, /espace/) URL, for every role.

The URLs are found by walking the territory URLconf, so a view added tomorrow is
covered without touching this file. What each view admits comes from its
decorator (`access` = "admin", "staff", "merchant", "owner" or "public"); a view under
/pro/, /equipe/ or /espace/ that declares nothing fails the matrix.

Sample URL arguments point at rows of shop X: every row a URL could name (shop,
product, variant, photo, closing period, team member, category, commune) is made
with the same primary key and the same slug, whatever its model. So:
- X's employee reaches them (except owner-only pages),
- the owner of shop Y, in the same territory, gets 404 or 403 on them,
- nobody crosses territories: a nancy session on limoges' host is anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product, ProductPhoto, Variant
from vitrine.shops.models import ClosingPeriod, Commune, ShopMember, ShopPhoto
from vitrine.testing.factories import ShopFactory, UserFactory

ROW_PK = 900_001
ROW_SLUG = "matrice"
MARKER = "Maison Matrice X"
AREAS = ("pro/", "equipe/", "espace/")


@dataclass(frozen=True)
class AreaUrl:
    name: str
    route: str
    kwargs: tuple[tuple[str, str], ...]  # (name, converter type)
    access: str | None

    @property
    def area(self) -> str:
        return "merchant" if self.route.startswith("pro/") else "staff"

    def __str__(self) -> str:
        return self.name


def _walk(patterns, prefix: str = "", converters: dict | None = None, namespace: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        found = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, found, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield route, entry, found, namespace + entry.name


def area_urls() -> list[AreaUrl]:
    urls = []
    for route, entry, converters, name in _walk(get_resolver("vitrine.config.urls_territory").url_patterns):
        if not route.startswith(AREAS):
            continue
        kwargs = tuple((name, type(converter).__name__) for name, converter in converters.items())
        if not converters and getattr(entry.pattern, "regex", None) is not None and entry.pattern.regex.groupindex:
            kwargs = tuple((name, "StringConverter") for name in entry.pattern.regex.groupindex)
        urls.append(AreaUrl(name, route, kwargs, getattr(entry.callback, "access", None)))
    return urls


AREA_URLS = area_urls()


def _sample(converter: str):
    return ROW_PK if converter == "IntConverter" else ROW_SLUG


def _path(url: AreaUrl) -> str:
    return reverse(
        url.name, urlconf="vitrine.config.urls_territory", kwargs={n: _sample(c) for n, c in url.kwargs} or None
    )


@dataclass
class Matrix:
    territory: object
    shopper: User
    staff: User
    admin: User
    owner_x: User
    employee_x: User
    owner_y: User


def _matrix_world(territory) -> Matrix:
    """Shop X (rows at ROW_PK / ROW_SLUG), shop Y, and one account per role."""
    with tenant_context(territory):
        commune = Commune.objects.create(pk=ROW_PK, name="Commune Matrice", postcode="54000", slug=ROW_SLUG)
        category = Category.objects.create(pk=ROW_PK, name="Catégorie Matrice", slug=ROW_SLUG)
        owner_x = UserFactory(role=User.Role.MERCHANT)
        shop_x = ShopFactory(pk=ROW_PK, name=MARKER, slug=ROW_SLUG, owner=owner_x, commune=commune, category=category)
        employee_x = UserFactory(role=User.Role.MERCHANT)
        ShopMember.objects.create(pk=ROW_PK, shop=shop_x, user=employee_x, role=ShopMember.Role.EMPLOYEE)
        product = Product.objects.create(
            pk=ROW_PK,
            shop=shop_x,
            title=f"{MARKER} produit",
            slug=ROW_SLUG,
            price="10.00",
            category=category,
            status=Product.Status.PUBLISHED,
        )
        Variant.objects.create(pk=ROW_PK, product=product, name="Taille unique")
        ProductPhoto.objects.create(pk=ROW_PK, product=product, image="nancy/products/matrice.jpg", alt=MARKER)
        ShopPhoto.objects.create(pk=ROW_PK, shop=shop_x, image="nancy/shops/photos/matrice.jpg", alt=MARKER)
        ClosingPeriod.objects.create(pk=ROW_PK, shop=shop_x, starts_on="2099-08-01", ends_on="2099-08-15")
        owner_y = UserFactory(role=User.Role.MERCHANT)
        ShopFactory(name="Boutique Y", owner=owner_y, commune=commune, category=category)
        return Matrix(
            territory,
            shopper=UserFactory(role=User.Role.SHOPPER),
            staff=UserFactory(role=User.Role.TERRITORY_STAFF),
            admin=UserFactory(role=User.Role.TERRITORY_ADMIN),
            owner_x=owner_x,
            employee_x=employee_x,
            owner_y=owner_y,
        )


@pytest.fixture
def matrix(nancy) -> Matrix:
    return _matrix_world(nancy)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/compte/connexion/" in response["Location"]


def _admitted(response, url: AreaUrl) -> bool:
    """Let through: a page, a redirect elsewhere than sign-in, or 405 (a POST-only action)."""
    if response.status_code == 403 or _is_login_redirect(response):
        return False
    allowed = {200, 302, 405} | ({404} if url.kwargs else set())  # a sample row some unknown model lacks
    return response.status_code in allowed


def test_the_matrix_sees_the_merchant_and_staff_areas():
    names = {url.name for url in AREA_URLS}
    assert {
        "merchant_home",
        "shop_profile",
        "shop_hours",
        "shop_team",
        "staff_home",
        "staff_shop_detail",
        "staff_categories",
        "staff_communes",
        "staff_product_unpublish",
        "staff_audit",
        "branding",
        "staff_announcements",
        "staff_lockdown",
        "staff_nudges",
    } <= names


@pytest.mark.parametrize("url", AREA_URLS, ids=str)
def test_every_area_url_declares_who_may_use_it(url):
    expected = {"staff", "admin"} if url.area == "staff" else {"merchant", "owner", "public"}
    assert url.access in expected, (
        f"{url.name} ({url.route}) must be decorated with staff_required, admin_required or merchant_required"
    )


def _refused(response, how: str, *, reading: bool) -> bool:
    """Refused as expected: "login" (sent to sign in) or "403".

    A GET on a POST-only action may answer 405 whoever asks: it reads nothing.
    Writing (POST) must always get the exact answer.
    """
    if reading and response.status_code == 405:
        return True
    return _is_login_redirect(response) if how == "login" else response.status_code == 403


FORM = {"direction": "up", "alt": "pirate", "reason": "pirate"}


@pytest.mark.parametrize("url", [u for u in AREA_URLS if u.access != "public"], ids=str)
def test_permission_matrix(url, matrix, client_for, limoges):
    path = _path(url)

    def as_(user):
        return client_for(matrix.territory, user)

    def refused(user, how: str) -> None:
        client = as_(user)
        get, post = client.get(path), client.post(path, FORM)
        assert _refused(get, how, reading=True), (path, "GET", get.status_code)
        assert _refused(post, how, reading=False), (path, "POST", post.status_code)

    # anonymous visitors are sent to sign in; a shopper is refused everywhere
    refused(None, "login")
    refused(matrix.shopper, "403")

    if url.area == "staff":
        # territory staff and admins come in (admins only, on admin pages); merchants, owners or employees, do not
        for user in (matrix.staff, matrix.admin):
            if url.access == "admin" and user is matrix.staff:
                refused(user, "403")
                continue
            response = as_(user).get(path)
            assert _admitted(response, url), (path, response.status_code)
        for user in (matrix.owner_x, matrix.employee_x, matrix.owner_y):
            refused(user, "403")
        crossing = matrix.staff
    else:
        # staff are not merchants
        refused(matrix.staff, "403")
        # X's owner comes in; X's employee too, except on owner-only pages
        response = as_(matrix.owner_x).get(path)
        assert _admitted(response, url), (path, response.status_code)
        if url.access == "owner":
            refused(matrix.employee_x, "403")
        else:
            employee = as_(matrix.employee_x).get(path)
            assert _admitted(employee, url), (path, employee.status_code)
        # Y's owner never reaches X's rows, neither reading nor writing
        owner_y = as_(matrix.owner_y)
        if url.kwargs:
            assert owner_y.get(path).status_code in (403, 404, 405), path  # 405: a POST-only action, nothing read
            assert owner_y.post(path, FORM).status_code in (403, 404), path
        else:
            assert MARKER not in owner_y.get(path).content.decode(errors="replace"), path
        crossing = matrix.owner_x

    # nobody crosses territories: the nancy session means nothing on limoges' host
    elsewhere = client_for(limoges)
    elsewhere.cookies = as_(crossing).cookies
    get, post = elsewhere.get(path), elsewhere.post(path, FORM)
    assert _refused(get, "login", reading=True), (path, get.status_code)
    assert _refused(post, "login", reading=False), (path, post.status_code)


def test_nothing_of_shop_x_changed_after_the_matrix_posts(matrix, client_for):
    # given every merchant URL posted by Y's owner on X's rows
    owner_y = client_for(matrix.territory, matrix.owner_y)
    for url in AREA_URLS:
        if url.area == "merchant" and url.kwargs:
            owner_y.post(_path(url), FORM)

    # then X's rows are all there, unchanged
    with tenant_context(matrix.territory):
        assert ShopPhoto.objects.get(pk=ROW_PK).alt == MARKER
        assert ProductPhoto.objects.get(pk=ROW_PK).alt == MARKER
        assert ClosingPeriod.objects.filter(pk=ROW_PK).exists()
        assert ShopMember.objects.filter(pk=ROW_PK).exists()
        assert Product.objects.get(pk=ROW_PK).status == Product.Status.PUBLISHED
        assert Variant.objects.filter(pk=ROW_PK).exists()
