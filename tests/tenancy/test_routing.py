"""Host -> territory routing: cached, invalidated on change, never falling back elsewhere."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vitrine.tenancy.models import Domain, Territory
from vitrine.tenancy.services import domain_add, territory_set_status
from vitrine.testing.helpers import host_client

pytestmark = pytest.mark.embedded  # also run on the embedded PostgreSQL in CI (make test-embedded)


def test_each_host_serves_its_own_territory(nancy, limoges):
    # when each territory's host is asked for its home page
    nancy_page = host_client("nancy.localhost").get("/")
    limoges_page = host_client("limoges.localhost:8000").get("/")

    # then each shows its own name and never the other's
    assert nancy_page.status_code == 200 and limoges_page.status_code == 200
    assert "Achetez Grand Nancy" in nancy_page.text and "Limoges en boutiques" not in nancy_page.text
    assert "Limoges en boutiques" in limoges_page.text and "Achetez Grand Nancy" not in limoges_page.text


def test_unknown_host_gets_a_plain_404_without_any_territory(nancy):
    # when a host no territory owns is asked
    response = host_client("nowhere.localhost").get("/")

    # then a plain 404 page, with nothing of any territory
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert "Nancy" not in response.text and "Limoges" not in response.text
    assert connection.schema_name == "public"


def test_malformed_host_gets_a_404_too(db):
    response = host_client("bad host!").get("/")
    assert response.status_code == 404


def test_suspended_territory_answers_503_closed_page_in_its_branding(nancy, django_capture_on_commit_callbacks):
    # given nancy is suspended
    with django_capture_on_commit_callbacks(execute=True):
        territory_set_status(territory=nancy, status=Territory.Status.SUSPENDED, actor=None, reason="test")

    # when any of its pages is asked
    home = host_client("nancy.localhost").get("/")
    deep = host_client("nancy.localhost").get("/compte/connexion/")

    # then it says it is closed for now, in its own branding, and serves nothing else
    assert home.status_code == 503 and deep.status_code == 503
    assert home["Retry-After"]
    assert "Achetez Grand Nancy" in home.text
    assert 'class="theme-metropole"' in home.text
    assert "Fermé pour le moment" in home.text or "Closed for now" in home.text
    # while limoges is unaffected
    assert host_client("limoges.localhost").get("/").status_code == 200


def test_custom_domain_routes_to_its_territory(nancy, django_capture_on_commit_callbacks):
    # given a custom domain added to nancy
    with django_capture_on_commit_callbacks(execute=True):
        domain_add(territory=nancy, domain="achetez.grandnancy.fr", actor=None)

    # when it is asked
    response = host_client("achetez.grandnancy.fr").get("/")

    # then nancy answers
    assert response.status_code == 200
    assert "Achetez Grand Nancy" in response.text


def _signed_in_client(territory, host):
    from django_tenants.utils import tenant_context

    from vitrine.testing.factories import UserFactory

    client = host_client(host)
    with tenant_context(territory):  # the session lives in the territory's schema
        client.force_login(UserFactory())
    return client


def test_warm_request_costs_no_domain_lookup_and_no_set_search_path(nancy):
    # given a signed-in visitor whose first request warmed the route cache and the connection
    client = _signed_in_client(nancy, "nancy.localhost")
    assert client.get("/compte/").status_code == 200

    # when the same host is asked again
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/compte/")

    # then only the page's own queries run (session, user): no domain lookup, no SET search_path
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert sql and not any("tenancy_domain" in s or s.startswith("SET search_path") for s in sql), sql


def test_switching_territory_sets_the_search_path_once(nancy, limoges):
    # given warm visitors on both territories
    nancy_client = _signed_in_client(nancy, "nancy.localhost")
    limoges_client = _signed_in_client(limoges, "limoges.localhost")
    nancy_client.get("/compte/")
    limoges_client.get("/compte/")

    # when nancy is served twice after limoges
    with CaptureQueriesContext(connection) as queries:
        assert nancy_client.get("/compte/").status_code == 200
        assert nancy_client.get("/compte/").status_code == 200

    # then exactly one SET search_path, for the switch
    sets = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")]
    assert sets == ['SET search_path = "nancy","public"']


def test_domain_change_invalidates_the_cached_route(nancy, limoges, django_capture_on_commit_callbacks):
    # given a custom domain cached as unknown
    client = host_client("limoges-centre.example.fr")
    assert client.get("/").status_code == 404

    # when it is attached to limoges
    with django_capture_on_commit_callbacks(execute=True):
        domain_add(territory=limoges, domain="limoges-centre.example.fr", actor=None)

    # then the next request routes to limoges at once
    assert "Limoges en boutiques" in client.get("/").text

    # and when the domain moves away (deleted), the host is unknown again
    with django_capture_on_commit_callbacks(execute=True):
        Domain.objects.filter(domain="limoges-centre.example.fr").delete()
        from vitrine.tenancy.routing import routing_invalidate

        routing_invalidate()
    assert client.get("/").status_code == 404


def test_other_processes_see_changes_through_the_shared_generation(nancy, monkeypatch):
    # given a route cached in this process
    from vitrine.tenancy import routing

    client = host_client("nancy.localhost")
    assert client.get("/").status_code == 200
    assert "nancy.localhost" in routing.routes._routes

    # when another process bumps the shared generation (simulated: bump it, keep our dict)
    monkeypatch.setattr(routing, "GENERATION_CHECK_SECONDS", 0.0)
    shared = routing.caches["shared"]
    shared.set(routing.GENERATION_KEY, (shared.get(routing.GENERATION_KEY) or 0) + 1, timeout=None)

    # then the next lookup drops the stale dict and asks the database again
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert any("tenancy_domain" in q["sql"] for q in queries.captured_queries)


def test_console_is_served_on_the_public_host_only(console_client, nancy):
    # when the console is asked on its host and on a territory's host
    console = console_client.get("/")
    territory = host_client("nancy.localhost").get("/territoires/nouveau/")

    # then only the public host has it
    assert console.status_code == 200 and "Achetez Grand Nancy" in console.text
    assert territory.status_code == 404
