"""The console's territories at a glance: figures computed in each schema, a list that reads only them."""

import secrets
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from vitrine.accounts.models import User
from vitrine.console.health import territory_dashboard_figures, territory_health_compute
from vitrine.console.tasks import territory_health_refresh
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Order
from vitrine.tenancy.models import AuditEntry, Territory, TerritoryHealth
from vitrine.testing.factories import ShopFactory, UserFactory
from vitrine.testing.helpers import client_on, host_client, sign_in_as

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=PARIS)


def _order(shop, *, created_at, status="placed", total="10.00", collected_at=None) -> Order:
    order = Order.objects.create(
        shop=shop,
        customer_name="Claire Blaison",
        email="client@example.fr",
        status=status,
        pickup_code="".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(6)),
        pickup_starts_at=created_at,
        pickup_ends_at=created_at + timedelta(minutes=30),
        total=Decimal(total),
        idempotency_key=uuid.uuid4(),
        collected_at=collected_at,
    )
    Order.objects.filter(pk=order.pk).update(created_at=created_at)  # auto_now_add: set afterwards
    return order


def _email(status=OutboxEmail.Status.PENDING) -> None:
    OutboxEmail.objects.create(to=["a@example.fr"], subject="Commande", body="…", status=status)


def _health_row(territory, **figures) -> TerritoryHealth:
    defaults = {"shops": 0, "active_shops": 0, "orders_week": 0, "outbox_pending": 0, "computed_at": NOW}
    # (provisioning wrote the session's territories a first row)
    return TerritoryHealth.objects.update_or_create(territory=territory, defaults={**defaults, **figures})[0]


def test_health_task_computes_exact_figures_in_each_territory(nancy, limoges, in_territory):
    # given in Nancy: 3 approved shops (one with orders 2 and 20 days ago, one 40 days ago only,
    # one without), a shop awaiting approval with a recent order, an order still awaiting its
    # online payment, 2 emails waiting and one sent; a sign-in after the last order
    with in_territory(nancy):
        OutboxEmail.objects.all().delete()  # the invitation of the territory's first admin
        recent, old, _quiet = ShopFactory(), ShopFactory(), ShopFactory()
        pending_shop = ShopFactory(status="pending")
        _order(recent, created_at=NOW - timedelta(days=2))
        _order(recent, created_at=NOW - timedelta(days=20), status="collected", collected_at=NOW - timedelta(days=19))
        _order(old, created_at=NOW - timedelta(days=40))
        _order(pending_shop, created_at=NOW - timedelta(days=6, hours=23))
        _order(old, created_at=NOW - timedelta(hours=1), status=Order.Status.PENDING_PAYMENT)
        _email(), _email(), _email(OutboxEmail.Status.SENT)
        User.objects.update(last_login=None)
        User.objects.filter(pk=UserFactory().pk).update(last_login=NOW - timedelta(hours=3))
    # and in Limoges one approved shop, no order, no email
    with in_territory(limoges):
        OutboxEmail.objects.all().delete()
        ShopFactory()
        User.objects.update(last_login=None)

    # when the health is computed in each territory's schema
    with in_territory(nancy):
        territory_health_compute(now=NOW)
    with in_territory(limoges):
        territory_health_compute(now=NOW)

    # then each territory's row holds its own exact figures
    health = TerritoryHealth.objects.get(territory=nancy)
    assert (health.shops, health.active_shops, health.orders_week, health.outbox_pending) == (3, 1, 2, 2)
    assert health.last_activity_at == NOW - timedelta(hours=3) and health.computed_at == NOW
    other = TerritoryHealth.objects.get(territory=limoges)
    assert (other.shops, other.active_shops, other.orders_week, other.outbox_pending) == (1, 0, 0, 0)
    assert other.last_activity_at is None

    # and computing again updates the same row: the last order now comes after the sign-in
    with in_territory(nancy):
        _order(recent, created_at=NOW - timedelta(minutes=5))
        territory_health_compute(now=NOW)
    health = TerritoryHealth.objects.get(territory=nancy)
    assert health.orders_week == 3 and health.last_activity_at == NOW - timedelta(minutes=5)
    assert TerritoryHealth.objects.filter(territory=nancy).count() == 1


def test_the_task_writes_the_row_of_the_schema_it_runs_in_and_nothing_on_public(nancy, in_territory):
    TerritoryHealth.objects.all().delete()  # (provisioning wrote the session's territories a first row)
    territory_health_refresh()  # on the public schema: nothing to compute
    assert not TerritoryHealth.objects.exists()
    with in_territory(nancy):
        territory_health_refresh()
    assert TerritoryHealth.objects.filter(territory=nancy, computed_at__lte=timezone.now()).exists()


