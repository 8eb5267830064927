"""The territory team's levers (issue #12): nudging inactive shops, featuring, scheduled announcements."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.backoffice.nudges import REASON_NO_ORDER, REASON_STALE, nudge_candidates, nudge_send
from vitrine.backoffice.services import announcement_end, announcement_schedule
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Order
from vitrine.tenancy.models import Announcement, Territory
from vitrine.tenancy.selectors import announcements_current
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory
from vitrine.testing.helpers import client_on, host_client

PARIS = ZoneInfo("Europe/Paris")
SUBJECT = "{boutique} : on vous attend"


def _nudge_emails():
    """The nudges in the outbox (the territory's provisioning left its own email there)."""
    return OutboxEmail.objects.filter(subject__endswith="on vous attend")


BODY = "Bonjour,\n{constat}.\nVotre espace : {lien}\n{territoire}"


def _team(territory, role=User.Role.TERRITORY_STAFF):
    with tenant_context(territory):
        user = UserFactory(role=role)
    return user, client_on(territory, user)


def _stale_shop(name: str, *, days_ago: int = 60) -> object:
    shop = ShopFactory(name=name)
    product = ProductFactory(shop=shop)
    Product.objects.filter(pk=product.pk).update(updated_at=timezone.now() - timedelta(days=days_ago))
    return shop


def _nudged(shop, *, days_ago: int) -> None:
    event = AuditEvent.objects.create(
        actor_label="x@example.fr", verb="shop.nudge", object_type="shop", object_id=shop.pk
    )
    AuditEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


# --- Nudges -------------------------------------------------------------------------------


def test_the_selector_lists_stale_catalogues_and_shops_without_orders(nancy):
    with tenant_context(nancy):
        stale = _stale_shop("Vieux catalogue")
        empty = ShopFactory(name="Sans produit")
        fresh = ShopFactory(name="Catalogue frais")
        ProductFactory(shop=fresh)
        ShopFactory(name="En attente", status="pending")
        with_order = ShopFactory(name="Qui vend")
        order = Order.objects.create(
            shop=with_order,
            customer_name="C",
            email="c@example.fr",
            pickup_code="ABC234",
            pickup_starts_at=timezone.now(),
            pickup_ends_at=timezone.now(),
            total=10,
            idempotency_key="7d4b1f0e-0000-4000-8000-000000000001",
        )

        stale_names = {row.shop.name for row in nudge_candidates(reason=REASON_STALE, days=30)}
        no_order_names = {row.shop.name for row in nudge_candidates(reason=REASON_NO_ORDER, days=30)}

    assert {stale.name, empty.name} <= stale_names
    assert fresh.name not in stale_names and "En attente" not in stale_names
    assert with_order.name not in no_order_names and {stale.name, fresh.name} <= no_order_names
    assert order.pk


def test_a_shop_nudged_three_days_ago_is_shown_skipped_and_not_emailed(nancy):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        recent = _stale_shop("Relancée il y a 3 jours")
        old = _stale_shop("Relancée il y a 20 jours")
        never = _stale_shop("Jamais relancée")
        _nudged(recent, days_ago=3)
        _nudged(old, days_ago=20)
        rows = {row.shop.pk: row for row in nudge_candidates(reason=REASON_STALE, days=30)}
        assert rows[recent.pk].capped and not rows[old.pk].capped and not rows[never.pk].capped

        outcome = nudge_send(
            actor=staff,
            shop_ids=[recent.pk, old.pk, never.pk],
            reason=REASON_STALE,
            days=30,
            subject=SUBJECT,
            body=BODY,
            territory_name=nancy.name,
        )

        assert {s.pk for s in outcome.sent} == {old.pk, never.pk}
        assert [s.pk for s in outcome.skipped] == [recent.pk]
        emails = _nudge_emails().order_by("pk")
        assert emails.count() == 2
        assert {e.to[0] for e in emails} == {old.owner_user.email, never.owner_user.email}
        email = emails.get(to=[never.owner_user.email])
        assert email.subject == "Jamais relancée : on vous attend"
        assert "Jamais relancée" in email.body and "/pro/" in email.body and nancy.name in email.body
        assert "{lien}" not in email.body
        rows = AuditEvent.objects.filter(verb="shop.nudge", actor=staff)
        assert sorted(rows.values_list("object_id", flat=True)) == sorted([old.pk, never.pk])

        # the same send again: everyone is under the cap now
        again = nudge_send(
            actor=staff,
            shop_ids=[old.pk, never.pk],
            reason=REASON_STALE,
            days=30,
            subject=SUBJECT,
            body=BODY,
            territory_name=nancy.name,
        )
        assert again.sent == [] and _nudge_emails().count() == 2


def test_the_nudge_page_previews_for_one_shop_without_sending(nancy):
    staff, client = _team(nancy)
    with tenant_context(nancy):
        shop = _stale_shop("Fleurs de Lorraine")
    page = client.get("/equipe/relances/?raison=stale&jours=30")
    assert page.status_code == 200 and "Fleurs de Lorraine" in page.text
    assert "{constat}" in page.text  # the default French template, placeholders shown

    response = client.post(
        "/equipe/relances/?raison=stale&jours=30",
        {"subject": SUBJECT, "body": BODY, "shops": [shop.pk], "apercu": shop.pk},
    )

    assert response.status_code == 200
    assert "Fleurs de Lorraine : on vous attend" in response.text
    assert "aucun produit de Fleurs de Lorraine n’a été mis à jour depuis" in response.text
    with tenant_context(nancy):
        assert _nudge_emails().count() == 0
        assert not AuditEvent.objects.filter(verb="shop.nudge").exists()


def test_the_nudge_page_sends_and_says_what_was_skipped(nancy):
    staff, client = _team(nancy)
    with tenant_context(nancy):
        shop = _stale_shop("Librairie Stanislas")
        capped = _stale_shop("Déjà relancée")
        _nudged(capped, days_ago=3)
    page = client.get("/equipe/relances/")
    assert "Déjà relancée" in page.text and "ignorée" in page.text

    response = client.post(
        "/equipe/relances/?raison=stale&jours=30",
        {"subject": SUBJECT, "body": BODY, "shops": [shop.pk, capped.pk], "action": "send"},
        follow=True,
    )

    assert "1 boutique(s) écrite(s), 1 ignorée(s)" in response.text
    with tenant_context(nancy):
        assert _nudge_emails().count() == 1
    trail = client.get("/equipe/journal/").text
    assert "Boutique relancée par e-mail" in trail and "catalogue pas à jour" in trail


def test_a_nudge_without_the_link_or_shops_is_refused_and_sends_nothing(nancy):
    staff, client = _team(nancy)
    with tenant_context(nancy):
        shop = _stale_shop("Épicerie")
    response = client.post(
        "/equipe/relances/", {"subject": SUBJECT, "body": "Bonjour", "shops": [shop.pk], "action": "send"}
    )
    assert response.status_code == 400 and "{lien}" in response.text
    response = client.post("/equipe/relances/", {"subject": SUBJECT, "body": BODY, "action": "send"})
    assert response.status_code == 400 and "Cochez au moins une boutique" in response.text
    with tenant_context(nancy):
        assert _nudge_emails().count() == 0


@pytest.mark.parametrize("role", [User.Role.SHOPPER, User.Role.MERCHANT])
def test_only_the_team_nudges(nancy, role):
    with tenant_context(nancy):
        user = UserFactory(role=role)
        shop = _stale_shop("Cible")
        with pytest.raises(Exception, match="staff"):
            nudge_send(
                actor=user,
                shop_ids=[shop.pk],
                reason=REASON_STALE,
                days=30,
                subject=SUBJECT,
                body=BODY,
                territory_name="x",
            )
    client = client_on(nancy, user)
    assert client.get("/equipe/relances/").status_code == 403
    assert (
        client.post(
            "/equipe/relances/", {"subject": SUBJECT, "body": BODY, "shops": [shop.pk], "action": "send"}
        ).status_code
        == 403
    )
    assert host_client("nancy.localhost").get("/equipe/relances/").status_code == 302


def test_a_territory_never_nudges_another_territorys_shops(nancy, limoges):
    with tenant_context(limoges):
        foreign = _stale_shop("Porcelaine de Limoges")
    staff, client = _team(nancy)
    page = client.get("/equipe/relances/")
    assert "Porcelaine de Limoges" not in page.text
    client.post("/equipe/relances/", {"subject": SUBJECT, "body": BODY, "shops": [foreign.pk], "action": "send"})
    with tenant_context(limoges):
        assert _nudge_emails().count() == 0
    with tenant_context(nancy):
        assert _nudge_emails().count() == 0


# --- Featuring ----------------------------------------------------------------------------


def test_the_team_features_shops_and_products_in_its_order(nancy):
    staff, client = _team(nancy)
    with tenant_context(nancy):
        first, second = ShopFactory(name="Boutique B"), ShopFactory(name="Boutique A")
        product = ProductFactory(shop=first, title="Mirabelles au sirop")
        other = ProductFactory(shop=first, title="Bergamotes")
        stale_since = Product.objects.get(pk=product.pk).updated_at

    client.post(f"/equipe/boutiques/{first.pk}/une/", {"featured": "1", "position": "1"})
    client.post(f"/equipe/boutiques/{second.pk}/une/", {"featured": "1", "position": "2"})
    client.post(f"/equipe/produits/{other.pk}/une/", {"position": "2"})
    client.post(f"/equipe/produits/{product.pk}/une/", {"position": "1"})

    home = host_client("nancy.localhost").get("/").text
    assert home.index("Boutique B") < home.index("Boutique A")
    assert "Produits à la une" in home
    assert home.index("Mirabelles au sirop") < home.index("Bergamotes")
    with tenant_context(nancy):
        assert Product.objects.get(pk=product.pk).updated_at == stale_since  # not made to look fresh
        verbs = list(AuditEvent.objects.filter(actor=staff).values_list("verb", "payload"))
    assert ("product.feature", {"shop": "Boutique B", "position": 1}) in verbs
    assert ("shop.feature", {"position": 2}) in verbs

    client.post(f"/equipe/produits/{product.pk}/une/", {"position": ""})
    assert "Mirabelles au sirop" not in host_client("nancy.localhost").get("/").text.split("Nouveautés")[0]
    with tenant_context(nancy):
        assert AuditEvent.objects.filter(verb="product.unfeature", object_id=product.pk).exists()
    assert "Mirabelles" not in client.get("/equipe/a-la-une/").text.split('id="featured-products"')[1]


def test_a_draft_product_cannot_be_featured_and_merchants_cannot_feature(nancy):
    staff, client = _team(nancy)
    with tenant_context(nancy):
        draft = ProductFactory(status="draft")
        merchant = UserFactory(role=User.Role.MERCHANT)
    client.post(f"/equipe/produits/{draft.pk}/une/", {"position": "1"})
    with tenant_context(nancy):
        assert Product.objects.get(pk=draft.pk).featured_position is None
    assert client_on(nancy, merchant).post(f"/equipe/produits/{draft.pk}/une/", {"position": "1"}).status_code == 403


def test_a_product_of_another_territory_is_not_found(nancy, limoges):
    with tenant_context(limoges):
        foreign = ProductFactory(title="Émail de Limoges")
    staff, client = _team(nancy)
    with tenant_context(nancy):
        missing = max(Product.objects.values_list("pk", flat=True), default=0) + 1000
    assert client.post(f"/equipe/produits/{missing}/une/", {"position": "1"}).status_code == 404
    with tenant_context(limoges):
        assert Product.objects.get(pk=foreign.pk).featured_position is None


# --- Scheduled announcements --------------------------------------------------------------


def test_an_announcement_shows_from_its_start_until_its_end_exactly(nancy):
    start = datetime(2026, 12, 24, 8, 0, tzinfo=PARIS)
    end = datetime(2026, 12, 26, 0, 0, tzinfo=PARIS)
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        announcement_schedule(
            territory=nancy,
            actor=staff,
            text="Joyeux Noël",
            starts_at=start,
            ends_at=end,
            now=start - timedelta(days=10),
        )
    one = timedelta(seconds=1)
    assert announcements_current(nancy, now=start - one) == []
    assert [a.text for a in announcements_current(nancy, now=start)] == ["Joyeux Noël"]
    assert [a.text for a in announcements_current(nancy, now=end - one)] == ["Joyeux Noël"]
    assert announcements_current(nancy, now=end) == []


def test_the_team_schedules_in_the_territorys_time_and_sees_past_current_scheduled(nancy, limoges):
    staff, client = _team(nancy)
    tomorrow = timezone.localtime(timezone.now(), PARIS).date() + timedelta(days=1)
    response = client.post(
        "/equipe/annonces/",
        {"text": "Braderie demain", "link": "/boutiques/", "starts_at": f"{tomorrow}T09:00", "ends_at": ""},
    )
    assert response.status_code == 302
    client.post("/equipe/annonces/", {"text": "Soldes en cours", "link": "", "starts_at": "", "ends_at": ""})
    scheduled = Announcement.objects.get(text="Braderie demain")
    assert scheduled.starts_at == datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, tzinfo=PARIS)
    assert scheduled.territory_id == nancy.pk

    home = host_client("nancy.localhost").get("/").text
    assert "Soldes en cours" in home and "Braderie demain" not in home
    assert "Soldes en cours" not in host_client("limoges.localhost").get("/").text
    page = client.get("/equipe/annonces/").text
    assert page.index("Soldes en cours") < page.index("Braderie demain")  # shown now, then scheduled

    current = Announcement.objects.get(text="Soldes en cours")
    client.post(f"/equipe/annonces/{current.pk}/terminer/")
    assert "Soldes en cours" not in host_client("nancy.localhost").get("/").text
    page = client.get("/equipe/annonces/").text
    assert page.index("Passées") < page.index("Soldes en cours")
    with tenant_context(nancy):
        verbs = set(AuditEvent.objects.filter(actor=staff).values_list("verb", flat=True))
    assert {"announcement.schedule", "announcement.end"} <= verbs


