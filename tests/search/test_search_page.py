"""Shoppers search every shop of their territory at once: /recherche/?q=..."""

import html
import re
from decimal import Decimal

from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, ProductPhoto
from vitrine.search.selectors import SearchFilters, product_search
from vitrine.search.text import query_terms, text_fold
from vitrine.testing.factories import (
    CommuneFactory,
    ProductFactory,
    ShopFactory,
    VariantFactory,
)


def _titles(response) -> list[str]:
    assert response.status_code == 200
    return [
        html.unescape(t) for t in re.findall(r'<h3 class="product-card-title">(.*?)</h3>', response.content.decode())
    ]


def _search(territory, **filters):
    with tenant_context(territory):
        return product_search(query=filters.pop("query", ""), filters=SearchFilters(**filters))


def test_text_fold_matches_the_database_folding(nancy):
    # given titles with accents, capitals and ligatures
    with tenant_context(nancy), connection.cursor() as cursor:
        samples = ["Décoration ÉTÉ", "Œuf de Pâques", "Crème brûlée", "Ça coûte cher"]
        for sample in samples:
            # when the database folds them as the search column does
            cursor.execute(
                "SELECT lower(translate(replace(replace(replace(replace(%s, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'),"
                " 'Æ', 'AE'), %s, %s))",
                [sample, *_accent_tables()],
            )
            # then Python folds what shoppers type the same way
            assert cursor.fetchone()[0] == text_fold(sample)
    assert query_terms("  Déco & <b>bijoux</b>!! ") == ["deco", "b", "bijoux", "b"]


def _accent_tables():
    from vitrine.catalog.models import ACCENTED, UNACCENTED

    return [ACCENTED, UNACCENTED]


def test_french_stemming_finds_plurals_both_ways(nancy, shopper):
    with tenant_context(nancy):
        # given a product titled with a plural and another with a singular
        ProductFactory(title="Boucles d'oreilles bijoux argent")
        ProductFactory(title="Un bijou de famille")
        ProductFactory(title="Théière en fonte")

    # when a shopper searches the singular, then the plural
    singular = _titles(shopper(nancy).get("/recherche/", {"q": "bijou"}))
    plural = _titles(shopper(nancy).get("/recherche/", {"q": "bijoux"}))

    # then both find both, and nothing else
    assert sorted(singular) == sorted(plural) == ["Boucles d'oreilles bijoux argent", "Un bijou de famille"]


def test_accents_are_ignored_both_ways(nancy, shopper):
    with tenant_context(nancy):
        # given one title with accents and one written without
        ProductFactory(title="Décoration murale en bois")
        ProductFactory(title="Lampe deco vintage")

    # when shoppers type with or without accents (and in capitals)
    deco = _titles(shopper(nancy).get("/recherche/", {"q": "deco"}))
    accented = _titles(shopper(nancy).get("/recherche/", {"q": "DÉCO"}))
    word = _titles(shopper(nancy).get("/recherche/", {"q": "décoration"}))

    # then accents never matter
    assert sorted(deco) == sorted(accented) == ["Décoration murale en bois", "Lampe deco vintage"]
    assert "Décoration murale en bois" in word


def test_title_ranks_above_category_and_shop_names_above_description(nancy):
    with tenant_context(nancy):
        # given "parfum" in a description (newest), a category's name, a shop's name with another
        # word of the query, and a title (oldest)
        books = Category.objects.get(slug="romans")
        day = timezone.now()
        in_title = ProductFactory(title="Parfum d'ambre", category=books, published_at=day - timezone.timedelta(days=4))
        in_category = ProductFactory(
            title="Eau de toilette",
            category=Category.objects.get(slug="parfums"),
            published_at=day - timezone.timedelta(days=3),
        )
        in_shop = ProductFactory(
            shop=ShopFactory(name="Parfumerie du Parfum", category=books),
            title="Bougie de soja",
            published_at=day - timezone.timedelta(days=2),
        )
        in_description = ProductFactory(
            title="Coffret cadeau", description="Avec un parfum offert.", category=books, published_at=day
        )

    # when a shopper searches "parfums", then "parfum bougie"
    result = _search(nancy, query="parfums")
    spanning = _search(nancy, query="parfum bougie")

    # then the title match comes first, the description match last, whatever their age
    assert [p.pk for p in result.products] == [in_title.pk, in_category.pk, in_description.pk]
    # a shop's name alone brings the shop, not its products; with another word of the product, it counts
    assert [hit.name for hit in result.shop_hits] == ["Parfumerie du Parfum"]
    assert [p.pk for p in spanning.products] == [in_shop.pk]


