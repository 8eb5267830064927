"""Uploaded files: names nobody can guess, served on their own live territory only (issue #10, item 5).

A draft product's photo is stored before the product is public, and a pending shop's photos
and logo before the shop is approved; local media answer to whoever has the address.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from vitrine.catalog.models import Product
from vitrine.catalog.services import product_photo_add
from vitrine.common.images import renditions_make
from vitrine.shops.models import Shop
from vitrine.shops.storefront import ShopProfile, shop_photo_add, shop_profile_update
from vitrine.tenancy.models import Territory
from vitrine.tenancy.services import territory_set_status
from vitrine.testing.factories import ProductFactory, ShopFactory
from vitrine.testing.helpers import client_on, host_client

TOKEN = r"[A-Za-z0-9_-]{20,}"


def _png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "#7a1f3d").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def draft_photo(nancy, media):
    """A draft product's photo, stored through the catalogue's service."""
    with tenant_context(nancy):
        shop = ShopFactory(name="Bijouterie Stanislas")
        product = ProductFactory(shop=shop, title="Bague secrète", status=Product.Status.DRAFT, published_at=None)
        photo = product_photo_add(product=product, upload=_png(), actor=shop.owner_user)
    photo.owner = shop.owner_user
    return photo


def test_a_draft_products_photo_has_an_unguessable_name(nancy, draft_photo):
    # then the name holds a random token between the folder and the product's slug
    assert re.fullmatch(rf"nancy/products/{TOKEN}/bague-secrete\.png", draft_photo.image.name), draft_photo.image.name
    # and the address one would guess from the slug leads nowhere, while the real one works for its shop
    anonymous = host_client("nancy.localhost")
    assert anonymous.get("/media/nancy/products/bague-secrete.png").status_code == 404
    assert client_on(nancy, draft_photo.owner).get(f"/media/{draft_photo.image.name}").status_code == 200


def test_two_photos_of_one_product_never_share_a_guessable_pattern(nancy, draft_photo):
    # when a second photo of the same product is added
    with tenant_context(nancy):
        second = product_photo_add(product=draft_photo.product, upload=_png(), actor=draft_photo.owner)

    # then its token is a new one (not the first name plus a suffix)
    first_token, second_token = (p.image.name.split("/")[2] for p in (draft_photo, second))
    assert first_token != second_token


def test_web_variants_stay_under_the_photos_token(nancy, draft_photo):
    with tenant_context(nancy):
        renditions_make(draft_photo)
    folder = draft_photo.image.name.rsplit("/", 1)[0]
    assert draft_photo.renditions
    for rendition in draft_photo.renditions.values():
        assert rendition["name"].startswith(folder + "/bague-secrete-"), rendition


def test_a_pending_shops_photos_and_logo_have_unguessable_names(nancy, media):
    # given a shop still waiting for the team's approval
    with tenant_context(nancy):
        shop = ShopFactory(name="Atelier Caché", status=Shop.Status.PENDING)
        owner = shop.owner_user

        # when its owner adds a photo and a logo
        photo = shop_photo_add(shop=shop, actor=owner, upload=_png())
        shop = shop_profile_update(shop=shop, actor=owner, profile=ShopProfile(), logo=_png("logo.png"))

    # then neither is named after the shop alone
    assert re.fullmatch(rf"nancy/shops/photos/{TOKEN}/{shop.slug}\.png", photo.image.name), photo.image.name
    assert re.fullmatch(rf"nancy/shops/logos/{TOKEN}/{shop.slug}-logo\.png", shop.logo.name), shop.logo.name
    anonymous = host_client("nancy.localhost")
    assert anonymous.get(f"/media/nancy/shops/photos/{shop.slug}.png").status_code == 404
    assert anonymous.get(f"/media/nancy/shops/logos/{shop.slug}-logo.png").status_code == 404


def test_a_suspended_territorys_files_do_not_answer(nancy, draft_photo, django_capture_on_commit_callbacks):
    # given a file that answers on nancy's host
    url = f"/media/{draft_photo.image.name}"
    assert host_client("nancy.localhost").get(url).status_code == 200

    # when nancy is suspended
    with django_capture_on_commit_callbacks(execute=True):
        territory_set_status(territory=nancy, status=Territory.Status.SUSPENDED, actor=None, reason="test")

    # then the file no longer answers: the closed page instead, never the image
    response = host_client("nancy.localhost").get(url)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html") and b"PNG" not in response.content[:16]


def test_behind_the_proxy_the_app_still_decides_who_gets_a_file(nancy, limoges, draft_photo, settings):
    # given the proxy sends files the app allows (infra/Caddyfile, MEDIA_ACCEL_REDIRECT_PREFIX)
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/_protected_media/"
    url = f"/media/{draft_photo.image.name}"

    # then nancy's host gets the go-ahead for its own file, with its type, and no body of its own
    own = host_client("nancy.localhost").get(url)
    assert own.status_code == 200 and own["X-Accel-Redirect"] == f"/_protected_media/{draft_photo.image.name}"
    assert own["Content-Type"] == "image/png" and own.content == b""
    # while limoges' host and the console get nothing to send
    for host in ("limoges.localhost", "console.localhost"):
        response = host_client(host).get(url)
        assert response.status_code == 404 and "X-Accel-Redirect" not in response
    assert "X-Accel-Redirect" not in host_client("nancy.localhost").get("/media/nancy/../limoges/x.png")