def test_the_schedule_is_read_in_the_territorys_own_time_zone(nancy):
    # given a territory overseas (Réunion, UTC+4)
    Territory.objects.filter(pk=nancy.pk).update(time_zone="Indian/Reunion")
    staff, client = _team(nancy)
    # when the team schedules from 9:00 to 18:00 on a day to come
    response = client.post(
        "/equipe/annonces/", {"text": "Marché forain", "starts_at": "2030-05-02T09:00", "ends_at": "2030-05-02T18:00"}
    )
    # then those are 9:00 and 18:00 in Réunion, and the page shows them so
    assert response.status_code == 302
    reunion = ZoneInfo("Indian/Reunion")
    announcement = Announcement.objects.get(text="Marché forain")
    assert announcement.starts_at == datetime(2030, 5, 2, 9, tzinfo=reunion)
    assert announcement.ends_at == datetime(2030, 5, 2, 18, tzinfo=reunion)
    assert "2 mai 2030, 09:00" in client.get("/equipe/annonces/").text


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"text": "Fête", "starts_at": "2030-01-02T10:00", "ends_at": "2030-01-01T10:00"},
            "La fin doit venir après le début",
        ),
        ({"text": "Fête", "ends_at": "2020-01-01T10:00"}, "Cette fin est passée"),
        ({"text": "Fête", "link": "javascript:alert(1)"}, "commençant par /"),
        ({"text": "Fête", "link": "//evil.example/"}, "commençant par /"),
        ({"text": "Fête", "link": "/\\evil.example/"}, "commençant par /"),
        ({"text": "", "link": "/boutiques/"}, "obligatoire"),
        ({"text": "x" * 281}, "280"),
    ],
)
def test_bad_schedules_are_refused_with_a_message_and_change_nothing(nancy, data, message):
    staff, client = _team(nancy)
    response = client.post("/equipe/annonces/", {"link": "", "starts_at": "", "ends_at": "", **data})
    assert response.status_code == 400 and message in response.text
    assert not Announcement.objects.filter(territory=nancy).exists()