def test_equal_relevance_is_ordered_newest_first(nancy):
    with tenant_context(nancy):
        # given two products equally relevant, published on different days
        older = ProductFactory(title="Vase bleu", published_at=timezone.now() - timezone.timedelta(days=5))
        newer = ProductFactory(title="Vase rouge", published_at=timezone.now())

    # when searching, then the newest comes first
    assert [p.pk for p in _search(nancy, query="vase").products] == [newer.pk, older.pk]


def test_category_and_shop_names_match_and_words_can_span_fields(nancy):
    with tenant_context(nancy):
        # given a cheese shop whose products do not say "fromagerie", and a product in "Bagues"
        cheese = ShopFactory(name="Fromagerie des Trois Maisons", category=Category.objects.get(slug="fromages"))
        ProductFactory(shop=cheese, title="Comté 18 mois")
        ProductFactory(shop=cheese, title="Brie de Meaux")
        ProductFactory(title="Solitaire or jaune", category=Category.objects.get(slug="bagues"))

    # when searching a shop's name, a category's name, or a word of each
    by_shop_name = _search(nancy, query="fromagerie")
    assert by_shop_name.products == [] and [hit.name for hit in by_shop_name.shop_hits] == [cheese.name]
    assert [p.title for p in _search(nancy, query="bague").products] == ["Solitaire or jaune"]
    assert [p.title for p in _search(nancy, query="comte fromagerie").products] == ["Comté 18 mois"]
    # every word must match somewhere
    assert _search(nancy, query="comte bagues").total == 0


def test_drafts_archived_and_products_of_unapproved_shops_are_never_found(nancy, shopper):
    with tenant_context(nancy):
        # given a published product, a draft, an archived one, and products of pending and suspended shops
        ProductFactory(title="Miroir publié")
        ProductFactory(title="Miroir brouillon", status="draft")
        ProductFactory(title="Miroir archivé", status="archived")
        ProductFactory(title="Miroir en attente", shop=ShopFactory(status="pending"))
        ProductFactory(title="Miroir suspendu", shop=ShopFactory(status="suspended"))

    # when a shopper searches, then only the published product of an approved shop is found
    response = shopper(nancy).get("/recherche/", {"q": "miroir"})
    assert _titles(response) == ["Miroir publié"]
    assert "brouillon" not in response.content.decode()
    # the unapproved shop's name finds nothing either, nor does it show as a facet
    assert _search(nancy, query="miroir").shops[0].count == 1 and len(_search(nancy, query="miroir").shops) == 1


def test_a_nancy_product_never_appears_in_limoges(nancy, limoges, shopper):
    with tenant_context(nancy):
        # given a product only in Nancy (cross-territory: must stay there)
        ProductFactory(title="Macarons de Nancy", shop=ShopFactory(name="Maison des Sœurs Macarons"))
    with tenant_context(limoges):
        ProductFactory(title="Porcelaine de Limoges")

    # when a Limoges shopper searches for it, by title and by shop name
    limoges_titles = _titles(shopper(limoges).get("/recherche/", {"q": "macarons"}))
    by_shop = _titles(shopper(limoges).get("/recherche/", {"q": "soeurs"}))

    # then Limoges finds nothing of Nancy's, and Nancy finds its own but not Limoges's
    assert limoges_titles == [] and by_shop == []
    assert _titles(shopper(nancy).get("/recherche/", {"q": "macaron"})) == ["Macarons de Nancy"]
    assert _titles(shopper(nancy).get("/recherche/", {"q": "porcelaine"})) == []
    # nor does a filter on Nancy's shop reach it from Limoges
    assert (
        _titles(shopper(limoges).get("/recherche/", {"q": "macarons", "boutique": "maison-des-soeurs-macarons"})) == []
    )


