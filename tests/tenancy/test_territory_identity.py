"""A territory's identity (tenancy.branding): colours with their contrast, texts, images; all or nothing."""

import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.backoffice.services import territory_branding_update
from vitrine.shops.permissions import NotTerritoryAdmin
from vitrine.tenancy.branding import IdentityChange
from vitrine.tenancy.models import AuditEntry, Territory
from vitrine.testing.factories import UserFactory
from vitrine.testing.helpers import host_client, image_bytes, image_upload
from vitrine.theming.services import AA_NORMAL_TEXT, contrast_ratio, territory_tokens

IDENTITY_COLUMNS = (
    "name",
    "hero_text",
    "footer_text",
    "primary_color",
    "header_color",
    "accent_color",
    "logo",
    "hero_image",
    "favicon",
    "social_image",
)


def _snapshot(territory) -> tuple:
    row = Territory.objects.get(pk=territory.pk)
    return tuple(str(getattr(row, column)) for column in IDENTITY_COLUMNS)


def _full_change(**overrides) -> IdentityChange:
    fields = {
        "name": "Nancy Boutiques",
        "hero_text": "Tout Nancy en ligne",
        "primary_color": "#0B3D91",
        "header_color": "#12324a",
        "accent_color": "#b5541c",
        "footer_text": "Une initiative de la Métropole et de ses commerçants",
        "images": {
            "logo": image_upload("logo.webp", 600, 300, image_format="WEBP"),
            "hero_image": image_upload("hero.jpg", 2000, 800, image_format="JPEG"),
            "favicon": image_upload("icon.png", 256, 256),
            "social_image": image_upload("share.png", 1200, 630),
        },
    }
    fields.update(overrides)
    return IdentityChange(**fields)


def _update(territory, change, role=User.Role.TERRITORY_ADMIN):
    with tenant_context(territory):
        return territory_branding_update(territory=territory, actor=UserFactory(role=role), change=change)


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_a_full_identity_is_saved_with_clean_images_and_the_pages_follow(
    nancy, media, django_capture_on_commit_callbacks
):
    # when nancy's admin sets every part of the identity
    with django_capture_on_commit_callbacks(execute=True):
        _update(nancy, _full_change())

    # then it is saved, colours lower-cased, images re-encoded for their use under nancy's folder
    nancy = Territory.objects.get(pk=nancy.pk)
    assert (nancy.name, nancy.primary_color, nancy.header_color, nancy.accent_color) == (
        "Nancy Boutiques",
        "#0b3d91",
        "#12324a",
        "#b5541c",
    )
    assert nancy.logo.name == "nancy/branding/logo.png"  # PNG, whatever was sent: emails can show it
    assert nancy.social_image.name == "nancy/branding/social.jpg"
    with Image.open(media / nancy.logo.name) as logo, Image.open(media / nancy.favicon.name) as favicon:
        assert logo.format == "PNG" and logo.size == (512, 256)  # scaled down to fit 512 x 512
        assert favicon.size == (192, 192)
    with Image.open(media / nancy.hero_image.name) as hero:
        assert hero.size == (1600, 640) == (nancy.hero_image_width, nancy.hero_image_height)
    # and the tokens carry the header and accent colours, the header's text readable on it
    tokens = territory_tokens(nancy)
    assert (tokens["color_header"], tokens["color_accent"]) == ("#12324a", "#b5541c")
    assert contrast_ratio(tokens["color_on_header"], "#12324a") >= AA_NORMAL_TEXT
    # and the home page shows them
    home = host_client("nancy.localhost").get("/").text
    assert '<img class="brand-logo" src="/media/nancy/branding/logo.png" alt="Nancy Boutiques"' in home
    assert '<link rel="icon" href="/media/nancy/branding/favicon.png">' in home
    assert 'src="/media/nancy/branding/hero.jpg" alt="" width="1600" height="640" fetchpriority="high"' in home
    assert 'loading="lazy"' not in home.split('class="hero-image"')[1].split(">")[0]
    assert "Une initiative de la Métropole et de ses commerçants" in home
    css = host_client("nancy.localhost").get("/theme.css").text
    assert "--color-header: #12324a;" in css and "--color-accent: #b5541c;" in css


def test_the_decision_is_recorded_in_the_console_log_and_the_territory_trail(nancy, media):
    # when the admin changes the identity
    _update(nancy, _full_change())

    # then the console's log and nancy's own trail each have one row
    entry = AuditEntry.objects.get(action="territory.branding", territory=nancy)
    assert entry.details["header_color"] == "#12324a" and entry.details["images"] == [
        "favicon",
        "hero_image",
        "logo",
        "social_image",
    ]
    with tenant_context(nancy):
        assert AuditEvent.objects.filter(verb="territory.branding").count() == 1