@pytest.mark.parametrize("role", [User.Role.TERRITORY_STAFF, User.Role.TERRITORY_ADMIN])
def test_staff_and_admins_announce(nancy, role):
    staff, client = _team(nancy, role)
    assert client.post("/equipe/annonces/", {"text": "Marché de Noël samedi"}).status_code == 302
    assert "Marché de Noël samedi" in host_client("nancy.localhost").get("/").text


def test_no_one_ends_another_territorys_announcement_and_shoppers_cannot_announce(nancy, limoges):
    with tenant_context(limoges):
        admin = UserFactory(role=User.Role.TERRITORY_STAFF)
        foreign = announcement_schedule(territory=limoges, actor=admin, text="Limoges en fête")
    staff, client = _team(nancy)
    assert client.post(f"/equipe/annonces/{foreign.pk}/terminer/").status_code == 404
    assert Announcement.objects.get(pk=foreign.pk).ends_at is None
    with tenant_context(nancy), pytest.raises(Announcement.DoesNotExist):
        announcement_end(territory=nancy, actor=staff, pk=foreign.pk)
    with tenant_context(nancy):
        shopper = UserFactory(role=User.Role.SHOPPER)
        with pytest.raises(Exception, match="staff"):
            announcement_schedule(territory=nancy, actor=shopper, text="Pub")
    assert client_on(nancy, shopper).get("/equipe/annonces/").status_code == 403
    with pytest.raises(ValidationError):
        with tenant_context(nancy):
            announcement_schedule(territory=nancy, actor=staff, text="")


def test_the_nudge_form_is_throttled_per_account(nancy, settings):
    # given a limit of 3 posts an hour, counted afresh
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {**settings.CACHES["throttle"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }
    settings.VITRINE_RATE_LIMITS = {**settings.VITRINE_RATE_LIMITS, "shop_nudge": "3/h"}
    staff, client = _team(nancy)
    with tenant_context(nancy):
        shop = _stale_shop("Quincaillerie")
    form = {"subject": SUBJECT, "body": BODY, "shops": [shop.pk]}
    for _ in range(3):
        assert client.post("/equipe/relances/", form).status_code == 200  # previews
    # when one more comes, then it is refused in French and sends nothing; reading the page still works
    response = client.post("/equipe/relances/", {**form, "action": "send"})
    assert response.status_code == 429 and "Trop de demandes" in response.text
    with tenant_context(nancy):
        assert _nudge_emails().count() == 0
    assert client.get("/equipe/relances/").status_code == 200
