"""A batch of counts is written once, whatever happens around the flush: two at once, a redelivery,
a batch that always fails, a Redis that does not answer."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from django.db import DataError, connection, transaction
from django.test import Client
from django_tenants.utils import tenant_context

from vitrine.metrics import counting, services
from vitrine.metrics.counting import buffer, buffer_add
from vitrine.metrics.models import AppliedBatch, DailyCount
from vitrine.metrics.services import daily_counts_flush
from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import free_port, wait_for
from vitrine.testing.processes import RedisServer

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1"
DAY = "2026-12-05"


def _storefront_counts(territory) -> dict[int | None, int]:
    with tenant_context(territory):
        return dict(DailyCount.objects.filter(kind="storefront").values_list("shop_id", "count"))


def test_two_flushes_at_once_write_a_batch_once(committed):
    # given three visits waiting in Nancy's buffer, and the counts' table locked for a moment (as a
    # slow database would), so that two flushes (beat's and the full buffer's) overlap for sure
    nancy = committed["nancy"]
    buffer_add(schema_name="nancy", rows=[(DAY, "storefront", 7, "")] * 3)
    results: list[int] = []
    errors: list[BaseException] = []

    def flush() -> None:
        try:
            with tenant_context(nancy):
                results.append(daily_counts_flush())
        except BaseException as exc:  # noqa: BLE001  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=flush) for _ in range(2)]
    try:
        with tenant_context(nancy), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("LOCK TABLE metrics_dailycount IN EXCLUSIVE MODE")
            for thread in threads:
                thread.start()

            # when both flushes are either done or waiting for the table
            def both_there() -> bool:
                cursor.execute(
                    "SELECT pg_stat_clear_snapshot()"
                )  # else the view stays as first read in this transaction
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                return cursor.fetchone()[0] + len(results) + len(errors) == 2

            wait_for(both_there, timeout=20, message="both flushes to run")
        for thread in threads:
            thread.join(timeout=20)

        # then the visits are counted once: one flush wrote them, the other found the territory busy
        assert not errors, errors
        assert sorted(results) == [0, 1]
        assert _storefront_counts(nancy) == {7: 3}
    finally:
        with tenant_context(nancy):
            DailyCount.objects.all().delete()
            AppliedBatch.objects.all().delete()


def test_a_batch_written_but_not_forgotten_is_not_added_again(nancy):
    # given a flush that wrote its batch and committed, then died before the buffer forgot the batch
    # (a worker killed at that instant: the batch is still set aside, under its name)
    buffer_add(schema_name="nancy", rows=[(DAY, "storefront", 7, "")] * 2)
    store = buffer()
    batch = store.take("nancy")
    assert batch is not None
    with tenant_context(nancy):
        assert services._batch_write(batch) == 1  # the first flush's transaction, committed

        # when the flush is redelivered (acks_late) and runs again, and a visit comes after it
        assert daily_counts_flush() == 0
        buffer_add(schema_name="nancy", rows=[(DAY, "storefront", 7, "")])
        assert daily_counts_flush() == 1

        # then the two visits count twice, not four times, and the third once
        assert _storefront_counts(nancy) == {7: 3}
        assert AppliedBatch.objects.filter(batch_id=batch.id).count() == 1


def test_a_batch_that_always_fails_is_set_aside_and_counting_goes_on(nancy, caplog):
    # given a batch the database refuses every time (a day no calendar has, from some bad release)
    buffer_add(schema_name="nancy", rows=[("2026-13-45", "storefront", 7, "")])
    with tenant_context(nancy):
        # when every flush fails on it, while visits keep coming
        for attempt in range(1, counting.MAX_ATTEMPTS + 1):
            with caplog.at_level(logging.ERROR, logger="vitrine.metrics.services"), pytest.raises(DataError):
                daily_counts_flush()
            assert f"attempt {attempt} of {counting.MAX_ATTEMPTS}" in caplog.text
            buffer_add(schema_name="nancy", rows=[(DAY, "storefront", 8, "")])
        assert not DailyCount.objects.exists()

        # then the next flush sets the batch aside, says so, and writes the visits that came after it
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="vitrine.metrics.services"):
            assert daily_counts_flush() == 1
        assert "set aside" in caplog.text
        assert _storefront_counts(nancy) == {8: counting.MAX_ATTEMPTS}
    dead = buffer().dead_letters("nancy")
    assert list(dead.values()) == [{("2026-13-45", "storefront", 7, ""): 1}]


def test_an_unanswering_redis_is_tried_once_not_on_every_page(nancy):
    # given the counts' Redis at an address that takes connections and never answers (blackholed)
    with tenant_context(nancy):
        shop = ShopFactory()
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(64)
    working = counting._buffer
    counting._buffer = counting.RedisBuffer(f"redis://127.0.0.1:{blackhole.getsockname()[1]}/0")

    def connections() -> int:
        """How many connections were made to the blackhole since the last call."""
        blackhole.setblocking(False)
        made = 0
        while True:
            try:
                blackhole.accept()[0].close()
            except BlockingIOError:
                return made
            made += 1

    try:
        client = Client(HTTP_HOST="nancy.localhost", HTTP_USER_AGENT=BROWSER)
        # when a shopper opens the storefront: the first page tries Redis and waits for its timeout
        assert client.get(f"/boutiques/{shop.slug}/").status_code == 200
        assert connections() >= 1

        # then the next pages are served without trying Redis again (the breaker is open)
        for _ in range(5):
            assert client.get(f"/boutiques/{shop.slug}/").status_code == 200
        assert connections() == 0

        # and the visits wait in the process's memory, not lost
        assert (
            counting._buffer.held.rows["nancy"][(counting.territory_day().isoformat(), "storefront", shop.pk, "")] == 6
        )
    finally:
        counting._buffer = working
        blackhole.close()


def test_counts_held_while_redis_was_down_reach_it_when_it_is_back(nancy, monkeypatch):
    # given the counts' Redis, which stops, and a breaker shortened for the test
    monkeypatch.setattr(counting, "BREAKER_SECONDS", 0.3)
    with tenant_context(nancy):
        shop = ShopFactory()
    server = RedisServer(free_port())
    server.start()
    working = counting._buffer
    counting._buffer = store = counting.RedisBuffer(server.url)
    try:
        client = Client(HTTP_HOST="nancy.localhost", HTTP_USER_AGENT=BROWSER)
        assert client.get(f"/boutiques/{shop.slug}/").status_code == 200
        with tenant_context(nancy):
            daily_counts_flush()
        server.stop()

        # when shoppers visit while it is down (the first visit trips the breaker, the others are held)
        for _ in range(3):
            assert client.get(f"/boutiques/{shop.slug}/").status_code == 200
        assert store.skip_until > 0

        # and one more after it is back and the breaker has closed
        server.start()
        wait_for(lambda: counting.time.monotonic() > store.skip_until, timeout=5, message="the breaker to close")
        assert client.get(f"/boutiques/{shop.slug}/").status_code == 200

        # then the flush writes all five visits
        with tenant_context(nancy):
            daily_counts_flush()
        assert _storefront_counts(nancy) == {shop.pk: 5}
    finally:
        counting._buffer = working
        server.stop()
