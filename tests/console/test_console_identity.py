"""The console sets a territory's identity: at provisioning, and later from the territory's page."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.console.tasks import territory_provision_job_run
from vitrine.tenancy.models import AuditEntry, ProvisioningJob, Territory
from vitrine.testing.helpers import host_client, image_upload

PROVISION_FORM = {
    "name": "Achetez Toulouse",
    "slug": "toulouse",
    "kind": "metropole",
    "theme": "metropole",
    "contact_email": "contact@toulouse.fr",
    "admin_email": "admin@toulouse.fr",
    "primary_color": "#1d4ed8",
    "header_color": "#3a1d5f",
    "accent_color": "#b5541c",
    "hero_text": "Les boutiques de Toulouse",
    "footer_text": "Une initiative de Toulouse Métropole",
}


def test_a_territory_provisioned_with_its_identity_has_it_from_the_start(
    console_client, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)

    # when the operator provisions a territory with its colours, texts, logo and favicon
    with django_capture_on_commit_callbacks(execute=False):
        response = console_client.post(
            "/territoires/nouveau/",
            {
                **PROVISION_FORM,
                "logo": image_upload("logo.webp", 300, 300, image_format="WEBP"),
                "favicon": image_upload("favicon.png", 64, 64),
            },
        )
    job = ProvisioningJob.objects.get()
    assert response.status_code == 302
    territory_provision_job_run.run(job_id=job.pk)

    # then the territory has them, its images under its own folder, and the set-aside copies are gone
    job.refresh_from_db()
    assert job.status == ProvisioningJob.Status.SUCCEEDED, job.error
    territory = Territory.objects.get(schema_name="toulouse")
    assert (territory.header_color, territory.accent_color, territory.footer_text) == (
        "#3a1d5f",
        "#b5541c",
        "Une initiative de Toulouse Métropole",
    )
    assert (territory.logo.name, territory.favicon.name) == (
        "toulouse/branding/logo.png",
        "toulouse/branding/favicon.png",
    )
    assert not any((tmp_path / "provisioning").rglob("*.*"))
    home = host_client("toulouse.localhost").get("/").text
    assert 'alt="Achetez Toulouse"' in home and "/media/toulouse/branding/favicon.png" in home


def test_provisioning_refuses_a_bad_image_or_an_invisible_accent_and_queues_nothing(console_client, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)

    response = console_client.post(
        "/territoires/nouveau/",
        {
            **PROVISION_FORM,
            "accent_color": "#fefefe",
            "logo": SimpleUploadedFile("logo.png", b"%PDF-1.4 not an image", content_type="image/png"),
        },
    )

    assert response.status_code == 200  # the form again, as for every refused provisioning
    assert "pas une image lisible" in response.text and "#fefefe" in response.text and "3:1" in response.text
    assert not ProvisioningJob.objects.exists() and not Territory.objects.filter(schema_name="toulouse").exists()
    assert not any(tmp_path.rglob("*.*"))


def test_an_operator_changes_a_territorys_identity_later_and_both_trails_say_so(
    console_client, nancy, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path)

    # when the operator sets nancy's header colour and logo from the console
    response = console_client.post(
        "/territoires/nancy/identite/",
        {"name": "Achetez Grand Nancy", "header_color": "#12324a", "logo": image_upload("logo.png", 100, 100)},
    )

    # then nancy has them; the console's log names the operator, and so does nancy's own trail
    assert response.status_code == 302 and response["Location"] == "/territoires/nancy/identite/"
    nancy = Territory.objects.get(pk=nancy.pk)
    assert nancy.header_color == "#12324a" and nancy.logo.name == "nancy/branding/logo.png"
    entry = AuditEntry.objects.get(action="territory.branding", territory=nancy)
    assert entry.actor == console_client.operator
    with tenant_context(nancy):
        event = AuditEvent.objects.get(verb="territory.branding")
    assert event.actor_label == "operator@vitrine.example.fr" and event.payload["by"] == "console"
    assert "--color-header: #12324a;" in host_client("nancy.localhost").get("/theme.css").text
    # and the page shows the logo from nancy's own host (uploads answer there only), with the preview
    page = console_client.get("/territoires/nancy/identite/").text
    assert "http://nancy.localhost:8000/media/nancy/branding/logo.png" in page and "tenancy/identity.js" in page


def test_the_console_refuses_a_too_light_primary_colour_and_changes_nothing(console_client, nancy):
    response = console_client.post("/territoires/nancy/identite/", {"name": "Autre", "primary_color": "#ffff00"})

    assert response.status_code == 400 and "4,5:1" in response.text
    nancy = Territory.objects.get(pk=nancy.pk)
    assert nancy.name == "Achetez Grand Nancy" and nancy.primary_color == "#7a1f3d"
    assert not AuditEntry.objects.filter(action="territory.branding").exists()


def test_only_console_operators_may_edit_an_identity_from_the_console(db, nancy):
    # anonymous: sent to sign in; a public account that is not an operator: refused
    assert host_client("console.localhost").get("/territoires/nancy/identite/").status_code == 302
    someone = host_client("console.localhost")
    someone.force_login(User.objects.create_user(email="someone@example.fr", password="x" * 12))
    assert someone.post("/territoires/nancy/identite/", {"name": "Pris"}).status_code == 403
    assert Territory.objects.get(pk=nancy.pk).name == "Achetez Grand Nancy"


def test_the_console_identity_page_of_an_unknown_territory_is_404(console_client):
    assert console_client.get("/territoires/nulle-part/identite/").status_code == 404
