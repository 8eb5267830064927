"""What keeps the search fast on a big catalogue, and stays right: counts capped past a limit,
broad searches served from a bounded set, the indexes the plans need, the cached category tree."""

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.text import slugify
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, Product, ProductPhoto
from vitrine.search.selectors import COUNT_LIMIT, SearchFilters, product_search
from vitrine.search.sql import CATEGORY_NAME_VECTOR, SHOP_NAME_VECTOR, TITLE_VECTOR, SearchStatement
from vitrine.search.text import query_terms
from vitrine.shops.models import Shop
from vitrine.testing.factories import CategoryFactory, CommuneFactory, ProductFactory, ShopFactory


def _titles(response) -> list[str]:
    assert response.status_code == 200
    return [
        html.unescape(t) for t in re.findall(r'<h3 class="product-card-title">(.*?)</h3>', response.content.decode())
    ]


def _products_bulk(shop, count: int, title: str, *, category=None, minutes_apart: int = 1) -> list[Product]:
    """`count` published products of `shop`, newest first as numbered (one INSERT)."""
    now = timezone.now()
    return Product.objects.bulk_create(
        [
            ProductFactory.build(
                shop=shop,
                title=f"{title} {index:04d}",
                slug=slugify(f"{title}-{index}"),
                category=category or shop.category,
                published_at=now - timezone.timedelta(minutes=index * minutes_apart),
            )
            for index in range(count)
        ]
    )


def test_a_broad_search_says_more_than_the_limit_and_serves_title_matches_first(nancy):
    with tenant_context(nancy):
        # given 6 products with "lampe" in the description (newest) and 3 with it in the title (oldest)
        shop = ShopFactory(name="Luminaires Stan")
        now = timezone.now()
        described = [
            ProductFactory(
                shop=shop,
                title=f"Abat-jour {n}",
                description="Pour une lampe de chevet.",
                published_at=now - timezone.timedelta(minutes=n),
            )
            for n in range(6)
        ]
        titled = [
            ProductFactory(shop=shop, title=f"Lampe {n}", published_at=now - timezone.timedelta(days=1, minutes=n))
            for n in range(3)
        ]

        # when the search counts up to 5 and shows 2 per page
        pages = [
            product_search(query="lampe", filters=SearchFilters(), page=page, per_page=2, count_limit=5)
            for page in (1, 2, 3, 4)
        ]

    # then it says "more than 5", with facets that name values without counting them
    first = pages[0]
    assert first.more_than_limit and first.total == 6
    assert [(f.name, f.count) for f in first.shops] == [("Luminaires Stan", None)]
    # and it serves only the first 5 results: the titles first, then the newest others, each once
    assert [p.num_pages for p in pages] == [3, 3, 3, 3]
    served = [product.pk for page in pages[:3] for product in page.products]
    assert served == [titled[0].pk, titled[1].pk, titled[2].pk, described[0].pk, described[1].pk]
    assert [p.pk for p in pages[3].products] == [described[1].pk]  # past the end: the last page


def test_up_to_the_limit_counts_and_facets_are_exact(nancy):
    with tenant_context(nancy):
        # given 5 matching products in two shops
        first, second = ShopFactory(name="Verrerie Daum"), ShopFactory(name="Verrerie Gallé")
        _products_bulk(first, 3, "Carafe en cristal")
        _products_bulk(second, 2, "Carafe soufflée")

        # when the search counts up to exactly 5
        result = product_search(query="carafe", filters=SearchFilters(), count_limit=5)

    # then the count and the facets are exact
    assert not result.more_than_limit and result.total == 5
    assert [(f.name, f.count) for f in result.shops] == [("Verrerie Daum", 3), ("Verrerie Gallé", 2)]


def test_the_page_says_more_than_1_000_products(nancy, shopper):
    with tenant_context(nancy):
        # given more products with the word than the search counts
        shop = ShopFactory(name="Papeterie du Marché")
        _products_bulk(shop, COUNT_LIMIT + 1, "Carnet ligné")

    # when a shopper searches it, then walks to the last page and past it
    client = shopper(nancy)
    first = client.get("/recherche/", {"q": "carnet"})
    last = client.get("/recherche/", {"q": "carnet", "page": "42"})
    beyond = client.get("/recherche/", {"q": "carnet", "page": "43"})
    with tenant_context(nancy), CaptureQueriesContext(connection) as queries:
        product_search(query="carnet", filters=SearchFilters(), page=42)

    # then the page says "more than 1 000" (never a false total) and serves the first 1 000, newest first
    text = first.content.decode()
    assert 'role="status" aria-live="polite">Plus de 1\xa0000 produits trouvés pour « carnet »' in text
    assert "Les 1\xa0000 premiers sont affichés : ajoutez un mot ou un filtre pour affiner la recherche." in text
    assert _titles(first)[:2] == ["Carnet ligné 0000", "Carnet ligné 0001"]
    assert "Page 42 sur 42" in last.content.decode()
    assert _titles(last) == [f"Carnet ligné {index:04d}" for index in range(984, 1000)]
    assert _titles(beyond) == _titles(last)
    # in as many queries as a narrow search (the statement, then the page's products)
    assert len(queries) == 2


