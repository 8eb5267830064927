"""/metrics: Prometheus figures for the bearer of the token only, territory labels bounded; /healthz
names the dependency that is down."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from kombu import Connection, Exchange, Queue
from prometheus_client.parser import text_string_to_metric_families

from vitrine.config.celery import app as celery_app
from vitrine.console.health import territory_health_compute
from vitrine.notifications.models import OutboxEmail
from vitrine.testing.helpers import free_port, host_client

TOKEN = "scrape-token-for-tests"


def scrape(token: str | None = TOKEN, host: str = "127.0.0.1:8000"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return host_client(host).get("/metrics", **headers)


def samples(response) -> dict[tuple[str, tuple], float]:
    assert response.status_code == 200, response.content[:500]
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(figures: dict, name: str, **labels) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def token(settings):
    settings.VITRINE_METRICS_TOKEN = TOKEN
    return TOKEN


def test_metrics_answer_only_the_bearer_of_the_token(db, settings):
    # given no token configured: /metrics is off
    assert scrape().status_code == 404

    # given a token: a request without it, or with another, gets a 404 too, on any host
    settings.VITRINE_METRICS_TOKEN = TOKEN
    assert scrape(token=None).status_code == 404
    assert scrape(token="guess").status_code == 404
    assert host_client("nancy.localhost").get("/metrics").status_code == 404
    # and even the right token by a public name, as the ingress or a proxy passes it on: not from outside
    assert scrape().status_code == 200
    for public in (f"console.{settings.BASE_DOMAIN}", "nancy.localhost", "achetez.example.fr", "example.fr:443"):
        assert scrape(host=public).status_code == 404, public
    # while web asked by its address or its service's name answers
    for internal in ("10.1.2.3:8000", "[fd00::7]:8000", "web:8000", "vitrine-web.shop.svc", "localhost"):
        assert scrape(host=internal).status_code == 200, internal
    # but not when a proxy passed the request on (each adds X-Forwarded-For), whatever Host the client set
    spoofed = host_client("10.1.2.3:8000").get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert spoofed.status_code == 404
    # and a name of another kind once the operator lists it
    settings.VITRINE_INTERNAL_HOSTS = frozenset({"metrics.prive.example.fr"})
    assert scrape(host="metrics.prive.example.fr").status_code == 200

    # then the right token gets the exposition, never a page
    response = scrape()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain; version=")
    assert "vitrine_dependency_up" in response.text


def test_requests_are_counted_by_territory_and_a_made_up_host_adds_no_label(nancy, limoges, token):
    # given the figures before
    before = samples(scrape())

    # when Nancy's home is asked twice, Limoges's once, and a host nobody owns once
    for host in ("nancy.localhost", "nancy.localhost", "limoges.localhost"):
        assert host_client(host).get("/").status_code == 200
    assert host_client("made-up-4417.localhost").get("/").status_code == 404
    after = samples(scrape())

    # then each territory has its own count, the unknown host counts as "none", and no label names it
    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("vitrine_http_requests_total", territory="nancy", status="2xx") == 2
    assert delta("vitrine_http_requests_total", territory="limoges", status="2xx") == 1
    assert delta("vitrine_http_requests_total", territory="none", status="4xx") == 1
    assert delta("vitrine_http_territory_request_seconds_count", territory="nancy") == 2
    assert delta("vitrine_http_territory_request_seconds_sum", territory="nancy") > 0
    assert not [key for key in after if "made-up" in str(key)]
    # latency by view: the home page's three requests are in its histogram
    home = [key for key in after if key[0] == "vitrine_http_request_duration_seconds_count" and "home" in str(key)]
    assert (
        home
        and sum(value(after, *key[:1], **dict(key[1])) for key in home)
        - sum(value(before, *key[:1], **dict(key[1])) for key in home)
        == 3
    )


def test_territory_labels_stop_growing_at_the_bound(nancy, limoges, token, settings):
    from vitrine.metrics import prometheus

    # given a bound already reached by this process's labels
    settings.VITRINE_METRICS_MAX_TERRITORIES = len(prometheus._seen)
    newcomer = f"t{uuid.uuid4().hex[:8]}"

    # then a territory not seen yet is counted as "other", one already seen keeps its name
    assert prometheus.territory_label(newcomer) == "other"
    assert prometheus.territory_label("public") == "public"


def test_outbox_backlog_and_orders_of_the_week_by_territory(nancy, limoges, token):
    # given the figures of both territories as the health task computes them, Limoges's two minutes ago
    with tenant_context(nancy):
        territory_health_compute()
    with tenant_context(limoges):
        territory_health_compute(now=timezone.now() - timedelta(seconds=120))
    connection.set_schema_to_public()
    before = samples(scrape())

    # when two emails wait in Nancy's outbox, and the task runs there again
    with tenant_context(nancy):
        for n in range(2):
            OutboxEmail.objects.create(to=[f"client{n}@example.fr"], subject="Votre commande", body="…")
        territory_health_compute()
        waiting = OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).count()
    connection.set_schema_to_public()
    after = samples(scrape())

    # then Nancy's backlog grew by two, Limoges's did not move, and the age of the oldest figures is told
    assert value(after, "vitrine_outbox_pending", territory="nancy") == waiting
    assert (
        value(after, "vitrine_outbox_pending", territory="nancy")
        - value(before, "vitrine_outbox_pending", territory="nancy")
        == 2
    )
    assert value(after, "vitrine_outbox_pending", territory="limoges") == value(
        before, "vitrine_outbox_pending", territory="limoges"
    )
    assert ("vitrine_orders_week", (("territory", "nancy"),)) in after
    assert value(after, "vitrine_territory_health_age_seconds") >= 119


def test_celery_queue_length_is_read_from_the_broker(db, token, settings):
    # given a queue nobody consumes, holding three tasks, and a queue nobody declared
    name = f"vitrine-test-{uuid.uuid4().hex[:8]}"
    settings.VITRINE_METRICS_CELERY_QUEUES = [name, f"{name}-never"]
    queue = Queue(name, Exchange(name), routing_key=name)
    with Connection(celery_app.conf.broker_url) as broker:
        producer = broker.Producer()
        for n in range(3):
            producer.publish({"n": n}, exchange=queue.exchange, routing_key=name, declare=[queue])
        try:
            # when Prometheus scrapes
            figures = samples(scrape())
        finally:
            queue(broker.default_channel).delete()

    # then each queue's length, the undeclared one at zero (and not created by asking)
    assert value(figures, "vitrine_celery_queue_length", queue=name) == 3
    assert value(figures, "vitrine_celery_queue_length", queue=f"{name}-never") == 0


def test_migrations_not_applied_are_counted(db, token):
    # given a migrated database: nothing pending
    figures = samples(scrape())
    assert value(figures, "vitrine_migrations_pending", schema="public") == 0
    assert value(figures, "vitrine_migrations_pending", schema="_template") == 0

    # when the public schema forgets one of its migrations (rolled back with the test)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM public.django_migrations WHERE app = 'tenancy' AND name LIKE '0001%'")

    # then one is pending there, none in the template
    figures = samples(scrape())
    assert value(figures, "vitrine_migrations_pending", schema="public") == 1
    assert value(figures, "vitrine_migrations_pending", schema="_template") == 0


@pytest.mark.embedded  # also on the embedded PostgreSQL, the file cache and the file-system broker (make test-embedded)
def test_healthz_says_everything_is_up(db):
    response = host_client("10.0.0.7:8000").get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_healthz_names_the_cache_and_the_broker_when_they_are_down_and_stays_200(db, settings, monkeypatch, token):
    # given Redis (cache) and the broker at addresses where nothing answers
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", nowhere)  # Celery reads the variable before its settings
    monkeypatch.setattr(celery_app.conf, "broker_url", nowhere)

    # when the health check is asked
    response = host_client("127.0.0.1").get("/healthz")

    # then pages can still be served (200), and the answer names both, without their addresses
    body = json.loads(response.content)
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["cache"].startswith("down: ") and body["broker"].startswith("down: ")
    assert "127.0.0.1" not in response.text
    # and /metrics says the same, with no broker figure
    figures = samples(scrape())
    assert value(figures, "vitrine_dependency_up", dependency="cache") == 0
    assert value(figures, "vitrine_dependency_up", dependency="database") == 1


def test_healthz_asked_by_a_public_name_gives_the_status_alone(db, settings, monkeypatch):
    # given the cache down
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    # when the health check is asked through the ingress (a public name), then by a probe (the pod's address)
    public = host_client("nancy.localhost").get("/healthz")
    probe = host_client("10.0.0.7:8000").get("/healthz")

    # then both say degraded with the same code; only the probe learns what is down
    assert public.status_code == probe.status_code == 200
    assert json.loads(public.content) == {"status": "degraded"}
    assert json.loads(probe.content)["cache"].startswith("down: ")


def test_livez_answers_without_asking_anything(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = host_client("10.0.0.7:8000").get("/livez")

    assert response.status_code == 200 and response.content == b"ok"
