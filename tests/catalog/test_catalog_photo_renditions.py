"""Photo renditions are made by the real Celery worker, after commit, in the territory's schema and folder."""

import io
import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import tenant_context
from PIL import Image

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, ProductPhoto
from vitrine.catalog.services import product_quick_add
from vitrine.shops.models import Commune, Shop
from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import TEST_VAR, host_client, wait_for


def _photo_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), "#2f6f4f").save(buffer, format="JPEG", quality=90)
    return SimpleUploadedFile("IMG_20240312.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_worker_makes_web_renditions_under_the_territory_folder_and_pages_use_them(celery_worker, committed):
    nancy = committed["nancy"]
    media_root = settings.MEDIA_ROOT
    with tenant_context(nancy):
        shop = ShopFactory(name="Fleurs de Lorraine", category=Category.objects.get(slug="fleurs-et-plantes"))
    try:
        # when the merchant quick-adds a photo (committed, so the task is sent)
        with tenant_context(nancy):
            product = product_quick_add(
                shop=shop, actor=shop.owner_user, title="Bouquet de saison", price="35", photo=_photo_upload()
            )
            photo = product.photos.get()
            assert photo.renditions == {}

        # then the worker makes three WebP renditions, under nancy's folder
        def renditions():
            with tenant_context(nancy):
                return ProductPhoto.objects.get(pk=photo.pk).renditions

        made = wait_for(
            renditions, timeout=30, message=f"the renditions (worker log: {TEST_VAR / 'celery-worker.log'})"
        )
        assert sorted(made) == ["1280", "320", "640"]
        assert made["640"] == {"name": made["640"]["name"], "width": 640, "height": 480}
        for rendition in made.values():
            assert re.match(r"nancy/products/[\w-]{20,}/bouquet-de-saison-", rendition["name"])
            assert rendition["name"].endswith(".webp")
            with Image.open(f"{media_root}/{rendition['name']}") as image:
                assert (image.format, image.width) == ("WEBP", rendition["width"])

        # and the product page uses them with srcset, width and height
        text = host_client("nancy.localhost").get(f"/boutiques/{shop.slug}/{product.slug}/").text
        assert f"/media/{made['320']['name']} 320w" in text and 'width="640" height="480"' in text
    finally:
        with tenant_context(nancy):
            for photo in ProductPhoto.objects.filter(product__shop=shop):
                for name in [photo.image.name, *(r["name"] for r in photo.renditions.values())]:
                    default_storage.delete(name)
            owner_pk, commune_pk, category_pk = shop.owner_user.pk, shop.commune_id, shop.category_id
            Shop.objects.filter(pk=shop.pk).delete()
            User.objects.filter(pk=owner_pk).delete()
            Commune.objects.filter(pk=commune_pk).delete()
            assert Category.objects.filter(pk=category_pk).exists()
        connection.set_schema_to_public()
