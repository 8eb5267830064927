"""Joining: a shop applies from its territory's site; staff approve or refuse it; assisted onboarding."""

from __future__ import annotations

import re
from html import unescape

from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.shops.models import Shop, ShopMember
from vitrine.shops.siret import siret_make
from vitrine.testing.factories import CommuneFactory

GOOD_SIRET = siret_make(44306184100000)
BAD_SIRET = GOOD_SIRET[:-1] + str((int(GOOD_SIRET[-1]) + 1) % 10)  # the Luhn key no longer holds


def _spaced(siret: str) -> str:
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


def _application(world, **overrides) -> dict:
    data = {
        "name": "La Lucarne aux Livres",
        "siret": _spaced(GOOD_SIRET),
        "address": "5 rue des Maréchaux",
        "commune": world.commune.pk,
        "category": world.subcategory.pk,
        "email": "Contact@Lucarne.example.fr",
        "phone": "03 83 12 34 56",
        "description": "Librairie indépendante.\n\n- romans\n- BD",
        "sales_mode": "click_and_collect",
        "owner_full_name": "Claire Mangin",
        "owner_email": "claire@lucarne.example.fr",
        "password": "lire-a-nancy-2026",
    }
    data.update(overrides)
    return data


def test_visitor_applies_opens_an_account_and_waits_for_staff_who_are_emailed(world):
    # given a visitor on nancy's application page
    client = world.client()
    page = client.get("/pro/rejoindre/")
    assert page.status_code == 200
    assert "Ouvrez votre vitrine gratuite" in page.text
    assert "<optgroup" in page.text and world.subcategory.name in page.text

    # when they send a complete application (SIRET typed with spaces)
    response = client.post("/pro/rejoindre/", _application(world))

    # then they are asked to confirm their address; its link signs them in on the dashboard
    assert response.status_code == 302 and response["Location"] == "/compte/inscription/envoyee/"
    with tenant_context(world.territory):
        body = OutboxEmail.objects.get(to=["claire@lucarne.example.fr"]).body
    link = re.search(r"/compte/inscription/\S+", body).group(0)
    opened = client.post(link, {"password": "lire-a-nancy-2026"})
    assert opened.status_code == 302 and opened["Location"] == "/pro/"
    dashboard = client.get("/pro/")
    assert dashboard.status_code == 200
    assert "Votre candidature est en cours d'examen" in unescape(dashboard.text)
    with tenant_context(world.territory):
        shop = Shop.objects.get(siret=GOOD_SIRET)
        assert shop.status == Shop.Status.PENDING
        assert (shop.email, shop.commune_id, shop.category_id) == (
            "contact@lucarne.example.fr",
            world.commune.pk,
            world.subcategory.pk,
        )
        assert shop.description == "<p>Librairie indépendante.</p><ul><li>romans</li><li>BD</li></ul>"
        owner = User.objects.get(email="claire@lucarne.example.fr")
        assert (owner.role, owner.full_name, owner.check_password("lire-a-nancy-2026")) == (
            User.Role.MERCHANT,
            "Claire Mangin",
            True,
        )
        assert ShopMember.objects.filter(shop=shop, user=owner, role=ShopMember.Role.OWNER).exists()
        # and the territory staff got an email with a link to the application
        email = OutboxEmail.objects.get(subject__contains="La Lucarne aux Livres")
        assert world.staff.email in email.to and f"/equipe/boutiques/{shop.pk}/" in email.body
        assert email.subject.startswith("Nouvelle candidature")


def test_signed_in_shopper_applies_without_account_fields(world):
    # given a signed-in shopper
    client = world.client(world.shopper)
    page = client.get("/pro/rejoindre/")
    assert 'name="password"' not in page.text

    # when they apply
    data = {k: v for k, v in _application(world).items() if k not in ("owner_full_name", "owner_email", "password")}
    response = client.post("/pro/rejoindre/", data)

    # then they own the pending shop and became a merchant
    assert response.status_code == 302
    with tenant_context(world.territory):
        shop = Shop.objects.get(siret=GOOD_SIRET)
        assert shop.members.get().user_id == world.shopper.pk
        assert User.objects.get(pk=world.shopper.pk).role == User.Role.MERCHANT


def test_the_application_phone_is_stored_in_one_format_and_a_bad_one_refused(world):
    # when a visitor applies with a French number in its international form
    response = world.client().post("/pro/rejoindre/", _application(world, phone="+33 (0)3 83 12 34 56"))

    # then it is stored as French people read it
    assert response.status_code == 302
    with tenant_context(world.territory):
        assert Shop.objects.get(siret=GOOD_SIRET).phone == "03 83 12 34 56"

    # and a number too short to call is refused with the shops' message
    data = _application(world, phone="03 83 12", siret=siret_make(44306184100001), owner_email="autre@example.fr")
    response = world.client().post("/pro/rejoindre/", data)
    assert response.status_code == 400
    assert "Ce numéro de téléphone n'est pas valide" in unescape(response.text)


