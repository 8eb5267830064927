"""Demo shops and products for the demo territories, made through the real services.

`tenants/<schema>/demo/shops.toml` lists a territory's shops (name, address in one of
its communes, category, opening hours, Click & Collect or showcase only, featured);
`devtools/demo/catalogues.toml` holds the products of each kind of shop (a jeweller's
rings in sizes 50 to 58, a clothes shop's S to XL, a grocer's products on request...).
Pictures are drawn with Pillow (devtools/pictures.py).

Every shop is made in its own transaction with the services territory staff and
merchants use (assisted onboarding, opening hours, product_create with photos), so the
data is valid by construction. Seeding is idempotent: a shop is keyed by its SIRET,
derived from the territory and the shop's login, and a shop already there is left as
it is. Each owner signs in with <login>@<territory host> and the demo password.
"""

from __future__ import annotations

import csv
import hashlib
import random
import time
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as clock
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product
from vitrine.catalog.services import ProductData, product_create
from vitrine.common.text import slug_make
from vitrine.config.env import TENANTS_DIR
from vitrine.devtools import pictures
from vitrine.devtools.demo import DEMO_PASSWORD
from vitrine.orders.cart import cart_add, cart_create
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.lifecycle import order_accept, order_mark_ready
from vitrine.orders.selectors import checkout_slots
from vitrine.shops.communes import communes_load
from vitrine.shops.hours import shop_closing_add, shop_hours_set
from vitrine.shops.joining import ShopApplication, shop_create_assisted
from vitrine.shops.models import Commune, Shop, ShopMember
from vitrine.shops.moderation import shop_set_featured
from vitrine.shops.siret import siret_make
from vitrine.shops.storefront import ShopProfile, shop_photo_add, shop_profile_update

CATALOGUES_FILE = Path(__file__).resolve().parent / "demo" / "catalogues.toml"

_TUESDAY_TO_SATURDAY = range(1, 6)
HOURS: dict[str, list[tuple[int, str, str]]] = {
    # Tuesday to Saturday, closed at lunch; closed Sunday and Monday.
    "classic": [
        (day, opens, closes)
        for day in _TUESDAY_TO_SATURDAY
        for opens, closes in (("09:30", "12:30"), ("14:00", "19:00"))
    ],
    # Monday to Saturday without a break.
    "continuous": [(day, "10:00", "19:00") for day in range(6)],
    # Monday afternoon, then late evenings; Saturday all day.
    "late": [(0, "14:30", "19:30")]
    + [(day, opens, closes) for day in range(1, 5) for opens, closes in (("10:00", "13:00"), ("14:30", "19:30"))]
    + [(5, "10:00", "19:30")],
    # Early mornings, open Sunday morning, closed Monday.
    "bakery": [
        (day, opens, closes)
        for day in _TUESDAY_TO_SATURDAY
        for opens, closes in (("06:30", "13:30"), ("15:30", "19:30"))
    ]
    + [(6, "07:00", "12:30")],
    # A village shop: closed Wednesday afternoon, Sunday and Monday.
    "village": [
        (day, opens, closes) for day in (1, 3, 4, 5) for opens, closes in (("09:00", "12:00"), ("15:00", "18:30"))
    ]
    + [(2, "09:00", "12:00")],
    # A market hall stall: mornings, Friday and Saturday afternoons, Sunday morning.
    "market": [(day, "07:30", "13:00") for day in _TUESDAY_TO_SATURDAY]
    + [(4, "15:30", "19:00"), (5, "15:30", "19:00"), (6, "08:00", "12:30")],
}

VARIANT_PRESETS: dict[str, list[str]] = {
    "ring": [f"Taille {size}" for size in range(50, 59)],
    "clothes": ["S", "M", "L", "XL"],
    "shoes": [str(size) for size in range(36, 46)],
    "kids": ["2 ans", "4 ans", "6 ans", "8 ans", "10 ans"],
}


