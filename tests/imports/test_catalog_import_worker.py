"""A large catalogue goes through the real Celery worker: checked, then committed, with visible progress."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product, Variant
from vitrine.imports.models import CatalogImport
from vitrine.imports.testing import catalogue_rows, csv_bytes
from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import TEST_VAR, host_client, wait_for

ROWS = 2_000


def test_a_large_file_is_checked_and_imported_by_the_worker_with_progress_up_to_100(celery_worker, committed):
    nancy = committed["nancy"]
    # given a merchant of nancy (committed, so the worker sees it) and a 2,000-row catalogue
    with tenant_context(nancy):
        shop = ShopFactory(category=Category.objects.get(slug="decoration"))
        owner = shop.owner_user
    client = host_client("nancy.localhost")
    with tenant_context(nancy):
        client.force_login(owner)
    data = csv_bytes(catalogue_rows(ROWS, prefix="grand"))
    seen: list[int] = []

    def status_when(*wanted: str):
        def check():
            fragment = client.get(f"/pro/import/{pk}/progression/").content.decode()
            percent = int(fragment.split('max="100" value="', 1)[1].split('"', 1)[0])
            seen.append(percent)
            with tenant_context(nancy):
                current = CatalogImport.objects.get(pk=pk)
            return current if current.status in wanted else None

        return check

    try:
        # when the merchant sends it
        response = client.post("/pro/import/", {"file": SimpleUploadedFile("grand.csv", data)})
        assert response.status_code == 302
        pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        page = client.get(response["Location"]).content.decode()

        # then the page shows a progress bar that htmx polls every second, and the worker checks the file
        assert 'hx-trigger="every 1s"' in page and "<progress" in page
        checked = wait_for(
            status_when("validated", "invalid"),
            timeout=90,
            interval=0.3,
            message=f"the worker to check the file (log: {TEST_VAR / 'celery-worker.log'})",
        )
        assert checked.status == "validated", checked.errors[:5]
        assert checked.summary["create"] == checked.summary["products"] and checked.summary["rows"] == ROWS
        with tenant_context(nancy):
            assert not Product.objects.filter(shop=shop).exists()  # nothing saved before confirming

        # when the merchant confirms
        client.post(f"/pro/import/{pk}/confirmer/")

        # then the worker imports everything in one go and the progress reaches 100 %
        done = wait_for(
            status_when("done", "failed", "invalid"), timeout=120, interval=0.3, message="the worker to import the file"
        )
        assert done.status == "done", done.errors[:5]
        assert (done.processed_rows, done.progress_percent) == (ROWS, 100)
        assert seen[-1] == 100  # what the merchant last saw
        final = client.get(f"/pro/import/{pk}/").content.decode()
        assert "Import terminé" in final and "hx-trigger" not in final
        with tenant_context(nancy):
            assert Product.objects.filter(shop=shop).count() == checked.summary["products"]
            assert Variant.objects.filter(product__shop=shop).count() == checked.summary["variants"]
    finally:
        with tenant_context(nancy):
            for catalog_import in CatalogImport.objects.filter(shop=shop):
                default_storage.delete(catalog_import.file.name)
            shop.delete()
            User.objects.filter(pk=owner.pk).delete()
        connection.set_schema_to_public()