def test_the_territory_page_reads_its_teams_dashboard_in_the_territory_time_zone(nancy, in_territory):
    # given orders either side of 1 December at midnight in Paris (23:30 UTC on 30 November)
    with in_territory(nancy):
        shop = ShopFactory()
        first_december = datetime(2026, 12, 1, 0, 0, tzinfo=PARIS)
        _order(
            shop,
            created_at=first_december + timedelta(minutes=5),
            status="collected",
            total="12.50",
            collected_at=first_december + timedelta(minutes=10),
        )
        _order(
            shop,
            created_at=first_december - timedelta(minutes=5),
            status="collected",
            total="30.00",
            collected_at=first_december - timedelta(minutes=1),
        )
        _order(shop, created_at=datetime(2026, 11, 1, 0, 1, tzinfo=PARIS))
        _order(
            shop,
            created_at=datetime(2026, 10, 31, 23, 59, tzinfo=PARIS),
            status="collected",
            total="99.00",
            collected_at=datetime(2026, 11, 2, 10, 0, tzinfo=PARIS),
        )

    # when the territory's page reads its team's dashboard figures (on 1 December: December so far)
    figures = territory_dashboard_figures(nancy, today=NOW.astimezone(PARIS).date())

    # then December's first day against November's, by Paris days
    lines = {line.key: line for line in figures.lines}
    assert (lines["placed"].current, lines["sales"].current) == (1, Decimal("12.50"))
    assert (lines["placed"].previous, lines["sales"].previous) == (1, Decimal("99.00"))  # 1 November only
    assert connection.schema_name == "public"


def test_health_list_sorts_by_each_column_and_searches_name_slug_and_domain(console_client, nancy, limoges):
    # given Nancy with more shops and Limoges with more orders and an older activity
    _health_row(nancy, shops=12, active_shops=3, orders_week=4, outbox_pending=0, last_activity_at=NOW)
    _health_row(
        limoges, shops=5, active_shops=4, orders_week=9, outbox_pending=7, last_activity_at=NOW - timedelta(days=3)
    )

    def order(query: str) -> list[str]:
        text = console_client.get(f"/?{query}").text
        return sorted(["nancy", "limoges"], key=lambda slug: text.index(f"<code>{slug}</code>"))

    # then each column sorts, both ways
    assert order("") == ["nancy", "limoges"]  # by name: "Achetez Grand Nancy", "Limoges en boutiques"
    assert order("tri=-boutiques") == ["nancy", "limoges"] and order("tri=boutiques") == ["limoges", "nancy"]
    assert order("tri=-actives") == ["limoges", "nancy"]
    assert order("tri=-commandes") == ["limoges", "nancy"] and order("tri=commandes") == ["nancy", "limoges"]
    assert order("tri=-emails") == ["limoges", "nancy"]
    assert order("tri=-activite") == ["nancy", "limoges"] and order("tri=activite") == ["limoges", "nancy"]
    assert order("tri=n'importe-quoi") == order("")

    # and the header of the sorted column says so, its link turns the order round
    page = console_client.get("/?tri=-commandes").text
    assert 'aria-sort="descending"><a href="?tri=commandes">' in page

    # and the search finds by name, identifier and domain
    assert "<code>limoges</code>" in console_client.get("/?q=boutiques").text
    found = console_client.get("/?q=nancy.localhost").text
    assert "<code>nancy</code>" in found and "<code>limoges</code>" not in found
    assert "<code>limoges</code>" in console_client.get("/?q=LIMO").text
    assert "Aucun territoire ne correspond" in console_client.get("/?q=zzz").text

    # and a status keeps only the territories in it
    Territory.objects.filter(pk=limoges.pk).update(status=Territory.Status.SUSPENDED)
    suspended = console_client.get("/?statut=suspended").text
    assert "<code>limoges</code>" in suspended and "<code>nancy</code>" not in suspended
    active = console_client.get("/?statut=active&tri=-emails").text
    assert "<code>nancy</code>" in active and "<code>limoges</code>" not in active

    # and the page says when the figures were computed
    assert "Chiffres calculés le" in console_client.get("/?q=nancy").text


def test_health_list_costs_the_same_queries_at_2_or_32_territories_and_paginates(
    console_client, nancy, limoges, django_assert_num_queries
):
    # given health rows for the two territories
    _health_row(nancy, shops=1)
    _health_row(limoges, shops=2)

    # then session, user, its authenticator, count, page, domains
    with django_assert_num_queries(6):
        assert console_client.get("/").status_code == 200

    # given 30 more territories (rows only, no schema: the list never reads one), half with figures
    for n in range(30):
        territory = Territory.objects.create(schema_name=f"ville{n:02d}", name=f"Ville {n:02d}", contact_email="a@b.fr")
        if n % 2:
            _health_row(territory, orders_week=n)
    with django_assert_num_queries(6):
        response = console_client.get("/?tri=-commandes")
    assert response.status_code == 200
    assert response.text.index("<code>ville29</code>") < response.text.index("<code>ville27</code>")
    assert "Chiffres pas encore calculés." in response.text  # territories without figures come last
    assert "Page 1 sur 1" not in response.text  # 32 rows: one page of 50

    # and with more than a page, the next page keeps the sort and search
    for n in range(30, 60):
        Territory.objects.create(schema_name=f"ville{n:02d}", name=f"Ville {n:02d}", contact_email="a@b.fr")
    first = console_client.get("/?q=ville&tri=-commandes")
    assert "Page 1 sur 2" in first.text and 'href="?q=ville&amp;tri=-commandes&amp;page=2"' in first.text
    second = console_client.get("/?q=ville&tri=-commandes&page=2")
    assert second.text.count("<code>ville") == 10


