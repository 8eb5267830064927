"""The merchant area: dashboard, storefront profile and photos, opening hours, closing periods, team."""

from __future__ import annotations

import io
from datetime import time, timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.shops.models import (
    ClosingPeriod,
    OpeningRange,
    Shop,
    ShopMember,
    ShopPhoto,
)
from vitrine.testing.factories import ShopFactory, UserFactory


def _jpeg(width=800, height=600, *, exif: bool = False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), "#7a1f3d")
    options = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        options["exif"] = data.tobytes()
    image.save(buffer, format="JPEG", **options)
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def _profile(**overrides) -> dict:
    data = {
        "description": "Bijoux faits main.",
        "phone": "03 83 00 00 00",
        "website": "https://bijoux.example.fr",
        "sales_mode": "click_and_collect",
    }
    data.update(overrides)
    return data


def test_dashboard_shows_the_shop_status_and_next_steps(world):
    response = world.client(world.owner).get("/pro/")

    text = unescape(response.text)
    assert response.status_code == 200
    assert world.shop.name in text and "Votre boutique est en ligne" in text
    for link in ("/pro/produits/", "/pro/import/", "/pro/horaires/", "/pro/boutique/", "/pro/equipe/"):
        assert f'href="{link}"' in text


def test_suspended_shop_sees_the_reason_on_its_dashboard(world):
    with tenant_context(world.territory):
        Shop.objects.filter(pk=world.shop.pk).update(status=Shop.Status.SUSPENDED, status_reason="Photos trompeuses.")

    text = unescape(world.client(world.owner).get("/pro/").text)

    assert "Votre boutique est suspendue" in text and "Photos trompeuses." in text


def test_owner_edits_the_storefront_and_a_script_in_the_description_is_sanitised(world):
    # given the owner on their storefront page
    client = world.client(world.owner)
    assert client.get("/pro/boutique/").status_code == 200

    # when they save a description holding a script, an event handler and a javascript: link
    description = (
        '<p onclick="steal()">Bijoux <strong>faits main</strong></p><script>alert("x")</script>'
        '<a href="javascript:alert(1)">clic</a> <a href="https://stanislas.example.fr">site</a>'
    )
    response = client.post("/pro/boutique/", _profile(description=description, sales_mode="showcase"))

    # then it is saved without anything that runs, and the page shows it safely
    assert response.status_code == 302
    with tenant_context(world.territory):
        shop = Shop.objects.get(pk=world.shop.pk)
    assert (
        "<script" not in shop.description
        and "onclick" not in shop.description
        and "javascript:" not in shop.description
    )
    assert (
        "<strong>faits main</strong>" in shop.description and 'href="https://stanislas.example.fr"' in shop.description
    )
    assert (shop.showcase_only, shop.click_and_collect, shop.phone) == (True, False, "03 83 00 00 00")
    page = client.get("/pro/boutique/").text
    assert '<script>alert("x")</script>' not in page and "steal()" not in page


def test_bad_phone_and_website_are_refused_and_nothing_changes(world):
    response = world.client(world.owner).post("/pro/boutique/", _profile(phone="appelez-moi", website="bijoux"))

    assert response.status_code == 400
    text = unescape(response.text)
    assert "Ce numéro de téléphone n'est pas valide" in text
    with tenant_context(world.territory):
        assert Shop.objects.get(pk=world.shop.pk).description == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("03.83.00.00.00", "03 83 00 00 00"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("+32 2 550 12 11", "+32 2 550 12 11"),
        ("", ""),
    ],
)
def test_the_shop_phone_is_stored_in_one_format(world, typed, stored):
    response = world.client(world.owner).post("/pro/boutique/", _profile(phone=typed))

    assert response.status_code == 302
    with tenant_context(world.territory):
        assert Shop.objects.get(pk=world.shop.pk).phone == stored


