"""Territory admins brand their marketplace: name, hero text, primary colour, logo."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from vitrine.accounts.models import User
from vitrine.tenancy.models import AuditEntry, Territory
from vitrine.testing.factories import UserFactory
from vitrine.testing.helpers import client_on, host_client


def _client(territory, role=User.Role.TERRITORY_ADMIN):
    with tenant_context(territory):
        user = UserFactory(role=role)
    return client_on(territory, user)


def _png(width=64, height=64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#7a1f3d").save(buffer, format="PNG")
    return buffer.getvalue()


def test_admin_changes_name_colour_and_logo_and_the_home_page_follows(
    nancy, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    client = _client(nancy)

    # when the admin saves a new look
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/espace/identite/",
            {
                "name": "Nancy Boutiques",
                "hero_text": "Tout Nancy en ligne",
                "primary_color": "#0b3d91",
                "logo": SimpleUploadedFile("logo.png", _png(), content_type="image/png"),
            },
        )

    # then it is saved, the logo is under nancy's folder, and the home page shows it at once
    assert response.status_code == 302
    nancy = Territory.objects.get(pk=nancy.pk)
    assert (nancy.name, nancy.primary_color, nancy.logo.name) == (
        "Nancy Boutiques",
        "#0b3d91",
        "nancy/branding/logo.png",
    )
    assert (tmp_path / "nancy" / "branding" / "logo.png").is_file()
    home = host_client("nancy.localhost").get("/").text
    assert "Nancy Boutiques" in home and "Tout Nancy en ligne" in home and "/media/nancy/branding/logo.png" in home
    assert "--color-primary: #0b3d91;" in host_client("nancy.localhost").get("/theme.css").text
    assert AuditEntry.objects.filter(action="territory.branding", territory=nancy).exists()


def test_too_light_colour_and_a_fake_image_are_refused_and_nothing_changes(nancy):
    client = _client(nancy)

    response = client.post(
        "/espace/identite/",
        {
            "name": "Autre nom",
            "hero_text": "",
            "primary_color": "#fff0f0",
            "logo": SimpleUploadedFile("logo.png", b"<script>alert(1)</script>", content_type="image/png"),
        },
    )

    assert response.status_code == 400
    assert "trop claire" in response.text and "pas une image lisible" in response.text
    assert Territory.objects.get(pk=nancy.pk).name == "Achetez Grand Nancy"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_logo_is_refused(nancy):
    client = _client(nancy)
    # a small file that claims 10,000 x 10,000 pixels
    bomb = SimpleUploadedFile("bomb.png", _png(10_000, 10_000), content_type="image/png")

    response = client.post("/espace/identite/", {"name": "Nancy", "primary_color": "", "logo": bomb})

    assert response.status_code == 400 and "4 millions de pixels" in response.text
    assert not Territory.objects.get(pk=nancy.pk).logo


def test_only_the_territory_admin_may_change_the_look(nancy, limoges):
    # a shopper is refused, a visitor is sent to sign in
    assert _client(nancy, role=User.Role.SHOPPER).get("/espace/identite/").status_code == 403
    assert host_client("nancy.localhost").get("/espace/identite/").status_code == 302
    # cross-territory: limoges' admin session means nothing on nancy
    limoges_admin = _client(limoges)
    nancy_client = host_client("nancy.localhost")
    nancy_client.cookies = limoges_admin.cookies
    assert nancy_client.post("/espace/identite/", {"name": "Pris"}).status_code == 302
    assert Territory.objects.get(pk=nancy.pk).name == "Achetez Grand Nancy"


def test_only_an_admin_may_change_the_identity_even_calling_the_service(nancy):
    # given a staff member (not an admin) of Nancy
    from vitrine.backoffice.services import territory_branding_update
    from vitrine.shops.permissions import NotTerritoryAdmin

    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        # when / then: the service itself refuses (a 403, not a 500), and nothing changes
        with pytest.raises(NotTerritoryAdmin):
            territory_branding_update(territory=nancy, actor=staff, name="Piraté", hero_text="", primary_color="")
    assert Territory.objects.get(pk=nancy.pk).name != "Piraté"
