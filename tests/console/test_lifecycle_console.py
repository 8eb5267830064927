"""The territory life cycle from the console: export (real worker), archive (read-only), delete for good."""

import io
import json
import tarfile
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from vitrine.accounts.models import User
from vitrine.console.services import console_user_delete
from vitrine.orders.models import Cart
from vitrine.tenancy.models import AuditEntry, Domain, Territory, TerritoryExport
from vitrine.testing.factories import ProductFactory, shop_open_every_day
from vitrine.testing.helpers import TEST_VAR, client_on, host_client, sign_in_as, wait_for
from vitrine.testing.territories import territory_make


def test_an_operator_exports_from_the_console_and_the_real_worker_makes_the_archive(celery_worker, committed):
    # given a signed-in operator (committed, for the worker to see the export row)
    operator = User.objects.create_superuser(email="exporter@vitrine.example.fr", password="operator-pass-1")
    client = host_client(f"console.{settings.BASE_DOMAIN}")
    sign_in_as(client, operator)
    export = None
    try:
        # when they press "Export the territory" on Limoges' page
        response = client.post("/territoires/limoges/exporter/")
        export = TerritoryExport.objects.get(territory__schema_name="limoges", requested_by=operator)
        assert response.status_code == 302 and response["Location"] == f"/exports/{export.pk}/"

        # then the worker makes the archive, its page shows the progress then the download
        def done():
            export.refresh_from_db()
            return export.is_finished

        wait_for(done, timeout=60, message=f"the export (worker log: {TEST_VAR / 'celery-worker.log'})")
        assert export.status == TerritoryExport.Status.SUCCEEDED, export.error
        page = client.get(f"/exports/{export.pk}/").content.decode()
        assert "Télécharger l'archive" in page and export.sha256 in page
        download = client.get(f"/exports/{export.pk}/archive/")
        assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
        with tarfile.open(fileobj=io.BytesIO(b"".join(download.streaming_content))) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        assert manifest["territory"]["slug"] == "limoges" and manifest["schema_sql"]["present"]
        assert AuditEntry.objects.filter(action="territory.export", territory__schema_name="limoges").exists()
        # and nobody but an operator gets the file
        assert host_client(f"console.{settings.BASE_DOMAIN}").get(f"/exports/{export.pk}/archive/").status_code == 302
        assert host_client("limoges.localhost").get(f"/exports/{export.pk}/archive/").status_code == 404
    finally:
        if export is not None:
            export.refresh_from_db()
            if export.file_name:
                (TEST_VAR / "exports" / export.file_name).unlink(missing_ok=True)
            export.delete()
        connection.set_schema_to_public()
        AuditEntry.objects.filter(actor=operator).delete()
        AuditEntry.objects.filter(action="territory.export", territory__schema_name="limoges").delete()
        connection.set_schema_to_public()
        console_user_delete(user=operator)
    assert settings.VITRINE_EXPORTS_DIR == str(TEST_VAR / "exports")


def test_an_archived_territory_reads_but_refuses_every_write_in_its_branding(
    console_client, nancy, django_capture_on_commit_callbacks
):
    # given a product in Nancy
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Fleurs de Lorraine")
        product = ProductFactory(shop=shop, title="Bouquet de saison")
    connection.set_schema_to_public()

    # when an operator archives Nancy with a reason
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = console_client.post("/territoires/nancy/archiver/", {"reason": "fin de la convention"})
    sent[0]()  # the routing forgets Nancy's state (the export task's sending is left aside: no worker here)

    # then it is archived, logged, and an export is queued for it
    assert response.status_code == 302
    nancy.refresh_from_db()
    assert nancy.status == "archived" and nancy.archived_at is not None
    assert TerritoryExport.objects.get(territory=nancy).reason == "archive"
    entry = AuditEntry.objects.get(action="territory.archive", territory=nancy)
    assert entry.details == {"reason": "fin de la convention"}
    # and its pages still read while every write is refused in French, in its branding
    visitor = host_client("nancy.localhost")
    assert "Bouquet de saison" in visitor.get(f"/boutiques/{shop.slug}/{product.slug}/").content.decode()
    refused = visitor.post(f"/panier/ajouter/{product.pk}/", {"quantity": 1})
    assert refused.status_code == 503
    text = refused.content.decode()
    assert "Ce site est archivé" in text and "Achetez Grand Nancy" in text
    with tenant_context(nancy):
        assert not Cart.objects.exists()
    # the suspend/resume buttons do not take it out of the archive behind the operator's back
    console_client.post("/territoires/nancy/statut/", {"status": "active"})
    nancy.refresh_from_db()
    assert nancy.status == "archived"
    # and its console page says when it can be deleted, the button disabled until then
    page = console_client.get("/territoires/nancy/").content.decode()
    assert "Il pourra être supprimé définitivement à partir du" in page
    assert 'type="button" disabled>Supprimer définitivement…' in page

    # when it is taken out of the archive, it takes writes again
    with django_capture_on_commit_callbacks(execute=True):
        console_client.post("/territoires/nancy/desarchiver/")
    nancy.refresh_from_db()
    assert nancy.status == "active" and nancy.archived_at is None
    assert host_client("nancy.localhost").post(f"/panier/ajouter/{product.pk}/", {"quantity": 1}).status_code == 302


