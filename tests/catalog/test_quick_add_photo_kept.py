"""Quick add: a photo taken once survives a validation error (a mistyped price), never across shops."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from html import unescape

from django.core import signing
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Product
from vitrine.catalog.pending import SALT, pending_photo_keep, pending_photos_purge
from vitrine.testing.factories import ShopFactory


def _token(html: str) -> str:
    found = re.search(r'name="photo_token" value="([^"]+)"', html)
    return unescape(found.group(1)) if found else ""


def _kept_files(media, schema: str) -> list[str]:
    folder = media / schema / "pending-photos"
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_a_mistyped_price_keeps_the_photo_and_the_corrected_form_publishes_it(
    nancy, nancy_shop, nancy_merchant, media, png_upload
):
    # given a merchant who took a photo but typed a price with three decimals
    response = nancy_merchant.post(
        "/pro/produits/rapide/", {"title": "Coussin lin", "price": "29,905", "photo": png_upload("IMG_1.png")}
    )

    # then the page says what is wrong, and shows the photo back, kept, in a hidden field's token
    assert response.status_code == 400
    html = response.content.decode()
    assert "au plus deux décimales" in html
    token = _token(html)
    assert token and "Votre photo est gardée" in unescape(html)
    assert re.search(r'<img id="quick-photo-preview" alt="" src="/media/nancy/pending-photos/[^"]+\.png">', html)
    assert len(_kept_files(media, "nancy")) == 1

    # when they correct the price and send the form again, without taking the photo again
    response = nancy_merchant.post(
        "/pro/produits/rapide/", {"title": "Coussin lin", "price": "29,90", "photo_token": token}
    )

    # then the product is online with that photo, and the kept file is gone
    assert response.status_code == 302
    with tenant_context(nancy):
        product = Product.objects.get(shop=nancy_shop)
        assert product.photos.count() == 1
    assert _kept_files(media, "nancy") == []


def test_a_second_error_keeps_the_photo_still(nancy, nancy_shop, nancy_merchant, media, png_upload):
    first = nancy_merchant.post("/pro/produits/rapide/", {"title": "", "price": "1", "photo": png_upload()})
    token = _token(first.content.decode())

    second = nancy_merchant.post("/pro/produits/rapide/", {"title": "", "price": "2", "photo_token": token})

    assert second.status_code == 400 and _token(second.content.decode()) == token
    assert "pending-photos" in second.content.decode()


def test_a_file_that_is_not_an_image_is_not_kept(nancy, nancy_shop, nancy_merchant, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("IMG_2.jpg", b"GIF89a not really", content_type="image/jpeg")
    response = nancy_merchant.post("/pro/produits/rapide/", {"title": "", "price": "1", "photo": fake})

    assert response.status_code == 400 and "pas une image" in response.content.decode()
    assert _token(response.content.decode()) == "" and _kept_files(media, "nancy") == []


def test_a_token_of_another_shop_or_a_forged_one_brings_no_photo(nancy, nancy_shop, nancy_merchant, media, png_upload):
    # given a photo kept for another shop of the territory
    with tenant_context(nancy):
        other = ShopFactory(name="Autre boutique")
        theirs = pending_photo_keep(shop=other, upload=png_upload())
    forged = signing.dumps({"schema": "nancy", "shop": nancy_shop.pk, "name": "nancy/x/../secret.png"}, salt=SALT)

    for token in (theirs, forged, theirs + "x"):
        # when this merchant sends it with their product
        response = nancy_merchant.post(
            "/pro/produits/rapide/", {"title": f"Vase {len(token)}", "price": "10", "photo_token": token}
        )
        # then the product is published without anyone else's photo
        assert response.status_code == 302
    with tenant_context(nancy):
        assert not Product.objects.filter(shop=nancy_shop, photos__isnull=False).exists()


def test_a_photo_kept_in_one_territory_is_worthless_in_another(nancy, limoges, media, png_upload, client_for):
    # cross-territory: a token made in limoges, replayed by a nancy merchant whose shop has the same id
    with tenant_context(limoges):
        limoges_shop = ShopFactory(name="Porcelaine")
        token = pending_photo_keep(shop=limoges_shop, upload=png_upload())
    with tenant_context(nancy):
        nancy_shop = ShopFactory(name="Faïence")
    merchant = client_for(nancy, nancy_shop.owner_user)

    response = merchant.post("/pro/produits/rapide/", {"title": "Assiette", "price": "9", "photo_token": token})

    assert response.status_code == 302
    with tenant_context(nancy):
        assert Product.objects.get(shop=nancy_shop).photos.count() == 0
    assert len(_kept_files(media, "limoges")) == 1


def test_the_purge_removes_kept_photos_nobody_came_back_for(nancy, nancy_shop, media, png_upload):
    with tenant_context(nancy):
        pending_photo_keep(shop=nancy_shop, upload=png_upload("old.png"))
        old = media / "nancy" / "pending-photos" / _kept_files(media, "nancy")[0]
        day_ago = time.time() - 25 * 3600
        os.utime(old, (day_ago, day_ago))
        pending_photo_keep(shop=nancy_shop, upload=png_upload("new.png"))

        removed = pending_photos_purge(older_than=timedelta(hours=24))

    assert removed == 1 and len(_kept_files(media, "nancy")) == 1
