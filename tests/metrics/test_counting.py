"""Visits and searches counted per day, per page kind and per shop: no person in them, no query in the page."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from vitrine.metrics import counting
from vitrine.metrics.counting import count, is_bot
from vitrine.metrics.models import DailyCount
from vitrine.metrics.services import daily_counts_flush
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory, VariantFactory
from vitrine.testing.helpers import sign_in_as

BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)
CRAWLERS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36",
    "facebookexternalhit/1.1",
    "python-requests/2.32",
    "curl/8.5.0",
    "",
]


def _client(territory, agent: str = BROWSER) -> Client:
    return Client(HTTP_HOST=f"{territory.schema_name}.localhost", **({"HTTP_USER_AGENT": agent} if agent else {}))


def _browser(territory) -> Client:
    return _client(territory)


def _counts(territory) -> dict[tuple, int]:
    with tenant_context(territory):
        daily_counts_flush()
        return {(c.kind, c.shop_id, c.key): c.count for c in DailyCount.objects.all()}


def _shop_with_product(territory, title: str = "Tasse émaillée"):
    with tenant_context(territory):
        shop = ShopFactory()
        product = ProductFactory(shop=shop, title=title)
        VariantFactory(product=product)
        return shop, product


def test_visits_and_searches_are_counted_exactly_after_a_flush(nancy):
    # given a shop with a product, and a shopper's browser
    shop, product = _shop_with_product(nancy)
    other, _ = _shop_with_product(nancy, title="Théière en fonte")
    client = _browser(nancy)

    # when the shopper opens the home page, the storefront twice, the product, and searches
    for url in (
        "/",
        f"/boutiques/{shop.slug}/",
        f"/boutiques/{shop.slug}/",
        f"/boutiques/{shop.slug}/{product.slug}/",
        "/boutiques/",
        "/recherche/?q=Tasses+%C3%89maill%C3%A9es",
        "/recherche/?q=tasses  émaillées",
        "/recherche/?q=licorne",
    ):
        assert client.get(url).status_code == 200, url

    # then after a flush the daily counts say exactly that, for the territory's day
    counts = _counts(nancy)
    assert counts == {
        ("page", None, "home"): 1,
        ("page", None, "storefront"): 2,
        ("page", None, "product"): 1,
        ("page", None, "shops"): 1,
        ("page", None, "search"): 3,
        ("storefront", shop.pk, ""): 2,
        ("product", shop.pk, str(product.pk)): 1,
        ("search", None, "tasses emaillees"): 2,
        ("search", None, "licorne"): 1,
        ("search_empty", None, "licorne"): 1,
        ("search_shop", shop.pk, ""): 2,
    }
    assert other.pk not in {shop_id for _, shop_id, _ in counts}
    with tenant_context(nancy):
        assert set(DailyCount.objects.values_list("day", flat=True)) == {datetime.now(ZoneInfo(nancy.time_zone)).date()}

    # and a second flush adds to the same rows (count = count + n), a flush of nothing changes nothing
    client.get(f"/boutiques/{shop.slug}/")
    assert _counts(nancy)[("storefront", shop.pk, "")] == 3
    assert _counts(nancy)[("storefront", shop.pk, "")] == 3


def test_counting_adds_no_query_to_a_page(nancy):
    # given a shop, a product, and pages answered to a crawler (never counted) and to a browser
    shop, product = _shop_with_product(nancy)
    urls = [
        "/",
        "/boutiques/",
        f"/boutiques/{shop.slug}/",
        f"/boutiques/{shop.slug}/{product.slug}/",
        f"/categories/{shop.category.slug}/",
        "/recherche/?q=tasse",
        "/recherche/?q=licorne",
    ]
    crawler = _client(nancy, CRAWLERS[0])
    browser = _browser(nancy)

    def queries(client, url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    # when each page is asked by both, caches warm (routing, templates, search)
    for url in urls:
        for client in (crawler, browser, crawler, browser):
            client.get(url)
    uncounted = {url: queries(crawler, url) for url in urls}
    counted = {url: queries(browser, url) for url in urls}

    # then counting cost no query: the same numbers, and none touches the counts' table
    assert counted == uncounted
    assert _counts(nancy)[("page", None, "home")] == 3  # the browser asked three times, the crawler never counted


def test_no_query_touches_the_counts_table_during_a_page(nancy):
    shop, _ = _shop_with_product(nancy)
    client = _browser(nancy)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/boutiques/{shop.slug}/").status_code == 200
    assert not [q for q in captured if "metrics_dailycount" in q["sql"]]


def test_crawlers_and_headless_browsers_are_not_counted(nancy):
    # given a storefront
    shop, _ = _shop_with_product(nancy)

    # when crawlers, link previews, scripts and a headless browser open it
    for agent in CRAWLERS:
        client = _client(nancy, agent)
        assert client.get(f"/boutiques/{shop.slug}/").status_code == 200

    # then nothing is counted, while a person's browser is
    assert _counts(nancy) == {}
    assert all(is_bot(agent) for agent in CRAWLERS)
    assert not is_bot(BROWSER)
    assert not is_bot(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1"
    )


def test_only_a_get_answered_200_counts(nancy):
    # given a storefront and a shop that does not exist
    shop, product = _shop_with_product(nancy)
    client = _browser(nancy)

    # when the browser asks for missing pages, sends a HEAD, prefetches a page and sends a POST
    assert client.get("/boutiques/nulle-part/").status_code == 404
    assert client.get(f"/boutiques/{shop.slug}/nulle-part/").status_code == 404
    assert client.head(f"/boutiques/{shop.slug}/").status_code == 200
    assert client.get(f"/boutiques/{shop.slug}/", HTTP_SEC_PURPOSE="prefetch").status_code == 200  # a link prefetched
    client.post(f"/boutiques/{shop.slug}/")

    # then nothing was counted
    assert _counts(nancy) == {}


def test_the_merchant_areas_previews_are_not_counted(nancy):
    # given a merchant looking at their own storefront's preview in the merchant area
    shop, product = _shop_with_product(nancy)
    client = _browser(nancy)
    with tenant_context(nancy):
        sign_in_as(client, shop.owner_user)
    for url in ("/pro/", "/pro/commandes/", "/pro/produits/"):
        client.get(url)

    # then no count comes from the merchant's pages
    assert _counts(nancy) == {}


def test_nothing_personal_is_stored(nancy):
    # the counts' table holds a day, a kind, a shop, a key and a number: no address, agent, cookie or account
    columns = {field.column for field in DailyCount._meta.get_fields()}
    assert columns == {"id", "day", "kind", "shop_id", "key", "count"}

    # given a signed-in shopper with a session, who opens a storefront and searches with their own details
    from vitrine.accounts.models import User

    shop, _ = _shop_with_product(nancy)
    with tenant_context(nancy):
        shopper = UserFactory(role=User.Role.SHOPPER, email="marie.curie@exemple.fr")
    client = _browser(nancy)
    with tenant_context(nancy):
        sign_in_as(client, shopper)
    session_key = client.cookies["sessionid"].value
    assert client.get(f"/boutiques/{shop.slug}/").status_code == 200
    assert client.get("/recherche/", {"q": "marie.curie@exemple.fr 06 12 34 56 78 tasse"}).status_code == 200

    # then what waits in Redis is (day, kind, shop, key) and a number, nothing of the person
    store = counting.buffer()
    assert isinstance(store, counting.RedisBuffer)
    waiting = store.client.hgetall(store.key("nancy"))
    assert waiting
    raw = b" ".join(waiting)
    for personal in (BROWSER, "Pixel", "127.0.0.1", session_key, "marie", "curie", "exemple", "12 34"):
        assert personal.encode() not in raw, personal
    for field in waiting:
        day, kind, shop_id, key = json.loads(field)  # exactly four parts
        assert kind in counting.KINDS and shop_id in (None, shop.pk)
        assert not {"06", "12", "34", "56", "78"} & set(key.split())
    assert {json.loads(field)[3] for field in waiting} == {"", "storefront", "search", "tasse"}

    # and nor is anything of them in the database once written
    with tenant_context(nancy):
        daily_counts_flush()
        stored = list(DailyCount.objects.values_list("kind", "shop_id", "key"))
    assert sorted(key for _, _, key in stored) == sorted(["", "storefront", "search", "tasse", "tasse"])
    assert all(shop_id in (None, shop.pk) for _, shop_id, _ in stored)


def test_nancys_visits_never_count_in_limoges(nancy, limoges):
    # given a shop in each territory
    nancy_shop, _ = _shop_with_product(nancy)
    limoges_shop, _ = _shop_with_product(limoges)

    # when shoppers visit Nancy's storefront three times and Limoges' once
    for _ in range(3):
        _browser(nancy).get(f"/boutiques/{nancy_shop.slug}/")
    _browser(limoges).get(f"/boutiques/{limoges_shop.slug}/")

    # then each territory's counts hold its own visits only
    assert _counts(nancy) == {("page", None, "storefront"): 3, ("storefront", nancy_shop.pk, ""): 3}
    assert _counts(limoges) == {("page", None, "storefront"): 1, ("storefront", limoges_shop.pk, ""): 1}


def test_a_count_outside_a_request_waits_for_the_flush_on_the_territorys_day(limoges):
    # given a territory whose date is not Paris's nor the server's at this moment
    zone = _zone_on_another_day()
    limoges.time_zone = zone
    limoges.save(update_fields=["time_zone"])

    # when a job counts, outside any request
    with tenant_context(limoges):
        count(kind="page", key="home")
        count(kind="page", key="home")
        assert not DailyCount.objects.exists()

    # then the flush writes it, once, on the territory's own date
    assert _counts(limoges) == {("page", None, "home"): 2}
    with tenant_context(limoges):
        assert DailyCount.objects.get().day == datetime.now(ZoneInfo(zone)).date()
    assert datetime.now(ZoneInfo(zone)).date() != datetime.now(ZoneInfo("Europe/Paris")).date()


def test_a_page_is_served_while_redis_is_down(nancy):
    # given the counts' Redis unreachable (a real client to a port where nothing listens)
    shop, _ = _shop_with_product(nancy)
    working, counting._buffer = counting.buffer(), counting.RedisBuffer("redis://127.0.0.1:1/0")
    try:
        # when a shopper opens the storefront, then the page is served (the visit is lost, not the page)
        assert _browser(nancy).get(f"/boutiques/{shop.slug}/").status_code == 200
    finally:
        counting._buffer = working


def test_a_large_buffer_asks_for_a_flush_once(nancy):
    # given Nancy's buffer filling up with distinct rows
    rows = [("2026-12-05", "product", 1, str(n)) for n in range(counting.FLUSH_AT - 1)]
    assert counting.buffer_add(schema_name="nancy", rows=rows) is False

    # when it reaches the threshold, a flush is asked for, once (not by every request after it)
    assert counting.buffer_add(schema_name="nancy", rows=[("2026-12-05", "product", 1, "last")]) is True
    assert counting.buffer_add(schema_name="nancy", rows=[("2026-12-05", "product", 1, "more")]) is False

    # and the flush writes them all, in batches
    with tenant_context(nancy):
        assert daily_counts_flush() == counting.FLUSH_AT + 1
        assert DailyCount.objects.filter(kind="product").count() == counting.FLUSH_AT + 1


def test_without_redis_the_process_memory_holds_the_counts(nancy):
    # given no Redis (local development): the process's own memory
    shop, _ = _shop_with_product(nancy)
    working, counting._buffer = counting.buffer(), counting.MemoryBuffer()
    try:
        # when a shopper opens the storefront twice, then the flush writes both visits
        client = _browser(nancy)
        client.get(f"/boutiques/{shop.slug}/")
        client.get(f"/boutiques/{shop.slug}/")
        assert _counts(nancy)[("storefront", shop.pk, "")] == 2
        assert _counts(nancy)[("storefront", shop.pk, "")] == 2  # taken once
    finally:
        counting._buffer = working


def _zone_on_another_day() -> str:
    """A time zone whose date differs from both Paris's and UTC's right now, whatever the hour.

    Paris in the afternoon: Kiritimati (UTC+14) is already tomorrow; in the morning: Pago Pago
    (UTC-11) is still yesterday. A count dated in Paris or in UTC is caught either way.
    """
    zone = "Pacific/Kiritimati" if datetime.now(ZoneInfo("Europe/Paris")).hour >= 12 else "Pacific/Pago_Pago"
    theirs = datetime.now(ZoneInfo(zone)).date()
    assert theirs != datetime.now(ZoneInfo("Europe/Paris")).date()
    assert theirs != datetime.now(ZoneInfo("UTC")).date()
    return zone


def test_a_visit_counts_on_the_territorys_own_day(limoges):
    # given a territory whose date is not Paris's (nor UTC's) at this moment
    from vitrine.tenancy.models import Territory

    zone = _zone_on_another_day()
    Territory.objects.filter(pk=limoges.pk).update(time_zone=zone)
    shop, _ = _shop_with_product(limoges)

    # when a shopper opens a storefront there
    assert _browser(limoges).get(f"/boutiques/{shop.slug}/").status_code == 200

    # then the visit is on that territory's date, not the server's
    with tenant_context(limoges):
        daily_counts_flush()
        day = DailyCount.objects.get(kind="storefront").day
    assert day == datetime.now(ZoneInfo(zone)).date()
    assert day != datetime.now(ZoneInfo("Europe/Paris")).date()


def test_signed_in_merchants_employees_and_staff_are_not_counted_shoppers_are(nancy):
    # given a shop, its owner, an employee the owner invited, a member of the territory's team and a shopper
    from vitrine.accounts.models import User
    from vitrine.shops.team import shop_member_invite

    shop, product = _shop_with_product(nancy)
    with tenant_context(nancy):
        employee = shop_member_invite(shop=shop, actor=shop.owner_user, email="vendeuse@exemple.fr").user
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        shopper = UserFactory(role=User.Role.SHOPPER)

    # when each of them, signed in, opens the shop's storefront and product page
    for user in (shop.owner_user, employee, staff, shopper):
        client = _browser(nancy)
        with tenant_context(nancy):
            sign_in_as(client, user)
        for url in (f"/boutiques/{shop.slug}/", f"/boutiques/{shop.slug}/{product.slug}/"):
            assert client.get(url).status_code == 200, (user.role, url)

    # then only the shopper's visits count: the shop's own people do not inflate its figures
    assert _counts(nancy) == {
        ("page", None, "storefront"): 1,
        ("page", None, "product"): 1,
        ("storefront", shop.pk, ""): 1,
        ("product", shop.pk, str(product.pk)): 1,
    }


def test_telling_who_is_signed_in_adds_no_query(nancy):
    # given a signed-in shopper and a signed-in merchant, each with a browser and a crawler's agent
    from vitrine.accounts.models import User

    shop, product = _shop_with_product(nancy)
    with tenant_context(nancy):
        shopper = UserFactory(role=User.Role.SHOPPER)
    url = f"/boutiques/{shop.slug}/{product.slug}/"
    for user in (shopper, shop.owner_user):
        clients = {agent: _client(nancy, agent) for agent in (CRAWLERS[0], BROWSER)}
        for client in clients.values():
            with tenant_context(nancy):
                sign_in_as(client, user)
            client.get(url)
            client.get(url)

        # when each asks for the product page
        def queries(client) -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            return len(captured)

        # then the counted (or refused) visit costs the same queries as the crawler's, never counted
        assert queries(clients[BROWSER]) == queries(clients[CRAWLERS[0]]), user.role