@dataclass
class DemoShopResult:
    name: str
    login: str
    products: int
    created: bool
    sells_online: bool
    featured: bool


@dataclass
class DemoSeedResult:
    territory: str
    host: str
    shops: list[DemoShopResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def created(self) -> int:
        return sum(shop.created for shop in self.shops)


def demo_shops_file(schema: str) -> Path:
    return TENANTS_DIR / schema / "demo" / "shops.toml"


def demo_communes_file(schema: str) -> Path:
    return TENANTS_DIR / schema / "communes.csv"


@cache
def demo_catalogues() -> dict[str, dict]:
    with CATALOGUES_FILE.open("rb") as handle:
        return tomllib.load(handle)


def demo_shops_load(schema: str) -> list[dict]:
    """The demo shops listed for a territory (empty when it has no demo file)."""
    path = demo_shops_file(schema)
    if not path.is_file():
        return []
    with path.open("rb") as handle:
        return tomllib.load(handle).get("shops", [])


def demo_siret(schema: str, login: str) -> str:
    """A stable, Luhn-valid SIRET for a demo shop: the same on every run, distinct per shop."""
    digest = hashlib.sha256(f"vitrine-demo:{schema}:{login}".encode()).hexdigest()
    # Seeds from a range of their own: apart from the factories' and the benchmark's.
    return siret_make(900_000_000_000 + int(digest, 16) % 99_999_999_999)


def demo_territory_seed(*, territory, data_schema: str | None = None) -> DemoSeedResult:
    """Fill a territory with the demo shops of tenants/<data_schema>/demo/ (default: its own).

    Idempotent: shops already there (same SIRET) are kept as they are. Each new shop
    is created in its own transaction, all or nothing.
    """
    started = time.perf_counter()
    data_schema = data_schema or territory.schema_name
    specs = demo_shops_load(data_schema)
    host = territory.get_primary_domain().domain.split(":")[0]
    result = DemoSeedResult(territory=territory.name, host=host)
    with tenant_context(territory):
        communes = _communes_ensure(data_schema, specs)
        categories = dict(Category.objects.values_list("slug", "pk"))
        actor = User.objects.filter(role=User.Role.TERRITORY_ADMIN, is_active=True).order_by("pk").first()
        if actor is None:
            raise RuntimeError(f"{territory.schema_name} has no territory admin to create its demo shops.")
        # Found again by their owner's login: it does not change when the SIRET rule does.
        logins = [_login_email(spec, host) for spec in specs]
        existing = {
            member.user.email: member.shop
            for member in ShopMember.objects.filter(role=ShopMember.Role.OWNER, user__email__in=logins).select_related(
                "shop", "user"
            )
        }
        for index, spec in enumerate(specs):
            siret = demo_siret(data_schema, spec["login"])
            shop = existing.get(_login_email(spec, host))
            created = shop is None
            if created:
                shop = _shop_seed(
                    spec=spec,
                    index=index,
                    siret=siret,
                    host=host,
                    actor=actor,
                    communes=communes,
                    categories=categories,
                )
            result.shops.append(
                DemoShopResult(
                    name=shop.name,
                    login=_login_email(spec, host),
                    products=shop.products.count(),
                    created=created,
                    sells_online=not shop.showcase_only,
                    featured=shop.is_featured,
                )
            )
        if any(shop.created for shop in result.shops):
            _orders_seed(host=host)
    result.seconds = time.perf_counter() - started
    return result


# A few orders so the merchants' boards and a shopper's account have something to show.
DEMO_CUSTOMERS = ("Claire Blaison", "Hugo Lambert", "Inès Marchal")
DEMO_ORDER_SHOPS = 3  # the first Click & Collect shops of the file get one order per stage


def _orders_seed(*, host: str) -> None:
    """Per shop: a new order, an accepted one and a ready one; the first is the demo shopper's."""
    shopper = User.objects.filter(email=f"client@{host}").first()
    if shopper is None:
        shopper = User(
            email=f"client@{host}", full_name="Claire Blaison", role=User.Role.SHOPPER, password=_demo_password_hash()
        )
        shopper.save()
    shops = [shop for shop in Shop.objects.order_by("pk") if shop.takes_orders][:DEMO_ORDER_SHOPS]
    for shop in shops:
        owner = shop.members.filter(role="owner").select_related("user").first().user
        products = [
            p
            for p in shop.products.filter(status=Product.Status.PUBLISHED, variants__isnull=True).order_by("pk")
            if p.availability == Product.Availability.ON_REQUEST or p.stock > 0
        ][:3]
        slots = checkout_slots(shop=shop)
        for stage, (product, name) in enumerate(zip(products, DEMO_CUSTOMERS)):
            customer = shopper if name == shopper.full_name else None
            cart = cart_create()
            cart_add(cart=cart, product_id=product.pk)
            guest = Guest(
                name=name,
                email=customer.email if customer else f"{slug_make(name, max_length=60, fallback='client')}@example.fr",
                phone="06 12 34 56 78",
            )
            (order,) = order_place(
                cart=cart,
                customer=customer,
                guest=guest,
                slots={shop.pk: slots[min(stage, len(slots) - 1)].starts_at},
                # Random like a real checkout's: a key anyone could derive would be a way in (issue #10).
                idempotency_key=uuid.uuid4(),
            )
            if stage >= 1:
                order_accept(order=order, actor=owner)
            if stage >= 2:
                order_mark_ready(order=order, actor=owner)


def _login_email(spec: dict, host: str) -> str:
    return f"{spec['login']}@{host}"


def _communes_ensure(data_schema: str, specs: list[dict]) -> dict[tuple[str, str], int]:
    """Load the territory's communes (its communes.csv) and those the demo shops use; ids by (name, postcode)."""
    rows: list[dict[str, str]] = []
    path = demo_communes_file(data_schema)
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    rows += [{"name": spec["commune"][0], "postcode": spec["commune"][1]} for spec in specs]
    communes_load(rows=rows)
    return {(name, postcode): pk for pk, name, postcode in Commune.objects.values_list("pk", "name", "postcode")}


@cache
def _demo_password_hash() -> str:
    # Hashed once per run: hashing per owner would cost ~0.3 s each with the real hasher.
    return make_password(DEMO_PASSWORD)


def _owner_ensure(email: str, full_name: str) -> User:
    owner = User.objects.filter(email=email).first()
    if owner is None:
        owner = User(email=email, full_name=full_name, role=User.Role.MERCHANT, password=_demo_password_hash())
        owner.save()
    return owner


def _time(text: str) -> clock:
    hours, minutes = text.split(":")
    return clock(int(hours), int(minutes))


@transaction.atomic
def _shop_seed(
    *,
    spec: dict,
    index: int,
    siret: str,
    host: str,
    actor: User,
    communes: dict[tuple[str, str], int],
    categories: dict[str, int],
) -> Shop:
    kind = demo_catalogues()[spec["kind"]]
    background, colour = kind["palette"]
    rng = random.Random(siret)
    owner_email = _login_email(spec, host)
    owner = _owner_ensure(owner_email, f"Équipe {spec['name']}")
    showcase = spec.get("mode") == "showcase"
    shop = shop_create_assisted(
        application=ShopApplication(
            name=spec["name"],
            siret=siret,
            address=spec["address"],
            commune_id=communes[tuple(spec["commune"])],
            category_id=categories.get(spec["category"]),
            email=owner_email,
            phone=spec.get("phone", ""),
            description=spec.get("description", ""),
            click_and_collect=not showcase,
            showcase_only=showcase,
        ),
        owner_email=owner_email,
        actor=actor,
    )
    shop.refresh_from_db()
    _shop_pictures(shop, owner=owner, colour=colour, background=background)
    shop_hours_set(
        shop=shop,
        actor=owner,
        ranges=[(day, _time(opens), _time(closes)) for day, opens, closes in HOURS[spec.get("hours", "classic")]],
    )
    today = timezone.localdate()
    if index % 4 == 0:  # summer holidays, shown on the storefront
        year = today.year if today < date(today.year, 8, 1) else today.year + 1
        shop_closing_add(
            shop=shop, starts_on=date(year, 8, 10), ends_on=date(year, 8, 24), reason="Congés d'été", actor=owner
        )
    if index % 7 == 3:  # an inventory day soon
        day = today + timedelta(days=9)
        shop_closing_add(shop=shop, starts_on=day, ends_on=day, reason="Inventaire", actor=owner)
    if spec.get("featured"):
        shop_set_featured(shop=shop, actor=actor, featured=True)
    products = kind["products"] + spec.get("extra_products", [])
    now = timezone.now()
    for position, item in enumerate(products):
        product = product_create(
            shop=shop,
            actor=owner,
            data=_product_data(item, categories=categories, fallback=shop.category_id, rng=rng),
            photos=[
                pictures.upload(
                    pictures.product_picture(
                        shape=item.get("shape", "gift"), colour=item.get("colour", colour), background=background
                    ),
                    f"{slug_make(item['title'], max_length=60, fallback='photo')}.jpg",
                )
            ],
        )
        # Spread publication over the last weeks so "new products" mixes shops.
        moment = now - timedelta(days=rng.randint(0, 40), minutes=rng.randint(0, 1440) + position)
        Product.objects.filter(pk=product.pk).update(created_at=moment, published_at=moment)
    return shop


def _product_data(item: dict, *, categories: dict[str, int], fallback: int, rng: random.Random) -> ProductData:
    on_request = item.get("on_request", False)
    variants = item.get("variants", [])
    if isinstance(variants, str):
        variants = [[name, ""] for name in VARIANT_PRESETS[variants]]
    variant_rows = [
        {"name": name, "price": price, "stock": 0 if on_request else rng.randint(0, 6), "sku": ""}
        for name, price in variants
    ]
    if on_request:
        stock = 0
    elif variant_rows:
        stock = sum(row["stock"] for row in variant_rows)
    else:
        stock = item.get("stock", rng.randint(2, 15))
    return ProductData(
        title=item["title"],
        price=Decimal(item["price"]),
        category_id=categories.get(item["category"], fallback),
        description=item.get("description", ""),
        vat_rate=Decimal(item.get("vat", "20.0")),
        availability=Product.Availability.ON_REQUEST if on_request else Product.Availability.STOCK,
        stock=stock,
        variants=variant_rows,
    )


def _shop_pictures(shop: Shop, *, owner: User, colour: str, background: str) -> None:
    """The shop's logo and its storefront photo, added by its owner like any upload."""
    logo = pictures.upload(pictures.logo_picture(initials=pictures.initials(shop.name), colour=colour), "logo.png")
    shop_profile_update(
        shop=shop,
        actor=owner,
        logo=logo,
        profile=ShopProfile(
            description=shop.description,
            phone=shop.phone,
            website=shop.website,
            click_and_collect=shop.click_and_collect,
            showcase_only=shop.showcase_only,
        ),
    )
    front = pictures.storefront_picture(name=shop.name, colour=colour, background=background)
    shop_photo_add(
        shop=shop, actor=owner, upload=pictures.upload(front, "vitrine.jpg"), alt=f"La devanture de {shop.name}"
    )


def demo_login_rows(results: list[DemoSeedResult]) -> list[tuple[str, str, str, str, str]]:
    """Rows of the printed table: territory, shop, login, products, sale mode."""
    rows = []
    for result in results:
        for shop in result.shops:
            mode = "Click & Collect" if shop.sells_online else "vitrine seule"
            rows.append(
                (result.host, shop.name + (" ★" if shop.featured else ""), shop.login, str(shop.products), mode)
            )
    return rows
