"""What the search counts: a new search once, "found nothing" only when nothing matched the words, the
shops a new search showed, and never what could say who typed it."""

from __future__ import annotations

from datetime import date

from django.test import Client
from django_tenants.utils import tenant_context

from vitrine.metrics import counting
from vitrine.metrics.models import DailyCount
from vitrine.metrics.services import daily_counts_flush, months_before, old_counts_purge
from vitrine.testing.factories import CommuneFactory, ProductFactory, ShopFactory, VariantFactory

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1"


def _counts(territory, *kinds: str) -> dict[tuple, int]:
    with tenant_context(territory):
        daily_counts_flush()
        return {(c.kind, c.shop_id, c.key): c.count for c in DailyCount.objects.filter(kind__in=kinds)}


def _two_shops(territory):
    with tenant_context(territory):
        commune = CommuneFactory(name="Villers-lès-Nancy")
        ceramics = ShopFactory(name="Atelier Terre", commune=commune)
        books = ShopFactory(name="Librairie du Coin")
        VariantFactory(product=ProductFactory(shop=ceramics, title="Tasse émaillée bleue"), price="18.00", stock=4)
        VariantFactory(product=ProductFactory(shop=books, title="Tasse à thé illustrée"), price="9.00", stock=0)
        return ceramics, books, commune


def test_a_search_refined_by_facets_filters_and_pages_counts_once(nancy):
    # given two shops selling cups, and a shopper who searches "tasse"
    ceramics, books, commune = _two_shops(nancy)
    client = Client(HTTP_HOST="nancy.localhost", HTTP_USER_AGENT=BROWSER)
    assert client.get("/recherche/", {"q": "tasse"}).status_code == 200

    # when they click a shop, a commune, the category, set prices, ask for what is in stock, and page on
    for refined in (
        {"boutique": ceramics.slug},
        {"commune": commune.slug},
        {"categorie": ceramics.category.slug},
        {"prix_min": "10", "prix_max": "20"},
        {"en_stock": "1"},
        {"page": "2"},
    ):
        assert client.get("/recherche/", {"q": "tasse", **refined}).status_code == 200, refined

    # then one search is counted, each shop shown once, and seven search pages were seen
    assert _counts(nancy, "search", "search_shop", "search_empty", "page") == {
        ("page", None, "search"): 7,
        ("search", None, "tasse"): 1,
        ("search_shop", ceramics.pk, ""): 1,
        ("search_shop", books.pk, ""): 1,
    }


def test_filters_that_leave_nothing_are_not_a_search_that_found_nothing(nancy):
    # given cups that shops offer
    _two_shops(nancy)
    client = Client(HTTP_HOST="nancy.localhost", HTTP_USER_AGENT=BROWSER)

    # when a shopper searches "tasse", then filters down to nothing (over 100 €, then a price below any)
    client.get("/recherche/", {"q": "tasse"})
    assert "Tasse" not in client.get("/recherche/", {"q": "tasse", "prix_min": "100"}).content.decode()
    client.get("/recherche/", {"q": "tasse", "prix_max": "1", "en_stock": "1"})
    # and searches for something no shop offers
    client.get("/recherche/", {"q": "licorne"})

    # then "found nothing" is said of the unicorn only: the shops do offer cups
    assert _counts(nancy, "search", "search_empty") == {
        ("search", None, "tasse"): 1,
        ("search", None, "licorne"): 1,
        ("search_empty", None, "licorne"): 1,
    }


def test_a_search_with_an_email_a_phone_or_an_address_keeps_only_the_other_words(nancy):
    # given shoppers who type personal details into the search box (pasted, or mistaken for a contact form)
    client = Client(HTTP_HOST="nancy.localhost", HTTP_USER_AGENT=BROWSER)
    for typed in (
        "jean.dupont@exemple.fr cadeau",
        "rappeler 06 12 34 56 78",
        "+33 6 12 34 56 78",
        "commande 0612345678 vélo",
        "https://exemple.fr/profil/jean bijou",
        "www.jean-dupont.fr",
        "chaussures 38 40",
        "un deux trois quatre cinq six sept huit",
        "x" * 150,
    ):
        assert client.get("/recherche/", {"q": typed}).status_code == 200

    # then what is counted holds none of them, and at most 6 words, 60 letters
    keys = {key for (_, _, key) in _counts(nancy, "search", "search_empty")}
    assert keys == {"cadeau", "rappeler", "commande velo", "bijou", "chaussures 38 40", "un deux trois quatre cinq six"}
    with tenant_context(nancy):
        stored = " ".join(DailyCount.objects.values_list("key", flat=True))
    for personal in ("jean", "dupont", "exemple", "06", "12 34", "0612345678", "33", "https", "www", "profil"):
        assert personal not in stored.split(), personal
    assert all(len(key) <= counting.SEARCH_KEY_LENGTH for key in keys)


def test_searches_older_than_13_months_are_deleted(nancy):
    # given searches and visits counted 13 months ago and the day after
    with tenant_context(nancy):
        today = counting.territory_day()
        limit = months_before(today, 13)
        for kind, key in (("search", "pain"), ("search_empty", "licorne"), ("page", "home")):
            DailyCount.objects.create(day=date.fromordinal(limit.toordinal() - 1), kind=kind, key=key, count=4)
            DailyCount.objects.create(day=limit, kind=kind, key=key, count=2)

        # when the flush's purge runs
        deleted, _ = old_counts_purge()

        # then the searches of the day before the limit are gone; the rest stays (visits hold no words)
        assert deleted == 2
        assert sorted(DailyCount.objects.values_list("kind", "day")) == sorted(
            [
                ("page", date.fromordinal(limit.toordinal() - 1)),
                ("page", limit),
                ("search", limit),
                ("search_empty", limit),
            ]
        )
    assert months_before(date(2027, 3, 31), 13) == date(2026, 2, 28)
    assert months_before(date(2028, 3, 29), 1) == date(2028, 2, 29)