def test_a_filter_alone_that_finds_many_products_lists_the_newest(nancy):
    with tenant_context(nancy):
        # given a category with more products than the search counts
        category = CategoryFactory(name="Cartes anciennes")
        shop = ShopFactory(category=category)
        _products_bulk(shop, 7, "Carte ancienne")

        # when shoppers filter by that category without words
        result = product_search(query="", filters=SearchFilters(category_slug=category.slug), per_page=3, count_limit=5)

    # then the newest come first
    assert result.more_than_limit
    assert [p.title for p in result.products] == ["Carte ancienne 0000", "Carte ancienne 0001", "Carte ancienne 0002"]


def test_every_word_must_match_but_stop_words_are_no_condition(nancy):
    with tenant_context(nancy):
        # given bread, and a shop whose name holds the second word
        ProductFactory(title="Pain de campagne au levain")
        ProductFactory(title="Pain de mie")
        ProductFactory(title="Miche", shop=ShopFactory(name="Boulangerie de la Campagne"))

        # when a shopper types words, a stop word among them
        found = sorted(p.title for p in product_search(query="pain de campagne", filters=SearchFilters()).products)
        across = [p.title for p in product_search(query="miche campagne", filters=SearchFilters()).products]

    # then every real word is found somewhere (title, shop name), "de" asks for nothing
    assert found == ["Pain de campagne au levain"]
    assert across == ["Miche"]


def test_a_word_as_typed_ranks_above_a_word_it_begins(nancy):
    with tenant_context(nancy):
        # given vinegar (newest) and wine
        older = ProductFactory(title="Vin rouge de Toul", published_at=timezone.now() - timezone.timedelta(days=2))
        newer = ProductFactory(title="Vinaigre de framboise", published_at=timezone.now())

        # when a shopper searches "vin"
        result = product_search(query="vin", filters=SearchFilters())

    # then the wine comes first, whatever the dates
    assert [p.pk for p in result.products] == [older.pk, newer.pk]


def _plan(sql: str, params: dict | None = None) -> str:
    with connection.cursor() as cursor:
        # Few rows in the test database: a sequential scan would be cheaper. Turned off, the
        # planner must take an index, and can only if the query's expression is the index's.
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")


@pytest.mark.parametrize(
    "sql, index",
    [
        (
            "SELECT p.id FROM catalog_product p WHERE p.search_vector @@ to_tsquery('french', 'lampe')",
            "product_search_vector",
        ),
        (
            f"SELECT p.id FROM catalog_product p WHERE {TITLE_VECTOR} @@ to_tsquery('french', 'lampe')",
            "product_title_vector",
        ),
        (
            f"SELECT c.id FROM catalog_category c WHERE {CATEGORY_NAME_VECTOR} @@ to_tsquery('french', 'lampe')",
            "search_category_name_vector",
        ),
        (
            f"SELECT s.id FROM shops_shop s WHERE {SHOP_NAME_VECTOR} @@ to_tsquery('french', 'lampe')",
            "search_shop_name_vector",
        ),
        (
            "SELECT p.id FROM catalog_product p WHERE p.status = %(published)s"
            " ORDER BY p.published_at DESC NULLS LAST, p.id DESC LIMIT 24",
            "product_newest",
        ),
    ],
)
def test_the_search_expressions_are_those_of_their_indexes(nancy, sql, index):
    # given the expressions the search's statements filter and sort by
    with tenant_context(nancy):
        # when PostgreSQL plans them, then it can answer each from its index
        plan = _plan(sql, {"published": Product.Status.PUBLISHED})
        assert f" on {index} " in plan or f" using {index} " in plan


@pytest.mark.parametrize("query", ["", "lampe"])
def test_statuses_are_parameters_and_the_partial_index_is_still_used(nancy, query):
    # given the statement of a broad search (newest first: the index `WHERE status = 'published'`)
    statement = SearchStatement(terms=query_terms(query), filters=SearchFilters(in_stock=True))
    sql = statement.search_page(limit=COUNT_LIMIT, page=1, per_page=24)

    # when PostgreSQL plans it with its parameters
    with tenant_context(nancy):
        plan = _plan(sql, statement.params)

    # then no status is written in the SQL, they are parameters from the models' choices
    statuses = "|".join([*Product.Status.values, *Product.Availability.values, *Shop.Status.values])
    assert not re.search(f"'({statuses})'", sql)
    assert statement.params["published"] == Product.Status.PUBLISHED
    assert statement.params["approved"] == Shop.Status.APPROVED
    # and the partial index still serves the newest first: Django binds parameters on the
    # client (psycopg's ClientCursor), so the server plans `status = 'published'` itself
    assert " using product_newest " in plan