def _big_png() -> SimpleUploadedFile:
    # random pixels do not compress: over 2 MB
    image = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    path = SimpleUploadedFile("big.png", b"", content_type="image/png")
    image.save(path.file, format="PNG")
    path.size = path.file.tell()
    path.file.seek(0)
    return path


BAD_INPUTS = {
    "primary too light": ({"primary_color": "#ffff00"}, "primary_color", ["#ffff00", "4,5:1", "1,0:1"]),
    "accent invisible": ({"accent_color": "#fffff0"}, "accent_color", ["#fffff0", "3:1", "1,0:1"]),
    "header not a colour": ({"header_color": "blue"}, "header_color", ["#RRGGBB"]),
    "no name": ({"name": "   "}, "name", ["nom"]),
    "hero text too long": ({"hero_text": "x" * 241}, "hero_text", ["240"]),
    "footer too long": ({"footer_text": "x" * 301}, "footer_text", ["300"]),
    "logo not an image": (
        {"images": {"logo": SimpleUploadedFile("logo.png", b"<script>alert(1)</script>")}},
        "logo",
        ["pas une image lisible"],
    ),
    "logo an svg": (
        {"images": {"logo": SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>')}},
        "logo",
        ["pas une image lisible"],
    ),
    "social image a gif": (
        {"images": {"social_image": SimpleUploadedFile("s.gif", image_bytes(1200, 630, image_format="GIF"))}},
        "social_image",
        ["JPEG, PNG ou WebP"],
    ),
    "hero image too small": (
        {"images": {"hero_image": image_upload("hero.png", 200, 100)}},
        "hero_image",
        ["trop petite", "480"],
    ),
}


@pytest.mark.parametrize("overrides, field, words", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_with_a_french_reason_and_changes_nothing(nancy, media, overrides, field, words):
    # given nancy's identity as it is
    before = _snapshot(nancy)

    # when the admin sends everything right but one thing
    with pytest.raises(ValidationError) as refused:
        _update(nancy, _full_change(**{"images": {}, **overrides}))

    # then that field says why, in French, and nothing is saved, logged or stored
    message = " ".join(refused.value.message_dict[field])
    for word in words:
        assert word in message, message
    assert _snapshot(nancy) == before
    assert not AuditEntry.objects.filter(action="territory.branding").exists()
    assert not any(media.rglob("*.*"))


def test_an_image_over_2_mb_is_refused_and_the_other_images_are_not_stored(nancy, media):
    before = _snapshot(nancy)

    with pytest.raises(ValidationError) as refused:
        _update(nancy, _full_change(images={"logo": image_upload("logo.png"), "hero_image": _big_png()}))

    assert "2 Mo" in refused.value.message_dict["hero_image"][0]
    assert _snapshot(nancy) == before and not any(media.rglob("*.*"))


def test_an_image_can_be_removed_and_its_file_goes(nancy, media, django_capture_on_commit_callbacks):
    # given a logo
    with django_capture_on_commit_callbacks(execute=True):
        _update(nancy, _full_change(images={"logo": image_upload("logo.png")}))
    assert (media / "nancy/branding/logo.png").is_file()

    # when the admin removes it
    with django_capture_on_commit_callbacks(execute=True):
        _update(nancy, _full_change(images={}, remove=frozenset({"logo"})))

    # then the territory has none and the file is deleted
    assert not Territory.objects.get(pk=nancy.pk).logo
    assert not (media / "nancy/branding/logo.png").exists()


def test_empty_colours_and_texts_mean_the_theme_and_folder_ones(nancy, media):
    # when the admin empties every colour
    _update(nancy, IdentityChange(name="Achetez Grand Nancy"))

    # then nancy's folder (territory.toml) and theme give them again
    tokens = territory_tokens(Territory.objects.get(pk=nancy.pk))
    assert tokens["color_header"] == "#7a1f3d" and tokens["color_primary"] == "#0b4f8a"


def test_only_an_administrator_may_change_the_identity(nancy):
    with pytest.raises(NotTerritoryAdmin):
        _update(nancy, _full_change(images={}), role=User.Role.TERRITORY_STAFF)
    assert Territory.objects.get(pk=nancy.pk).name == "Achetez Grand Nancy"


def test_an_administrator_cannot_change_another_territorys_identity(nancy, limoges):
    # given limoges' admin, served on limoges' host (limoges' schema)
    with tenant_context(limoges):
        admin = UserFactory(role=User.Role.TERRITORY_ADMIN)

        # when the service is asked to change nancy's identity: cross-territory, refused
        with pytest.raises(NotTerritoryAdmin):
            territory_branding_update(territory=nancy, actor=admin, change=_full_change(images={}))

    # then nancy is untouched
    assert Territory.objects.get(pk=nancy.pk).name == "Achetez Grand Nancy"
    assert not AuditEntry.objects.filter(action="territory.branding").exists()