def test_filters_category_with_children_commune_shop_price_and_stock(nancy, shopper):
    with tenant_context(nancy):
        # given jewels in sub-categories of "Bijoux", in two communes, at several prices and stocks
        laxou, villers = (
            CommuneFactory(name="Laxou", postcode="54520"),
            CommuneFactory(name="Villers", postcode="54600"),
        )
        rings, necklaces = Category.objects.get(slug="bagues"), Category.objects.get(slug="colliers")
        shop_laxou = ShopFactory(name="Bijouterie de Laxou", commune=laxou, category=rings)
        shop_villers = ShopFactory(name="Atelier Villers", commune=villers, category=necklaces)
        ProductFactory(shop=shop_laxou, title="Bague argent", category=rings, price=Decimal("12.50"), stock=0)
        ProductFactory(shop=shop_laxou, title="Bague or", category=rings, price=Decimal("240.00"), stock=2)
        ProductFactory(shop=shop_villers, title="Collier argent", category=necklaces, price=Decimal("35.00"), stock=1)
        with_sizes = ProductFactory(
            shop=shop_villers, title="Collier perles argent", category=necklaces, price=Decimal("60.00"), stock=0
        )
        VariantFactory(product=with_sizes, name="45 cm", stock=1)
        ProductFactory(
            shop=shop_villers,
            title="Bracelet argent sur demande",
            category=necklaces,
            price=Decimal("20.00"),
            stock=0,
            availability="on_request",
        )
        ProductFactory(
            title="Cuillère en argent", category=Category.objects.get(slug="cuisine"), price=Decimal(500), stock=0
        )
    client = shopper(nancy)

    def titles(**params):
        return sorted(_titles(client.get("/recherche/", {"q": "argent", **params})))

    # when filtering by the top-level category, then sub-categories are included
    assert titles(categorie="bijoux") == [
        "Bague argent",
        "Bracelet argent sur demande",
        "Collier argent",
        "Collier perles argent",
    ]
    assert titles(categorie="bagues") == ["Bague argent"]
    # by commune and by shop
    assert titles(commune=laxou.slug) == ["Bague argent"]
    assert titles(boutique="atelier-villers") == [
        "Bracelet argent sur demande",
        "Collier argent",
        "Collier perles argent",
    ]
    # by price, in euros with a French decimal comma (bounds included)
    assert titles(prix_min="12,50", prix_max="35") == ["Bague argent", "Bracelet argent sur demande", "Collier argent"]
    assert titles(prix_min="20,01") == ["Collier argent", "Collier perles argent", "Cuillère en argent"]
    # in stock only: stock, a variant in stock, or available on request
    assert titles(en_stock="1") == ["Bracelet argent sur demande", "Collier argent", "Collier perles argent"]


def test_facets_count_the_results_by_category_commune_and_shop(nancy, shopper):
    with tenant_context(nancy):
        # given three "argent" products in two shops, two communes, two top-level categories
        laxou = CommuneFactory(name="Laxou", postcode="54520")
        jewels = ShopFactory(name="Bijouterie Stan", commune=laxou, category=Category.objects.get(slug="bagues"))
        kitchen = ShopFactory(name="Cuisine & Co", category=Category.objects.get(slug="cuisine"))
        ProductFactory(shop=jewels, title="Bague argent")
        ProductFactory(shop=jewels, title="Collier argent", category=Category.objects.get(slug="colliers"))
        ProductFactory(shop=kitchen, title="Louche argent")

    # when searching
    result = _search(nancy, query="argent")

    # then the facets count per top-level category, commune and shop, biggest first
    assert result.total == 3
    assert [(f.name, f.count) for f in result.categories] == [("Bijoux", 2), ("Maison et jardin", 1)]
    assert [(f.name, f.count) for f in result.shops] == [("Bijouterie Stan", 2), ("Cuisine & Co", 1)]
    assert ("Laxou", 2) in [(f.name, f.count) for f in result.communes]
    # under a chosen category, its children are counted; the page shows the facets as links with counts
    chosen = _search(nancy, query="argent", category_slug="bijoux")
    assert [(f.name, f.count, f.selected) for f in chosen.categories] == [
        ("Bijoux", 2, True),
        ("Colliers", 1, False),
        ("Bagues", 1, False),
    ] or sorted((f.name, f.count) for f in chosen.categories) == [("Bagues", 1), ("Bijoux", 2), ("Colliers", 1)]
    text = shopper(nancy).get("/recherche/", {"q": "argent"}).content.decode()
    assert 'href="?q=argent&amp;categorie=bijoux"' in text and 'Bijoux <span class="facet-count">(2)</span>' in text
    assert 'role="status" aria-live="polite">3 produits trouvés pour « argent »' in text


