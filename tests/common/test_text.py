"""One slugger: ligatures spelled out, slugs cut cleanly, uniqueness suffixes within a scope."""

from decimal import Decimal

from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product
from vitrine.catalog.services import ProductData, product_create, product_update
from vitrine.common.text import slug_make, slug_unique
from vitrine.shops.communes import communes_load
from vitrine.shops.joining import ShopApplication, shop_apply
from vitrine.shops.models import Commune, Shop
from vitrine.testing.factories import (
    ProductFactory,
    ShopFactory,
    UserFactory,
    siret_make,
)


def test_slug_make_spells_out_ligatures_and_drops_accents():
    assert slug_make("Vandœuvre-lès-Nancy", max_length=140, fallback="x") == "vandoeuvre-les-nancy"
    assert slug_make("ŒUFS & Bœuf", max_length=140, fallback="x") == "oeufs-boeuf"
    assert slug_make("Ex æquo, Straße", max_length=140, fallback="x") == "ex-aequo-strasse"


def test_slug_make_cuts_without_a_trailing_dash_and_falls_back_when_nothing_is_left():
    assert slug_make("tarte aux pommes", max_length=10, fallback="produit") == "tarte-aux"
    assert slug_make("!!! ???", max_length=10, fallback="produit") == "produit"
    assert slug_make("", max_length=10, fallback="produit") == "produit"


def test_slug_unique_adds_a_suffix_per_taken_slug(nancy):
    with tenant_context(nancy):
        # given two shops already named "Le Fournil"
        ShopFactory(name="Le Fournil", slug="le-fournil")
        ShopFactory(name="Le Fournil", slug="le-fournil-2")

        # then the next one is "-3", and a shop keeps its own slug when renamed to the same name
        assert slug_unique(Shop, "Le Fournil", fallback="boutique") == "le-fournil-3"
        own = Shop.objects.get(slug="le-fournil-2")
        assert slug_unique(Shop, "Le Fournil", fallback="boutique", exclude_pk=own.pk) == "le-fournil-2"


def test_slug_unique_stays_within_the_slug_column(nancy):
    with tenant_context(nancy):
        # given a category whose slug fills its column (100 characters)
        name = "a" * 120
        Category.objects.create(name="Longue", slug="a" * 100)

        # when another category gets the same name
        slug = slug_unique(Category, name, fallback="categorie")

        # then its suffix replaces the end instead of overflowing
        assert slug == "a" * 98 + "-2"


def test_slug_unique_is_scoped_by_a_queryset(nancy):
    with tenant_context(nancy):
        first, second = ShopFactory(), ShopFactory()
        ProductFactory(shop=first, title="Tarte", slug="tarte")

        assert slug_unique(Product.objects.filter(shop=first), "Tarte", fallback="produit") == "tarte-2"
        assert slug_unique(Product.objects.filter(shop=second), "Tarte", fallback="produit") == "tarte"


def test_a_product_slug_keeps_oe_and_gets_a_suffix_in_its_shop(nancy):
    with tenant_context(nancy):
        # given a shop
        shop = ShopFactory()
        data = ProductData(title="Pâtes aux œufs", price=Decimal("4.20"), category_id=shop.category_id)

        # when it adds the same product twice
        first = product_create(shop=shop, actor=shop.owner_user, data=data)
        second = product_create(shop=shop, actor=shop.owner_user, data=data)

        # then "œ" is spelled "oe" and the second slug is suffixed
        assert (first.slug, second.slug) == ("pates-aux-oeufs", "pates-aux-oeufs-2")

        # and renaming follows the same rule
        data.title = "Bœuf séché"
        assert product_update(product=second, actor=shop.owner_user, data=data).slug == "boeuf-seche"


def test_shop_and_commune_slugs_keep_oe(nancy):
    with tenant_context(nancy):
        # given a shopper and the territory's communes, one named with a ligature
        communes_load(rows=[{"name": "Vandœuvre-lès-Nancy", "postcode": "54500"}])
        commune = Commune.objects.get(postcode="54500")
        category = Category.objects.filter(parent__isnull=False).first()
        owner = UserFactory(role=User.Role.SHOPPER)

        # when a shop named with a ligature applies
        shop = shop_apply(
            owner=owner,
            application=ShopApplication(
                name="Au Bœuf d'Or",
                siret=siret_make(55_000_000_001),
                address="1 rue Gambetta",
                commune_id=commune.pk,
                category_id=category.pk,
                email="contact@boeuf.example.fr",
            ),
        )

        # then both slugs spell it out
        assert (shop.slug, commune.slug) == ("au-boeuf-dor", "vandoeuvre-les-nancy-54500")