def _nothing_created(world) -> None:
    with tenant_context(world.territory):
        assert not Shop.objects.filter(name="La Lucarne aux Livres").exists()
        assert not User.objects.filter(email="claire@lucarne.example.fr").exists()
        assert not OutboxEmail.objects.filter(to__contains=[world.staff.email]).exists()


def test_invalid_siret_is_refused_with_a_clear_message_and_nothing_is_saved(world):
    response = world.client().post("/pro/rejoindre/", _application(world, siret=GOOD_SIRET[:-2]))

    assert response.status_code == 400
    assert "Ce SIRET n'est pas valide : 14 chiffres" in unescape(response.text)
    assert 'role="alert"' in response.text
    _nothing_created(world)


def test_a_siret_with_a_wrong_check_digit_says_a_digit_is_mistyped_not_14_digits(world):
    # given 14 digits whose check digit is wrong (the last one mistyped)
    response = world.client().post("/pro/rejoindre/", _application(world, siret=BAD_SIRET))

    # then the merchant is told the number does not exist, not to type 14 digits
    text = unescape(response.text)
    assert response.status_code == 400
    assert "Ce SIRET n’existe pas" in text and "un chiffre est sans doute mal tapé" in text
    assert "Ce SIRET n'est pas valide : 14 chiffres" not in text
    _nothing_created(world)


def test_siret_of_an_existing_shop_is_refused(world):
    response = world.client().post("/pro/rejoindre/", _application(world, siret=world.shop.siret))

    assert response.status_code == 400
    assert "déjà inscrite" in response.text
    _nothing_created(world)


def test_commune_of_another_territory_is_refused(world, limoges):
    # given a commune of limoges whose id does not exist in nancy
    with tenant_context(limoges):
        for _ in range(3):
            CommuneFactory(name="Panazol", postcode="87350")
        limoges_commune = CommuneFactory(name="Limoges", postcode="87000")
    with tenant_context(world.territory):
        from vitrine.shops.models import Commune

        assert not Commune.objects.filter(pk=limoges_commune.pk).exists()

    # when a nancy application posts it
    response = world.client().post("/pro/rejoindre/", _application(world, commune=limoges_commune.pk))

    # then it is refused: the shop must be in one of nancy's communes
    assert response.status_code == 400
    assert "La boutique doit se trouver dans une des communes du territoire." in response.text
    _nothing_created(world)


def test_missing_fields_are_each_named_and_nothing_is_saved(world):
    response = world.client().post("/pro/rejoindre/", {"sales_mode": "click_and_collect"})

    assert response.status_code == 400
    assert "Veuillez corriger" in response.text
    for label in ("Raison sociale", "Numéro SIRET", "Adresse", "Commune", "Catégorie", "Votre adresse e-mail"):
        assert label in response.text
    assert response.text.count('role="alert"') >= 8
    _nothing_created(world)


def test_an_email_already_registered_gets_the_same_answer_and_its_owner_an_email(world):
    response = world.client().post("/pro/rejoindre/", _application(world, owner_email=world.shopper.email))

    # the same answer as for a new address; no shop; the account's owner is told to sign in first
    assert response.status_code == 302 and response["Location"] == "/compte/inscription/envoyee/"
    with tenant_context(world.territory):
        assert not Shop.objects.filter(siret=GOOD_SIRET).exists()
        email = OutboxEmail.objects.get(to=[world.shopper.email])
        assert "/compte/connexion/" in email.body


def test_a_merchant_with_a_shop_is_sent_to_its_dashboard(world):
    response = world.client(world.owner).get("/pro/rejoindre/")

    assert response.status_code == 302 and response["Location"] == "/pro/"


def _pending_shop(world) -> Shop:
    """A visitor's application, with the owner's address confirmed by the emailed link."""
    client = world.client()
    assert client.post("/pro/rejoindre/", _application(world)).status_code == 302
    with tenant_context(world.territory):
        body = OutboxEmail.objects.get(to=["claire@lucarne.example.fr"]).body
    link = re.search(r"/compte/inscription/\S+", body).group(0)
    assert client.post(link, {"password": "lire-a-nancy-2026"}).status_code == 302
    with tenant_context(world.territory):
        OutboxEmail.objects.all().delete()
        return Shop.objects.get(siret=GOOD_SIRET)


def test_staff_approve_an_application_and_the_merchant_is_emailed(world):
    # given a pending application
    shop = _pending_shop(world)
    staff = world.client(world.staff)

    # when staff approve it
    response = staff.post(f"/equipe/boutiques/{shop.pk}/valider/")

    # then the shop is online and its owner was told
    assert response.status_code == 302
    with tenant_context(world.territory):
        shop.refresh_from_db()
        assert shop.status == Shop.Status.APPROVED and shop.approved_at is not None
        email = OutboxEmail.objects.get()
        assert email.to == ["claire@lucarne.example.fr"] and "en ligne" in email.subject