def test_an_edited_category_is_seen_at_once_by_the_cached_tree(nancy, shopper):
    client = shopper(nancy)
    with tenant_context(nancy):
        # given a product in a category, searched once (the tree is now cached)
        category = CategoryFactory(name="Céramique", parent=Category.objects.get(name="Maison et jardin"))
        ProductFactory(title="Bol émaillé", category=category, shop=ShopFactory(category=category))
    assert (
        'Maison et jardin <span class="facet-count">(1)</span>'
        in client.get("/recherche/", {"q": "bol"}).content.decode()
    )

    with tenant_context(nancy):
        # when staff move it to the top level and rename it, and shoppers search again
        category.name, category.parent = "Arts de la table", None
        category.save(update_fields=["name", "parent"])
        with CaptureQueriesContext(connection) as changed:
            result = product_search(query="bol", filters=SearchFilters())
        with CaptureQueriesContext(connection) as again:
            product_search(query="bol", filters=SearchFilters())

    # then the next search shows it so: the tree is read again once, then cached again
    assert [(f.name, f.count) for f in result.categories] == [("Arts de la table", 1)]
    assert (len(changed), len(again)) == (3, 2)
    text = client.get("/recherche/", {"q": "bol"}).content.decode()
    assert 'Arts de la table <span class="facet-count">(1)</span>' in text


def test_a_result_card_shows_the_first_photo_the_price_and_the_shop(nancy, shopper):
    with tenant_context(nancy):
        # given a product with two photos (the second one added first) and web renditions
        product = ProductFactory(
            title="Théière en fonte",
            price=Decimal("1234.50"),
            shop=ShopFactory(name="Maison du Thé", slug="maison-du-the"),
        )
        ProductPhoto.objects.create(
            product=product, image="nancy/products/second.png", position=1, width=800, height=600
        )
        ProductPhoto.objects.create(
            product=product,
            image="nancy/products/first.png",
            position=0,
            width=800,
            height=600,
            alt="Vue de face",
            renditions={
                "320": {"name": "nancy/products/first-320.webp", "width": 320, "height": 240},
                "640": {"name": "nancy/products/first-640.webp", "width": 640, "height": 480},
            },
        )

    # when a shopper searches it
    text = shopper(nancy).get("/recherche/", {"q": "theiere"}).content.decode()
    with tenant_context(nancy):
        [found] = product_search(query="theiere", filters=SearchFilters()).products

    # then the product comes with its first photo alone, in a plain attribute (no forged prefetch cache)
    assert found.card_photo.image.name == "nancy/products/first.png"
    assert not hasattr(found, "_prefetched_objects_cache")
    # and its card links to it and shows its first photo's renditions, its price and its shop
    assert 'href="/boutiques/maison-du-the/theiere-en-fonte/"' in text
    assert 'src="/media/nancy/products/first-640.webp"' in text and "first-320.webp 320w" in text
    assert 'width="640" height="480"' in text and "second.png" not in text
    assert "1\u202f234,50\xa0€" in text
    assert "Maison du Thé" in text


@pytest.mark.parametrize("typed", ["12", "12,5", "12.50", "12,50 €", " 12 "])
def test_the_price_filter_reads_euros_as_shoppers_type_them(nancy, shopper, typed):
    with tenant_context(nancy):
        # given a cup at 12,50 € and another at 12,51 €
        ProductFactory(title="Tasse à café", price=Decimal("12.50") if typed.strip() != "12" else Decimal("12.00"))
        ProductFactory(title="Tasse à thé", price=Decimal("12.51"))

    # when a shopper asks for at most that price
    response = shopper(nancy).get("/recherche/", {"q": "tasse", "prix_max": typed})

    # then only the first is found, and no error is shown
    assert _titles(response) == ["Tasse à café"]
    assert 'role="alert"' not in response.content.decode()


@pytest.mark.parametrize("typed", ["12,555", "-3", "douze", "99999999"])
def test_a_price_filter_that_is_no_price_is_ignored_with_a_message(nancy, shopper, typed):
    with tenant_context(nancy):
        # given a cup
        ProductFactory(title="Tasse à café", price=Decimal("30.00"))

    # when a shopper types something that is not a price
    response = shopper(nancy).get("/recherche/", {"q": "tasse", "prix_min": typed})

    # then the search runs without it, and says why
    assert _titles(response) == ["Tasse à café"]
    assert "Prix minimum : saisissez un montant en euros, par exemple 12,50." in response.content.decode()


def test_a_broad_search_filtered_by_commune_keeps_the_filter(nancy):
    with tenant_context(nancy):
        # given many matches in two communes
        laxou, toul = CommuneFactory(name="Laxou", postcode="54520"), CommuneFactory(name="Toul", postcode="54200")
        _products_bulk(ShopFactory(commune=laxou), 4, "Cadre bois")
        _products_bulk(ShopFactory(commune=toul), 4, "Cadre doré")

        # when the search is broad but filtered by a commune
        result = product_search(
            query="cadre", filters=SearchFilters(commune_slug=laxou.slug), per_page=10, count_limit=3
        )

    # then only that commune's products are served
    assert result.more_than_limit
    assert sorted(p.title for p in result.products) == [f"Cadre bois {n:04d}" for n in range(3)]