def test_health_list_is_for_operators_who_gave_their_code(nancy, in_territory):
    # an operator signed in with the password only is sent to set up two-factor sign-in
    operator = User.objects.create_superuser(email="op@vitrine.fr", password="operator-pass-1")
    client = host_client("console.localhost")
    client.force_login(operator)
    response = client.get("/?tri=-commandes")
    assert response.status_code == 302 and response["Location"].startswith("/securite/")

    # a console account without operator rights is refused
    someone = host_client("console.localhost")
    someone.force_login(User.objects.create_user(email="someone@example.fr", password="x" * 12))
    for path in ("/", "/?tri=-emails&q=nancy", "/territoires/nancy/", "/journal/?territoire=nancy"):
        assert someone.get(path).status_code == 403, path

    # a territory's admin, signed in on their territory, reaches nothing on the console
    with in_territory(nancy):
        admin = UserFactory(role=User.Role.TERRITORY_ADMIN)
    territory_client = client_on(nancy, admin)
    assert territory_client.get("/equipe/").status_code == 200
    console = host_client("console.localhost")
    console.cookies = territory_client.cookies  # even with the territory's session cookie
    response = console.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_territory_page_shows_its_health_and_month_figures(console_client, nancy, limoges, in_territory):
    # given Nancy's health row and an order collected this month (and a bigger one in Limoges)
    _health_row(nancy, shops=12, active_shops=3, orders_week=4, outbox_pending=2)
    with in_territory(limoges):
        _order(
            ShopFactory(), created_at=timezone.now(), status="collected", total="900.00", collected_at=timezone.now()
        )
    with in_territory(nancy):
        _order(ShopFactory(), created_at=timezone.now(), status="collected", total="42.00", collected_at=timezone.now())

    # when the operator opens the territory's page
    page = console_client.get("/territoires/nancy/").text

    # then its figures, this month against last month, and its levers
    assert "boutiques en ligne" in page and "<strong>12</strong>" in page and "<strong>2</strong>" in page
    assert "42,00" in page and "Ce mois-ci" in page and "900,00" not in page
    assert "Suspendre" in page and "/territoires/nancy/identite/" in page and "Ajouter le domaine" in page
    assert connection.schema_name == "public"


def test_audit_log_filters_by_operator_territory_and_action_in_french(console_client, nancy, limoges):
    # given console actions by two operators on two territories (and nothing else in the log)
    AuditEntry.objects.all().delete()
    console_client.post("/territoires/nancy/statut/", {"status": "suspended", "reason": "Impayé"})
    console_client.post("/territoires/nancy/statut/", {"status": "active"})
    console_client.post("/territoires/limoges/domaines/", {"domain": "achetez.limoges.fr"})
    other = host_client("console.localhost")
    sign_in_as(other, User.objects.create_superuser(email="autre@vitrine.fr", password="operator-pass-2"))
    other.post("/territoires/limoges/statut/", {"status": "suspended"})

    def rows(query: str) -> str:
        text = console_client.get(f"/journal/?{query}").text
        return text[text.index("<tbody>") : text.index("</tbody>")]

    # then every action is there, in French
    everything = rows("")
    for label in ("Territoire suspendu", "Territoire rouvert", "Domaine ajouté", "motif : Impayé"):
        assert label in everything, label

    # and each filter keeps only its rows
    by_other = rows("operateur=autre@vitrine.fr")
    assert by_other.count("<tr>") == 1 and "Limoges en boutiques" in by_other
    in_nancy = rows("territoire=nancy")
    assert in_nancy.count("<tr>") == 2 and "Limoges" not in in_nancy
    assert rows("territoire=limoges en").count("<tr>") == 2
    suspensions = rows("action=territory-suspend")
    assert suspensions.count("<tr>") == 2 and "rouvert" not in suspensions
    assert rows("action=territory-suspend&territoire=limoges").count("<tr>") == 1
    assert "Aucune action ne correspond à ces filtres" in rows("action=domain-add&territoire=nancy")


def test_a_territory_provisioned_has_its_health_row_at_once(db):
    from vitrine.console.services import TerritoryRequest, territory_provision

    # when a territory is provisioned
    result = territory_provision(
        request=TerritoryRequest(
            name="Achetez Metz", slug="metz", contact_email="contact@metz.fr", admin_email="admin@metz.fr"
        ),
        actor=None,
    )

    # then the console lists it with its figures (nothing yet, its admin's invitation waiting)
    health = TerritoryHealth.objects.get(territory=result.territory)
    assert (health.shops, health.orders_week, health.outbox_pending) == (0, 0, 1)
    assert connection.schema_name == "public"


def test_the_periodic_run_is_scheduled_and_names_the_fan_out_task():
    from django.conf import settings

    from vitrine.console.tasks import territory_health_refresh_all

    entry = settings.CELERY_BEAT_SCHEDULE["console-health"]
    assert entry["task"] == territory_health_refresh_all.name and entry["schedule"] > 0
