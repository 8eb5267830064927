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
    from vitrine.tenancy.branding import IdentityChange

    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        # when / then: the service itself refuses (a 403, not a 500), and nothing changes
        with pytest.raises(NotTerritoryAdmin):
            territory_branding_update(territory=nancy, actor=staff, change=IdentityChange(name="Piraté"))
    assert Territory.objects.get(pk=nancy.pk).name != "Piraté"


def test_the_identity_page_sets_every_part_and_records_it_in_both_trails(
    nancy, tmp_path, settings, django_capture_on_commit_callbacks
):
    from vitrine.audit.models import AuditEvent
    from vitrine.testing.helpers import image_upload

    settings.MEDIA_ROOT = str(tmp_path)
    client = _client(nancy)

    # when the admin sends colours, texts and images from /espace/identite/
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/espace/identite/",
            {
                "name": "Achetez Grand Nancy",
                "hero_text": "Vos commerçants en ligne",
                "primary_color": "#7a1f3d",
                "header_color": "#1d1d1b",
                "accent_color": "#b5541c",
                "footer_text": "Une initiative de la Métropole",
                "logo": image_upload("logo.jpg", 200, 200, image_format="JPEG"),
                "hero_image": image_upload("hero.png", 1200, 500),
                "favicon": image_upload("favicon.png", 64, 64),
                "social_image": image_upload("share.png", 1200, 630),
            },
        )

    # then all is saved, recorded in the console's log and nancy's trail, and the pages follow
    assert response.status_code == 302
    nancy = Territory.objects.get(pk=nancy.pk)
    assert (nancy.header_color, nancy.accent_color, nancy.footer_text) == (
        "#1d1d1b",
        "#b5541c",
        "Une initiative de la Métropole",
    )
    assert nancy.logo.name.endswith(".png") and nancy.hero_image and nancy.favicon and nancy.social_image
    assert AuditEntry.objects.filter(action="territory.branding", territory=nancy).count() == 1
    with tenant_context(nancy):
        assert AuditEvent.objects.filter(verb="territory.branding").count() == 1
    page = client.get("/espace/identite/").text
    # the page offers to remove what exists, and loads the preview only here
    assert 'name="logo_remove"' in page and 'name="social_image_remove"' in page
    assert "tenancy/identity.js" in page and 'id="identity-preview-data"' in page
    assert "tenancy/identity.js" not in host_client("nancy.localhost").get("/").text


def test_the_identity_page_refuses_a_file_that_is_not_an_image_or_is_too_big(nancy, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    client = _client(nancy)
    too_big = SimpleUploadedFile("hero.jpg", b"\xff\xd8" + b"0" * (2 * 1024 * 1024 + 1), content_type="image/jpeg")

    response = client.post(
        "/espace/identite/",
        {
            "name": "Nancy",
            "favicon": SimpleUploadedFile("favicon.png", b"GIF89a not really", content_type="image/png"),
            "hero_image": too_big,
            "accent_color": "#fffff0",
        },
    )

    assert response.status_code == 400
    assert "pas une image lisible" in response.text and "2 Mo" in response.text and "3:1" in response.text
    nancy = Territory.objects.get(pk=nancy.pk)
    assert nancy.name == "Achetez Grand Nancy" and not nancy.favicon and not nancy.hero_image
    assert not nancy.accent_color and not any(tmp_path.rglob("*.*"))


def test_territory_staff_who_are_not_admins_cannot_open_the_identity_page(nancy):
    staff = _client(nancy, role=User.Role.TERRITORY_STAFF)

    assert staff.get("/espace/identite/").status_code == 403
    assert staff.post("/espace/identite/", {"name": "Pris", "header_color": "#000000"}).status_code == 403
    assert not Territory.objects.get(pk=nancy.pk).header_color