@pytest.mark.parametrize("typed", ["03 83", "06 12 34 56 7A", "01 23 45 67 89 10"])
def test_a_phone_nobody_can_call_is_refused_with_the_shops_message(world, typed):
    response = world.client(world.owner).post("/pro/boutique/", _profile(phone=typed))

    assert response.status_code == 400
    assert "Ce numéro de téléphone n'est pas valide (par exemple 03 83 00 00 00)" in unescape(response.text)


def test_logo_and_photos_are_cleaned_stored_under_the_territory_and_ordered(
    world, media, django_capture_on_commit_callbacks
):
    client = world.client(world.owner)

    # when the owner uploads a logo and two photos (one with EXIF metadata)
    assert client.post("/pro/boutique/", _profile(logo=_jpeg(200, 200))).status_code == 302
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post("/pro/boutique/photos/", {"photo": _jpeg(exif=True), "alt": "La vitrine"}).status_code == 302
        assert client.post("/pro/boutique/photos/", {"photo": _jpeg(), "alt": ""}).status_code == 302

    # then the files are under nancy's folder, stripped of metadata, with alt text
    with tenant_context(world.territory):
        shop = Shop.objects.get(pk=world.shop.pk)
        first, second = shop.photos.all()
    assert shop.logo.name.startswith("nancy/shops/logos/")
    assert first.image.name.startswith("nancy/shops/photos/") and (media / first.image.name).is_file()
    assert "exif" not in Image.open(media / first.image.name).info
    assert (first.alt, second.alt) == ("La vitrine", shop.name)

    # when the owner moves the second photo up, then removes the first one
    assert client.post(f"/pro/boutique/photos/{second.pk}/", {"direction": "up"}).status_code == 302
    with tenant_context(world.territory):
        assert list(ShopPhoto.objects.filter(shop=shop).values_list("pk", flat=True)) == [second.pk, first.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/pro/boutique/photos/{first.pk}/supprimer/").status_code == 302
    with tenant_context(world.territory):
        assert list(ShopPhoto.objects.filter(shop=shop).values_list("pk", flat=True)) == [second.pk]
    assert not (media / first.image.name).exists()


def test_a_file_that_is_not_an_image_is_refused(world, media):
    fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")

    response = world.client(world.owner).post("/pro/boutique/photos/", {"photo": fake, "alt": ""})

    assert response.status_code == 400 and "pas une image" in unescape(response.text)
    with tenant_context(world.territory):
        assert not ShopPhoto.objects.exists()


def test_weekly_hours_with_several_ranges_and_same_as_monday(world):
    client = world.client(world.employee)  # employees may set the hours
    assert client.get("/pro/horaires/").status_code == 200

    # when Monday has two ranges, Tuesday copies Monday, Saturday has its own, Sunday is closed
    response = client.post(
        "/pro/horaires/",
        {
            "d0_0_opens": "09:00",
            "d0_0_closes": "12:00",
            "d0_1_opens": "14:00",
            "d0_1_closes": "19:00",
            "d1_same": "on",
            "d5_0_opens": "10:00",
            "d5_0_closes": "18:00",
        },
    )

    # then the ranges are saved, and shown again on the page
    assert response.status_code == 302
    with tenant_context(world.territory):
        ranges = list(OpeningRange.objects.filter(shop=world.shop).values_list("weekday", "opens", "closes"))
    assert ranges == [
        (0, time(9), time(12)),
        (0, time(14), time(19)),
        (1, time(9), time(12)),
        (1, time(14), time(19)),
        (5, time(10), time(18)),
    ]
    page = client.get("/pro/horaires/").text
    assert 'value="14:00"' in page


def test_overlapping_hours_are_refused_and_the_old_hours_stay(world):
    with tenant_context(world.territory):
        OpeningRange.objects.create(shop=world.shop, weekday=2, opens=time(9), closes=time(18))

    response = world.client(world.owner).post(
        "/pro/horaires/",
        {
            "d0_0_opens": "09:00",
            "d0_0_closes": "13:00",
            "d0_1_opens": "12:00",
            "d0_1_closes": "19:00",
        },
    )

    assert response.status_code == 400
    assert "Lundi : deux plages se chevauchent." in unescape(response.text)
    with tenant_context(world.territory):
        assert list(OpeningRange.objects.filter(shop=world.shop).values_list("weekday", flat=True)) == [2]


def test_a_range_closing_before_it_opens_or_half_filled_is_refused(world):
    client = world.client(world.owner)

    backwards = client.post("/pro/horaires/", {"d3_0_opens": "18:00", "d3_0_closes": "09:00"})
    half = client.post("/pro/horaires/", {"d4_0_opens": "09:00"})

    assert backwards.status_code == 400 and "Jeudi : chaque plage doit ouvrir avant de fermer" in unescape(
        backwards.text
    )
    assert half.status_code == 400 and "Vendredi : indiquez l'heure d'ouverture et l'heure de fermeture." in unescape(
        half.text
    )
    with tenant_context(world.territory):
        assert not OpeningRange.objects.filter(shop=world.shop).exists()


def test_closing_periods_are_added_and_removed(world):
    client = world.client(world.owner)
    start = timezone.localdate() + timedelta(days=10)

    response = client.post(
        "/pro/horaires/fermetures/",
        {"starts_on": start.isoformat(), "ends_on": (start + timedelta(days=14)).isoformat(), "reason": "Congés d'été"},
    )

    assert response.status_code == 302
    with tenant_context(world.territory):
        period = ClosingPeriod.objects.get(shop=world.shop)
    assert "Congés d" in unescape(client.get("/pro/horaires/").text)
    assert client.post(f"/pro/horaires/fermetures/{period.pk}/supprimer/").status_code == 302
    with tenant_context(world.territory):
        assert not ClosingPeriod.objects.exists()


def test_a_closing_period_ending_before_it_starts_is_refused(world):
    start = timezone.localdate() + timedelta(days=10)

    response = world.client(world.owner).post(
        "/pro/horaires/fermetures/",
        {"starts_on": start.isoformat(), "ends_on": (start - timedelta(days=1)).isoformat(), "reason": ""},
    )

    assert response.status_code == 400 and "Le dernier jour vient après le premier." in unescape(response.text)
    with tenant_context(world.territory):
        assert not ClosingPeriod.objects.exists()


def test_owner_invites_an_employee_who_gets_a_set_password_link_then_removes_them(world):
    client = world.client(world.owner)

    # when the owner invites a new address
    response = client.post("/pro/equipe/", {"email": "Lea@Stanislas.example.fr"})

    # then a merchant account exists, is an employee of the shop, and received a link
    assert response.status_code == 302
    with tenant_context(world.territory):
        user = User.objects.get(email="lea@stanislas.example.fr")
        member = ShopMember.objects.get(shop=world.shop, user=user)
        assert (user.role, member.role, user.has_usable_password()) == (
            User.Role.MERCHANT,
            ShopMember.Role.EMPLOYEE,
            False,
        )
        assert "/compte/mot-de-passe/" in OutboxEmail.objects.get(to=["lea@stanislas.example.fr"]).body

    # when the owner removes them
    assert client.post(f"/pro/equipe/{member.pk}/retirer/").status_code == 302

    # then they no longer reach the merchant area
    with tenant_context(world.territory):
        assert not ShopMember.objects.filter(pk=member.pk).exists()
    assert world.client(user).get("/pro/").status_code == 403


def test_inviting_someone_from_another_shop_or_the_team_twice_is_refused(world):
    with tenant_context(world.territory):
        other = ShopFactory(name="Autre Boutique", commune=world.commune, category=world.category)
    client = world.client(world.owner)

    twice = client.post("/pro/equipe/", {"email": world.employee.email})
    elsewhere = client.post("/pro/equipe/", {"email": other.owner_user.email})
    staff = client.post("/pro/equipe/", {"email": world.staff.email})
    garbage = client.post("/pro/equipe/", {"email": "pas-une-adresse"})

    assert [r.status_code for r in (twice, elsewhere, staff, garbage)] == [400, 400, 400, 400]
    assert "fait déjà partie de votre équipe" in unescape(twice.text)
    assert "ne peut pas rejoindre votre équipe" in unescape(elsewhere.text)
    assert "ne peut pas rejoindre votre équipe" in unescape(staff.text)
    with tenant_context(world.territory):
        assert ShopMember.objects.filter(shop=world.shop).count() == 2


def test_the_owner_cannot_be_removed_and_employees_cannot_manage_the_team_or_storefront(world):
    with tenant_context(world.territory):
        owner_member = ShopMember.objects.get(shop=world.shop, role=ShopMember.Role.OWNER)

    assert world.client(world.owner).post(f"/pro/equipe/{owner_member.pk}/retirer/").status_code == 302
    employee = world.client(world.employee)
    assert employee.get("/pro/equipe/").status_code == 403
    assert employee.get("/pro/boutique/").status_code == 403
    assert employee.post(f"/pro/equipe/{owner_member.pk}/retirer/").status_code == 403
    with tenant_context(world.territory):
        assert ShopMember.objects.filter(pk=owner_member.pk).exists()


def test_another_shops_rows_are_unreachable(world):
    # given another shop of the same territory with a photo, a closing period and an employee
    with tenant_context(world.territory):
        other = ShopFactory(name="Autre Boutique", commune=world.commune, category=world.category)
        photo = ShopPhoto.objects.create(shop=other, image="nancy/shops/photos/x.jpg", alt="x")
        period = ClosingPeriod.objects.create(shop=other, starts_on=timezone.localdate(), ends_on=timezone.localdate())
        member = ShopMember.objects.create(shop=other, user=UserFactory(role=User.Role.MERCHANT), role="employee")
    client = world.client(world.owner)

    # when our owner posts on their ids, then nothing is found and nothing changes
    for url in (
        f"/pro/boutique/photos/{photo.pk}/",
        f"/pro/boutique/photos/{photo.pk}/supprimer/",
        f"/pro/horaires/fermetures/{period.pk}/supprimer/",
        f"/pro/equipe/{member.pk}/retirer/",
    ):
        assert client.post(url, {"direction": "up", "alt": "pirate"}).status_code == 404, url
    with tenant_context(world.territory):
        assert ShopPhoto.objects.get(pk=photo.pk).alt == "x"
        assert ClosingPeriod.objects.filter(pk=period.pk).exists() and ShopMember.objects.filter(pk=member.pk).exists()
    # and their pages never show the other shop
    for url in ("/pro/", "/pro/boutique/", "/pro/horaires/", "/pro/equipe/"):
        assert "Autre Boutique" not in client.get(url).text


def test_hours_set_in_nancy_are_invisible_from_limoges(world, limoges_world):
    # given hours of nancy's shop
    world.client(world.owner).post("/pro/horaires/", {"d0_0_opens": "09:00", "d0_0_closes": "12:00"})

    # then limoges' merchant pages and rows know nothing of them (cross-territory)
    with tenant_context(limoges_world.territory):
        assert not OpeningRange.objects.exists()
    page = limoges_world.client(limoges_world.owner).get("/pro/horaires/")
    assert page.status_code == 200 and 'value="09:00"' not in page.text


def test_a_plain_text_description_is_edited_as_plain_text_again(world):
    client = world.client(world.owner)
    client.post("/pro/boutique/", _profile(description="Bijoux faits main.\nÀ Nancy.\n\n- bagues\n- colliers <3"))

    page = unescape(client.get("/pro/boutique/").text)

    with tenant_context(world.territory):
        stored = Shop.objects.get(pk=world.shop.pk).description
    assert stored == "<p>Bijoux faits main.<br>À Nancy.</p><ul><li>bagues</li><li>colliers &lt;3</li></ul>"
    assert "Bijoux faits main.\nÀ Nancy.\n\n- bagues\n- colliers <3</textarea>" in page
