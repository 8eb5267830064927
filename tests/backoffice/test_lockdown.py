"""Lockdown mode (issue #12): one switch of the territory team, what it changes on every page, and the switch back."""

import pytest
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.backoffice.services import territory_lockdown_set
from vitrine.tenancy.models import AuditEntry, Territory
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory, shop_open_every_day
from vitrine.testing.helpers import client_on, host_client

BANNER = "Confinement : vos commerces restent là."
PICKUP_HOURS = "Horaires de retrait Click & Collect"
OPENING_HOURS = "Horaires de la semaine"


def _team(territory, role=User.Role.TERRITORY_STAFF):
    with tenant_context(territory):
        user = UserFactory(role=role)
    return user, client_on(territory, user)


def _get(territory, path: str) -> str:
    return host_client(f"{territory.schema_name}.localhost").get(path).text


@pytest.fixture
def shops(nancy):
    with tenant_context(nancy):
        collect = shop_open_every_day(name="Fromagerie Click")
        ProductFactory(shop=collect)
        showcase = shop_open_every_day(name="Vitrine Seule", showcase_only=True)
        ProductFactory(shop=showcase)
    return {"collect": collect, "showcase": showcase}


def test_the_switch_asks_for_confirmation_then_changes_every_page_and_is_recorded(
    nancy, limoges, shops, django_capture_on_commit_callbacks
):
    staff, client = _team(nancy)
    assert BANNER not in _get(nancy, "/")
    assert OPENING_HOURS in _get(nancy, f"/boutiques/{shops['collect'].slug}/")

    confirm = client.get("/equipe/confinement/basculer/")
    assert confirm.status_code == 200 and "Oui, activer le mode confinement" in confirm.text
    assert not Territory.objects.get(pk=nancy.pk).lockdown  # asking changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/equipe/confinement/basculer/", {"on": "1"})
    assert response.status_code == 302

    home = _get(nancy, "/")
    assert BANNER in home
    assert "Click & Collect : commandez maintenant" in home
    collect_section = home.split('id="collect-title"')[1].split("</section>")[0]
    assert "Fromagerie Click" in collect_section and "Vitrine Seule" not in collect_section
    assert BANNER in _get(nancy, "/boutiques/")  # on every page
    storefront = _get(nancy, f"/boutiques/{shops['collect'].slug}/")
    assert PICKUP_HOURS in storefront and OPENING_HOURS not in storefront
    # a showcase shop takes no order: its opening hours stay
    assert OPENING_HOURS in _get(nancy, f"/boutiques/{shops['showcase'].slug}/")
    assert BANNER not in _get(limoges, "/")  # another territory is not locked down
    with tenant_context(nancy):
        assert AuditEvent.objects.filter(verb="territory.lockdown_on", actor=staff).count() == 1
    assert AuditEntry.objects.filter(action="territory.lockdown_on", territory=nancy).exists()

    # the switch back restores every page
    assert "Oui, désactiver le mode confinement" in client.get("/equipe/confinement/basculer/").text
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/equipe/confinement/basculer/", {"on": "0"})
    home = _get(nancy, "/")
    assert BANNER not in home and 'id="collect-title"' not in home
    storefront = _get(nancy, f"/boutiques/{shops['collect'].slug}/")
    assert OPENING_HOURS in storefront and PICKUP_HOURS not in storefront
    with tenant_context(nancy):
        assert AuditEvent.objects.filter(verb="territory.lockdown_off", actor=staff).count() == 1


def test_the_shop_directory_puts_click_and_collect_first_in_lockdown_without_open_now(
    nancy, shops, django_capture_on_commit_callbacks
):
    with tenant_context(nancy):
        ProductFactory(shop=shop_open_every_day(name="Atelier Sans Commande", showcase_only=True))

    def names(page: str) -> list[str]:
        return [name for name in ("Atelier Sans Commande", "Fromagerie Click", "Vitrine Seule") if name in page]

    def order(page: str) -> list[str]:
        return sorted(names(page), key=page.index)

    before = _get(nancy, "/boutiques/")
    assert order(before) == ["Atelier Sans Commande", "Fromagerie Click", "Vitrine Seule"]
    assert "Ouvert maintenant" in before  # the shops are open every day
    staff, client = _team(nancy)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/equipe/confinement/basculer/", {"on": "1"})

    page = _get(nancy, "/boutiques/")
    assert order(page) == ["Fromagerie Click", "Atelier Sans Commande", "Vitrine Seule"]
    # shops are closed to walk-ins in lockdown: no card says "open now" from its usual hours
    assert "Ouvert maintenant" not in page and "Fermé actuellement" not in page
    assert "Ouvert maintenant" not in _get(nancy, "/")
    assert "les boutiques qui prennent les commandes en ligne en Click & Collect passent en premier" in page


def test_a_stale_confirmation_changes_nothing(nancy, django_capture_on_commit_callbacks):
    staff, client = _team(nancy)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/equipe/confinement/basculer/", {"on": "0"})  # asked to switch off while off
    assert not Territory.objects.get(pk=nancy.pk).lockdown
    with tenant_context(nancy):
        assert not AuditEvent.objects.filter(verb__startswith="territory.lockdown").exists()


def test_the_team_writes_its_own_pickup_instructions(nancy):
    staff, client = _team(nancy)
    page = client.get("/equipe/confinement/")
    assert "Retrait sans contact" in page.text  # the French default, shown
    client.post("/equipe/confinement/", {"pickup_instructions": "Sonnez, on vous apporte le sac."})
    territory = Territory.objects.get(pk=nancy.pk)
    assert territory.pickup_instructions_text == "Sonnez, on vous apporte le sac."
    client.post("/equipe/confinement/", {"pickup_instructions": ""})
    assert Territory.objects.get(pk=nancy.pk).pickup_instructions_text.startswith("Retrait sans contact")
    with tenant_context(nancy):
        assert AuditEvent.objects.filter(verb="territory.pickup_instructions").count() == 2
    response = client.post("/equipe/confinement/", {"pickup_instructions": "x" * 1001})
    assert response.status_code == 400


@pytest.mark.parametrize("role", [User.Role.SHOPPER, User.Role.MERCHANT])
def test_only_the_team_switches(nancy, role):
    user, client = _team(nancy, role)
    assert client.get("/equipe/confinement/").status_code == 403
    assert client.post("/equipe/confinement/basculer/", {"on": "1"}).status_code == 403
    assert not Territory.objects.get(pk=nancy.pk).lockdown
    with tenant_context(nancy), pytest.raises(Exception, match="staff"):
        territory_lockdown_set(territory=nancy, actor=user, on=True)
    assert host_client("nancy.localhost").get("/equipe/confinement/").status_code == 302


def test_a_team_never_switches_another_territory(nancy, limoges):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_ADMIN)
        with pytest.raises(Exception, match="Another territory"):
            territory_lockdown_set(territory=limoges, actor=staff, on=True)
    assert not Territory.objects.get(pk=limoges.pk).lockdown


def test_featured_shops_lead_the_lockdown_home_page(nancy, django_capture_on_commit_callbacks):
    with tenant_context(nancy):
        shop_open_every_day(name="Aaa Première")
        featured = shop_open_every_day(name="Zzz Mise en avant", is_featured=True)
        ProductFactory(shop=featured)
        ShopFactory(name="Sans C&C", click_and_collect=False)
    staff, client = _team(nancy)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/equipe/confinement/basculer/", {"on": "1"})
    section = _get(nancy, "/").split('id="collect-title"')[1].split("</section>")[0]
    assert section.index("Zzz Mise en avant") < section.index("Aaa Première")
    assert "Sans C&amp;C" not in section