def test_refusal_needs_a_reason_and_changes_nothing_without_one(world):
    shop = _pending_shop(world)

    response = world.client(world.staff).post(f"/equipe/boutiques/{shop.pk}/refuser/", {"refuse-reason": "  "})

    assert response.status_code == 400
    assert "Dites pourquoi" in response.text
    with tenant_context(world.territory):
        shop.refresh_from_db()
        assert shop.status == Shop.Status.PENDING
        assert not OutboxEmail.objects.exists()


def test_refused_merchant_reads_the_reason_and_applies_again(world):
    # given a pending application, refused by staff with a reason
    shop = _pending_shop(world)
    reason = "Le SIRET correspond à un établissement fermé."
    response = world.client(world.staff).post(f"/equipe/boutiques/{shop.pk}/refuser/", {"refuse-reason": reason})
    assert response.status_code == 302
    with tenant_context(world.territory):
        email = OutboxEmail.objects.get()
        assert reason in email.body and email.to == ["claire@lucarne.example.fr"]
        owner = User.objects.get(email="claire@lucarne.example.fr")

    # when the merchant opens their dashboard
    merchant = world.client(owner)
    dashboard = merchant.get("/pro/")

    # then they read the reason, and the other merchant pages are closed to them
    assert dashboard.status_code == 200 and reason in dashboard.text
    assert merchant.get("/pro/horaires/").status_code == 403

    # when they correct their application and send it again with the same SIRET
    data = {
        k: v
        for k, v in _application(world, address="7 rue des Maréchaux").items()
        if k not in ("owner_full_name", "owner_email", "password")
    }
    assert merchant.post("/pro/rejoindre/", data).status_code == 302

    # then the same shop waits for staff again
    with tenant_context(world.territory):
        shop.refresh_from_db()
        assert (shop.status, shop.status_reason, shop.address) == (Shop.Status.PENDING, "", "7 rue des Maréchaux")
        assert Shop.objects.filter(siret=GOOD_SIRET).count() == 1


def test_staff_create_a_shop_for_a_merchant_who_is_invited_by_email(world):
    # given staff on the assisted creation form
    staff = world.client(world.staff)
    assert staff.get("/equipe/boutiques/nouvelle/").status_code == 200
    data = {k: v for k, v in _application(world).items() if k not in ("owner_full_name", "password")}
    data["owner_email"] = "paul@fromagerie.example.fr"

    # when they create the shop
    response = staff.post("/equipe/boutiques/nouvelle/", data)

    # then it is approved at once, its owner account exists and got a set-password link
    assert response.status_code == 302
    with tenant_context(world.territory):
        shop = Shop.objects.get(siret=GOOD_SIRET)
        assert shop.status == Shop.Status.APPROVED
        owner = shop.members.get(role=ShopMember.Role.OWNER).user
        assert owner.email == "paul@fromagerie.example.fr" and not owner.has_usable_password()
        invitation = OutboxEmail.objects.get(to=["paul@fromagerie.example.fr"])
        assert "/compte/mot-de-passe/" in invitation.body


def test_assisted_creation_with_bad_input_changes_nothing(world):
    data = {k: v for k, v in _application(world, siret=BAD_SIRET).items() if k not in ("owner_full_name", "password")}
    data["owner_email"] = "pas-une-adresse"

    response = world.client(world.staff).post("/equipe/boutiques/nouvelle/", data)

    assert response.status_code == 400
    assert "SIRET" in response.text
    with tenant_context(world.territory):
        assert not Shop.objects.filter(name="La Lucarne aux Livres").exists()
        assert not User.objects.filter(email="pas-une-adresse").exists()


def test_an_application_made_in_nancy_is_invisible_from_limoges(world, limoges_world):
    # given a pending application in nancy, and limoges' staff
    shop = _pending_shop(world)

    # when limoges' staff open their staff area and nancy's shop id
    staff = limoges_world.client(limoges_world.staff)
    home = staff.get("/equipe/")

    # then nancy's application is nowhere (cross-territory: must not leak)
    assert home.status_code == 200 and "La Lucarne aux Livres" not in home.text
    detail = staff.get(f"/equipe/boutiques/{shop.pk}/")
    assert detail.status_code == 404 or "La Lucarne aux Livres" not in detail.text
    # and an approval posted on limoges' host leaves nancy's shop pending
    staff.post(f"/equipe/boutiques/{shop.pk}/valider/")
    with tenant_context(world.territory):
        shop.refresh_from_db()
        assert shop.status == Shop.Status.PENDING


def test_nancy_staff_session_is_worthless_on_limoges(world, limoges, client_for):
    nancy_staff = world.client(world.staff)
    limoges_client = client_for(limoges)
    limoges_client.cookies = nancy_staff.cookies

    response = limoges_client.get("/equipe/")

    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_a_territory_team_account_cannot_apply(world):
    response = world.client(world.staff).get("/pro/rejoindre/")

    assert response.status_code == 302 and response["Location"] == "/equipe/"


def test_a_shopper_cannot_use_the_staff_area(world):
    assert world.client(world.shopper).get("/equipe/").status_code == 403