def test_deleting_for_good_from_the_console_after_the_grace_period_with_the_typed_slug(
    console_client, django_capture_on_commit_callbacks
):
    # given an archived territory with a shop, public rows and a file
    territory = territory_make("rtview", name="Marché de Vue")
    with tenant_context(territory):
        shop_open_every_day(name="Épicerie Vue")
    connection.set_schema_to_public()
    Territory.objects.filter(pk=territory.pk).update(status="archived", archived_at=timezone.now())

    # the delete page refuses before the grace period ends, and changes nothing
    page = console_client.get("/territoires/rtview/supprimer/").content.decode()
    assert "délai de grâce" in page and "disabled" in page
    refused = console_client.post("/territoires/rtview/supprimer/", {"confirmation": "rtview"})
    assert refused.status_code == 400 and schema_exists("rtview")

    # after it, a wrong identifier is refused in French, and changes nothing
    Territory.objects.filter(pk=territory.pk).update(archived_at=timezone.now() - timedelta(days=31))
    refused = console_client.post("/territoires/rtview/supprimer/", {"confirmation": "rtvie"})
    assert refused.status_code == 400 and "identifiant « rtview » exactement" in refused.content.decode()
    assert schema_exists("rtview")

    # nor without an export made since it was archived: its data would be lost
    refused = console_client.post("/territoires/rtview/supprimer/", {"confirmation": "rtview"})
    assert refused.status_code == 400 and "exportez-le d’abord" in refused.content.decode()
    assert schema_exists("rtview")
    TerritoryExport.objects.create(territory=territory, slug="rtview", status=TerritoryExport.Status.SUCCEEDED)

    # when the identifier is typed
    with django_capture_on_commit_callbacks(execute=True):
        response = console_client.post("/territoires/rtview/supprimer/", {"confirmation": "rtview"})

    # then the schema, the rows and the log lines naming it are gone; one line says it was deleted
    assert response.status_code == 302 and response["Location"] == "/"
    assert not schema_exists("rtview")
    assert not Territory.objects.filter(schema_name="rtview").exists()
    assert not Domain.objects.filter(domain="rtview.localhost").exists()
    assert not AuditEntry.objects.filter(details__slug="rtview").exclude(action="territory.delete").exists()
    deleted = AuditEntry.objects.get(action="territory.delete")
    assert deleted.details == {"slug": "rtview", "exports_kept": True} and deleted.actor == console_client.operator
    # and its host is an unknown host now
    gone = host_client("rtview.localhost").get("/")
    assert gone.status_code == 404 and "Aucune place de marché" in gone.content.decode()


def test_only_operators_reach_the_life_cycle_and_a_territory_team_never_does(db, nancy):
    # a console account that is not an operator is refused everywhere, and nothing changes
    connection.set_schema_to_public()
    someone = User.objects.create_user(email="someone@vitrine.example.fr", password="x", is_staff=False)
    client = host_client(f"console.{settings.BASE_DOMAIN}")
    client.force_login(someone)
    for url in (
        "/territoires/nancy/exporter/",
        "/territoires/nancy/archiver/",
        "/territoires/nancy/desarchiver/",
        "/territoires/nancy/supprimer/",
    ):
        assert client.post(url, {"confirmation": "nancy"}).status_code == 403, url
    nancy.refresh_from_db()
    assert nancy.status == "active" and not TerritoryExport.objects.exists()
    # the territory's own admin, signed in on its host, finds no such page there
    with tenant_context(nancy):
        admin = User.objects.get(email="admin@nancy.example.fr")
    team = client_on(nancy, admin)
    for url in ("/territoires/nancy/supprimer/", "/territoires/nancy/exporter/", "/exports/1/archive/"):
        assert team.post(url, {"confirmation": "nancy"}).status_code == 404, url
    # and anonymous visitors of the console are sent to sign in
    assert host_client(f"console.{settings.BASE_DOMAIN}").post("/territoires/nancy/archiver/").status_code == 302
    assert schema_exists("nancy")