def test_pagination_walks_every_result_once(nancy, shopper):
    with tenant_context(nancy):
        # given 30 matching products (24 per page)
        shop = ShopFactory()
        for index in range(30):
            ProductFactory(
                shop=shop,
                title=f"Carte postale {index:02d}",
                published_at=timezone.now() - timezone.timedelta(minutes=index),
            )
    client = shopper(nancy)

    # when a shopper reads page 1 then page 2 (and asks for a page past the end)
    first = client.get("/recherche/", {"q": "carte"})
    second = client.get("/recherche/", {"q": "carte", "page": "2"})
    beyond = client.get("/recherche/", {"q": "carte", "page": "99"})

    # then every product appears once, newest first, and links keep the query
    titles = _titles(first) + _titles(second)
    assert len(_titles(first)) == 24 and len(_titles(second)) == 6
    assert titles == [f"Carte postale {index:02d}" for index in range(30)]
    assert 'href="?q=carte&amp;page=2" rel="next"' in first.content.decode()
    assert "Page 2 sur 2" in second.content.decode()
    assert _titles(beyond) == _titles(second)
    assert client.get("/recherche/", {"q": "carte", "page": "abc"}).status_code == 200


def test_nothing_found_suggests_close_words_and_categories(nancy, shopper):
    with tenant_context(nancy):
        # given jewels in the catalogue
        ProductFactory(title="Bijoux fantaisie", category=Category.objects.get(slug="bijoux"))
        ProductFactory(title="Bijoux en or", category=Category.objects.get(slug="bijoux"))
        ProductFactory(title="Roman policier", category=Category.objects.get(slug="romans"))

    # when a shopper misspells a word
    result = _search(nancy, query="bijoox")
    response = shopper(nancy).get("/recherche/", {"q": "bijoox"})

    # then the page says nothing matched and offers the right word and the category
    assert result.total == 0
    assert ("query", "bijoux") in [(s.kind, s.value) for s in result.suggestions]
    assert ("category", "bijoux") in [(s.kind, s.value) for s in result.suggestions]
    text = response.content.decode()
    assert "Aucun produit ne correspond à votre recherche." in text and "Essayez plutôt" in text
    assert 'href="?q=bijoux"' in text and "Chercher « bijoux »" in text


def test_suggestions_work_without_pg_trgm(nancy, monkeypatch):
    with tenant_context(nancy):
        # given a server without pg_trgm (the embedded PostgreSQL) and a jeweller
        monkeypatch.setattr(connection, "_vitrine_pg_trgm", False, raising=False)
        ProductFactory(
            title="Bijoux fantaisie",
            shop=ShopFactory(category=Category.objects.get(slug="bijoux")),
            category=Category.objects.get(slug="bijoux"),
        )

        # when a shopper misspells or types a word nothing starts with
        typo = product_search(query="bijoox", filters=SearchFilters())
        nothing = product_search(query="zzzz", filters=SearchFilters())

    # then the close word still comes, and otherwise the most popular categories (by shops)
    assert ("query", "bijoux") in [(s.kind, s.value) for s in typo.suggestions]
    assert (nothing.suggestions[0].kind, nothing.suggestions[0].value) == ("category", "bijoux")


def test_word_beginnings_find_products(nancy):
    with tenant_context(nancy):
        # given jewels
        ProductFactory(title="Bijoux fantaisie")

    # when a shopper types the start of a word, then it is found
    assert [p.title for p in _search(nancy, query="bij").products] == ["Bijoux fantaisie"]


