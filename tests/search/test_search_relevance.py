"""The search finds what people type: shops as shops, words as typed, synonyms, photos first."""

# Tests marked `embedded` run on the fresh-machine server too (no unaccent, no pg_trgm): make test-embedded.

import html
import re
from datetime import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, ProductPhoto
from vitrine.search.selectors import SearchFilters, product_search
from vitrine.search.text import FRENCH_STOP_WORDS, text_fold, typed_regex
from vitrine.shops.models import OpeningRange, ShopPhoto
from vitrine.testing.factories import CommuneFactory, ProductFactory, ShopFactory


def _search(territory, query: str, **filters):
    with tenant_context(territory):
        return product_search(query=query, filters=SearchFilters(**filters))


def _titles(response) -> list[str]:
    assert response.status_code == 200
    return [
        html.unescape(t) for t in re.findall(r'<h3 class="product-card-title">(.*?)</h3>', response.content.decode())
    ]


def _days_ago(days: int):
    return timezone.now() - timezone.timedelta(days=days)


def _ready(shop):
    """Give a shop what shoppers need: a published product, a photo, opening hours."""
    ProductFactory(shop=shop, title="Article de vitrine")
    ShopPhoto.objects.create(shop=shop, image="nancy/shops/photos/s.png")
    OpeningRange.objects.create(shop=shop, weekday=0, opens=time(9), closes=time(18))
    return shop


@pytest.mark.embedded
def test_creme_finds_creme_first_and_never_begins_cremaillere(nancy):
    with tenant_context(nancy):
        # given a crémant (newest), a cream (oldest) and a rack ("crémaillère" begins with "crem")
        cremant = ProductFactory(title="Crémant d'Alsace brut", published_at=_days_ago(0))
        cream = ProductFactory(title="Crème de marrons", published_at=_days_ago(5))
        ProductFactory(title="Crémaillère en fonte", published_at=_days_ago(1))

    # when a shopper types "creme", with or without its accent
    plain, accented = _search(nancy, "creme"), _search(nancy, "Crème")

    # then the cream comes first: the stemmer gives "crémant" the same stem, but the word typed
    # is "crème"; the rack is no match, "creme" does not begin "crémaillère"
    assert [p.pk for p in plain.products] == [p.pk for p in accented.products] == [cream.pk, cremant.pk]


def test_the_word_as_typed_is_found_whatever_its_accents_capitals_and_ligatures(nancy):
    # given titles written with accents, capitals and ligatures
    with tenant_context(nancy), connection.cursor() as cursor:
        for term, title, found in [
            ("creme", "CRÈME de marrons", True),
            ("creme", "Crémant d'Alsace", False),
            ("creme", "Crèmes glacées", False),
            ("oeuf", "Œuf de Pâques", True),
            ("ca", "Ça alors", True),
            ("noel", "Boule de Noël", True),
        ]:
            # when the database looks for the word as typed, then it finds whole words only
            cursor.execute("SELECT %s ~ %s", [title, typed_regex(term)])
            assert cursor.fetchone()[0] is found, (term, title)


def test_a_word_begins_longer_words_by_itself_not_by_its_stem(nancy):
    with tenant_context(nancy):
        # given a decoration and a cheese dairy's cheese
        ProductFactory(title="Décoration murale")
        ProductFactory(title="Plateau de la crèmerie")
        ProductFactory(title="Cremona, violon d'étude")

    # when a shopper types the beginning of words
    # then "deco" begins "décoration", "cremer" begins "crèmerie" but not "Cremona"
    assert [p.title for p in _search(nancy, "deco").products] == ["Décoration murale"]
    assert [p.title for p in _search(nancy, "cremer").products] == ["Plateau de la crèmerie"]
    assert [p.title for p in _search(nancy, "cremo").products] == ["Cremona, violon d'étude"]


@pytest.mark.embedded
def test_the_stop_words_are_the_servers(nancy):
    # given the server's French stop words (its tsearch_data/french.stop, where it can be read)
    with tenant_context(nancy), connection.cursor() as cursor:
        for word in sorted(FRENCH_STOP_WORDS):
            # then every word the search drops is one PostgreSQL drops too
            cursor.execute("SELECT numnode(to_tsquery('french', %s))", [word])
            assert cursor.fetchone()[0] == 0, word
        cursor.execute("SELECT setting FROM pg_config WHERE name = 'SHAREDIR'")
        stop_file = Path(cursor.fetchone()[0]) / "tsearch_data" / "french.stop"
    if stop_file.is_file():
        # and every one a folded word can be is dropped by the search
        server = {w.strip() for w in stop_file.read_text(encoding="utf-8").split()}
        assert {w for w in server if text_fold(w) == w} == FRENCH_STOP_WORDS


@pytest.mark.embedded
def test_a_shops_name_finds_the_shop_not_every_product_it_sells(nancy, shopper):
    with tenant_context(nancy):
        # given a florist named "Fleurs de Lys" with 30 bouquets, and a lily elsewhere
        florist = ShopFactory(name="Fleurs de Lys", category=Category.objects.get(slug="fleurs-et-plantes"))
        for index in range(30):
            ProductFactory(shop=florist, title=f"Bouquet {index}")
        lily = ProductFactory(title="Bulbe de lys blanc")

    # when a shopper searches the shop's name
    result = _search(nancy, "lys")
    response = shopper(nancy).get("/recherche/", {"q": "lys"})

    # then the shop is found as a shop, linking to its storefront, and the products are those
    # with the word themselves, not the florist's 30 bouquets
    assert [hit.name for hit in result.shop_hits] == ["Fleurs de Lys"]
    assert [p.pk for p in result.products] == [lily.pk]
    text = response.content.decode()
    assert '<h2 id="shop-hits-title">Boutiques</h2>' in text
    assert f'href="/boutiques/{florist.slug}/"' in text
    assert text.index("shop-hits-title") < text.index("product-card-title")
    assert _titles(response) == ["Bulbe de lys blanc"]


