"""Factories for tests (and for other deployments' tests): build the world in one call."""

from datetime import time
from decimal import Decimal

import factory
from django.utils import timezone

from vitrine.accounts.models import User
from vitrine.common.text import slug_make
from vitrine.shops.models import OpeningRange, ShopMember
from vitrine.shops.siret import siret_make

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A territory account (created in whatever schema is current)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.fr")
    full_name = factory.Faker("name", locale="fr_FR")
    role = User.Role.SHOPPER
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "shops.Commune"
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Commune {n}")
    postcode = factory.Sequence(lambda n: f"54{n % 1000:03d}")
    slug = factory.LazyAttribute(lambda o: slug_make(f"{o.name}-{o.postcode}", max_length=140, fallback="commune"))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Category"
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Catégorie {n}")
    slug = factory.LazyAttribute(lambda o: slug_make(o.name, max_length=100, fallback="categorie"))


class ShopFactory(factory.django.DjangoModelFactory):
    """An approved shop with its owner (a merchant account)."""

    class Meta:
        model = "shops.Shop"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Boutique {n}")
    slug = factory.LazyAttribute(lambda o: slug_make(o.name, max_length=140, fallback="boutique"))
    siret = factory.Sequence(lambda n: siret_make(73282932000000 + n))
    status = "approved"
    category = factory.SubFactory(CategoryFactory)
    address = "12 rue Saint-Dizier"
    commune = factory.SubFactory(CommuneFactory)
    email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.example.fr")

    @factory.post_generation
    def owner(shop, create, extracted, **kwargs):
        """ShopFactory(owner=user) makes that user the owner; by default a new merchant."""
        if not create:
            return

        user = extracted or UserFactory(role=User.Role.MERCHANT)
        ShopMember.objects.create(shop=shop, user=user, role="owner")
        shop.owner_user = user


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Product"

    shop = factory.SubFactory(ShopFactory)
    title = factory.Sequence(lambda n: f"Produit {n}")
    slug = factory.LazyAttribute(lambda o: slug_make(o.title, max_length=160, fallback="produit"))
    price = Decimal("24.90")
    category = factory.LazyAttribute(lambda o: o.shop.category)
    status = "published"
    stock = 5
    published_at = factory.LazyFunction(timezone.now)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Variant"

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Taille {n}")
    stock = 3


def shop_open_every_day(**kwargs):
    """An approved shop (ShopFactory arguments) open 9:00-12:00 and 14:00-19:00 every day of the week."""

    shop = ShopFactory(**kwargs)
    OpeningRange.objects.bulk_create(
        OpeningRange(shop=shop, weekday=weekday, opens=opens, closes=closes)
        for weekday in range(7)
        for opens, closes in ((time(9), time(12)), (time(14), time(19)))
    )
    return shop


def shop_application_form(*, commune, category, owner_email: str, siret: str | None = None) -> dict:
    """What a visitor posts to /pro/rejoindre/: a complete application, with a new owner's account."""
    return {
        "name": "La Lucarne aux Livres",
        "siret": siret or siret_make(44306184100000),
        "address": "5 rue des Maréchaux",
        "commune": commune.pk,
        "category": category.pk,
        "email": "contact@lucarne.example.fr",
        "phone": "03 83 12 34 56",
        "description": "Librairie indépendante.",
        "sales_mode": "click_and_collect",
        "owner_full_name": "Claire Mangin",
        "owner_email": owner_email,
        "password": "lire-a-nancy-2026",
    }