def test_empty_search_shows_popular_categories(nancy, shopper):
    with tenant_context(nancy):
        # given more approved shops in "Librairie" than in "Bijoux", and pending ones that do not count
        for _index in range(2):
            ShopFactory(category=Category.objects.get(slug="romans"))
        ShopFactory(category=Category.objects.get(slug="bagues"))
        for _index in range(3):
            ShopFactory(category=Category.objects.get(slug="fromages"), status="pending")

    # when a shopper opens the search page without words
    text = shopper(nancy).get("/recherche/").content.decode()

    # then it shows the form with its label and the popular categories, biggest first
    assert '<label for="search-q">Que cherchez-vous ?</label>' in text
    assert "Catégories populaires" in text
    assert text.index(">Librairie<") < text.index(">Bijoux<")
    assert ">Alimentation<" not in text


def test_the_query_is_echoed_escaped(nancy, shopper):
    # given a query with markup
    attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>'

    # when it is searched
    text = shopper(nancy).get("/recherche/", {"q": attack}).content.decode()

    # then it is shown as text, never as markup
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_bad_prices_get_a_french_message_and_are_ignored(nancy, shopper):
    with tenant_context(nancy):
        # given two products
        ProductFactory(title="Tasse bleue", price=Decimal("8.00"))
        ProductFactory(title="Tasse dorée", price=Decimal("30.00"))

    # when a shopper types a price that is not one, or a minimum above the maximum
    bad = shopper(nancy).get("/recherche/", {"q": "tasse", "prix_min": "dix euros"})
    upside = shopper(nancy).get("/recherche/", {"q": "tasse", "prix_min": "40", "prix_max": "10"})

    # then they are told why, in French, and the price filter is not applied
    assert 'role="alert"' in bad.content.decode()
    assert "Prix minimum : saisissez un montant en euros, par exemple 12,50." in bad.content.decode()
    assert sorted(_titles(bad)) == ["Tasse bleue", "Tasse dorée"]
    assert "Le prix minimum est supérieur au prix maximum." in upside.content.decode()
    assert sorted(_titles(upside)) == ["Tasse bleue", "Tasse dorée"]


def test_header_search_box_leads_to_the_search_page(nancy, shopper):
    # when a shopper opens the home page
    text = shopper(nancy).get("/").content.decode()

    # then the header has a labelled search box that sends ?q= to /recherche/
    assert 'action="/recherche/"' in text and 'for="site-search-q"' in text and 'name="q"' in text
    assert "Chercher dans les boutiques" in text


def _query_count(client, params) -> int:
    client.get("/recherche/", params)  # warm caches (routing, templates, pg_trgm check)
    caches["pages"].clear()  # the page itself is drawn again (common.pagecache): its queries are counted
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/recherche/", params)
    assert response.status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_results(nancy, shopper):
    client = shopper(nancy)
    with tenant_context(nancy):
        # given one matching product
        ProductFactory(title="Pichet en grès")
    one = _query_count(client, {"q": "pichet"})
    with tenant_context(nancy):
        # and then twenty more, in several shops, with photos
        for index in range(20):
            product = ProductFactory(title=f"Pichet {index}")
            ProductPhoto.objects.create(product=product, image="nancy/products/p.png", width=800, height=600)
    many = _query_count(client, {"q": "pichet", "en_stock": "1", "prix_max": "100"})
    none = _query_count(client, {"q": "introuvable"})
    none_again = _query_count(client, {"q": "toujours introuvable"})

    # then a page of results and an empty search each cost a fixed number of queries
    assert one == many == 2, (one, many)
    assert none == none_again <= 4, (none, none_again)


def test_pg_trgm_is_used_exactly_where_the_server_has_it(nancy):
    # given this server's extensions (the embedded PostgreSQL has no pg_trgm; the machine's may)
    from vitrine.search.suggestions import pg_trgm_installed

    with tenant_context(nancy), connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')")
        available = cursor.fetchone()[0]
        # when the search checks, then the migration installed it wherever it was available
        assert pg_trgm_installed() == available