def test_a_trade_finds_its_shops_and_every_word_must_match(nancy):
    with tenant_context(nancy):
        # given a cheese shop (category "Fromages") and a bakery, in two communes
        laxou = CommuneFactory(name="Laxou", postcode="54520")
        cheese = ShopFactory(name="Chez Paulette", category=Category.objects.get(slug="fromages"), commune=laxou)
        ShopFactory(name="Au Bon Pain", category=Category.objects.get(slug="boulangerie-et-patisserie"))

    # when a shopper searches the trade, then with the shop's name, then with a word of neither
    by_trade = _search(nancy, "fromages")
    both = _search(nancy, "paulette fromage")
    neither = _search(nancy, "paulette pain")

    # then the shop is found by its trade, by its name with its trade, not by words it lacks
    assert [hit.name for hit in by_trade.shop_hits] == ["Chez Paulette"]
    assert by_trade.shop_hits[0].trade == "Fromages" and by_trade.shop_hits[0].commune == "Laxou"
    assert [hit.name for hit in both.shop_hits] == ["Chez Paulette"]
    assert neither.shop_hits == []
    # and a commune filter keeps the shops of that commune only
    assert _search(nancy, "fromages", commune_slug=laxou.slug).shop_hits[0].slug == cheese.slug
    assert _search(nancy, "fromages", commune_slug="ailleurs").shop_hits == []


@pytest.mark.embedded
def test_shops_ready_for_shoppers_come_first_and_the_others_say_coming_soon(nancy, shopper):
    with tenant_context(nancy):
        # given two potters: one just approved with nothing yet (its name first in the alphabet), one ready
        ShopFactory(name="Atelier Poterie Neuve")
        ready = _ready(ShopFactory(name="Poterie du Lac"))

    # when a shopper searches "poterie"
    result = _search(nancy, "poterie")
    text = shopper(nancy).get("/recherche/", {"q": "poterie"}).content.decode()

    # then the ready shop comes first, the empty one after it, marked "coming soon"
    assert [(hit.name, hit.ready) for hit in result.shop_hits] == [
        ("Poterie du Lac", True),
        ("Atelier Poterie Neuve", False),
    ]
    assert ready.slug == result.shop_hits[0].slug
    assert text.count('class="badge badge-soon">Bientôt</span>') == 1
    assert text.index("Poterie du Lac") < text.index("Atelier Poterie Neuve")


def test_within_equal_relevance_products_with_a_photo_come_first(nancy):
    with tenant_context(nancy):
        # given three equally relevant teapots: the two newest without a photo
        with_photo = ProductFactory(title="Théière en fonte", published_at=_days_ago(3))
        ProductPhoto.objects.create(product=with_photo, image="nancy/products/t.png", width=800, height=600)
        newest = ProductFactory(title="Théière en verre", published_at=_days_ago(0))
        middle = ProductFactory(title="Théière en grès", published_at=_days_ago(1))
        # and a lesser match with a photo: the word in its description only
        lesser = ProductFactory(title="Plateau à thé", description="Pour votre théière.", published_at=_days_ago(0))
        ProductPhoto.objects.create(product=lesser, image="nancy/products/p.png", width=800, height=600)

    # when a shopper searches "théière"
    result = _search(nancy, "théière")

    # then relevance first, whatever the photos; among equals the photo first, then the newest
    assert [p.pk for p in result.products] == [with_photo.pk, newest.pk, middle.pk, lesser.pk]


def test_a_storefront_lists_products_with_a_photo_first(nancy, shopper):
    with tenant_context(nancy):
        # given a shop whose newest products have no photo
        shop = ShopFactory(name="Épicerie Fine")
        old = ProductFactory(shop=shop, title="Miel de sapin", published_at=_days_ago(10))
        ProductPhoto.objects.create(product=old, image="nancy/products/m.png", width=800, height=600)
        ProductFactory(shop=shop, title="Confiture de mirabelles", published_at=_days_ago(1))
        ProductFactory(shop=shop, title="Sirop de menthe", published_at=_days_ago(0))

    # when a shopper opens its storefront
    titles = _titles(shopper(nancy).get(f"/boutiques/{shop.slug}/"))

    # then the product with a photo comes first, then the newest
    assert titles == ["Miel de sapin", "Sirop de menthe", "Confiture de mirabelles"]


def test_the_page_with_shops_found_still_costs_two_queries(nancy, shopper):
    client = shopper(nancy)
    with tenant_context(nancy):
        # given shops and products matching "atelier"
        for index in range(3):
            shop = _ready(ShopFactory(name=f"Atelier {index}"))
            ProductFactory(shop=shop, title=f"Atelier de couture {index}")
    client.get("/recherche/", {"q": "atelier"})  # warm the caches (routing, templates, tree)
    caches["pages"].clear()  # the page itself is drawn again (common.pagecache): its queries are counted

    # when the page is asked again
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/recherche/", {"q": "atelier"})

    # then the statement and the cards: two queries, shops included
    assert response.status_code == 200 and response.content.decode().count('class="shop-hit"') == 3
    assert len(queries) == 2, [q["sql"][:80] for q in queries]
