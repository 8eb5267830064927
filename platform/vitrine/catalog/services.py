"""Writes on the catalogue: products, variants, photos, staff moderation."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.catalog.models import Category, Product, ProductPhoto, Variant
from vitrine.catalog.tasks import product_photo_renditions_make
from vitrine.common.html import description_clean
from vitrine.common.images import ImageRejected, image_check, image_clean
from vitrine.common.ordering import position_move
from vitrine.common.pagecache import pages_changed
from vitrine.common.storage import upload_name
from vitrine.common.text import slug_make, slug_unique
from vitrine.notifications.services import outbox_email_send
from vitrine.shops.models import Shop, ShopMember
from vitrine.shops.permissions import shop_member_check, staff_check

VAT_RATES = tuple(Decimal(rate) for rate in Product.VatRate.values)
MAX_STOCK = 2_147_483_647  # the stock columns' limit: above it the database refuses the row


def _max_stock_text() -> str:
    return number_format(MAX_STOCK, force_grouping=True)


def price_parse(value) -> Decimal:
    """A price as people type it ("12,50", "12.5 €", 12.5) -> Decimal("12.50"); never a float."""
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).replace("€", "").replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("“%(value)s” is not a price (for example 12,50).") % {"value": value}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(_("A price is a positive amount (for example 12,50)."))
    if amount >= Decimal(10000000):
        raise ValidationError(_("This price is too high."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("A price has at most two decimals."))
    return amount.quantize(Decimal("0.01"))


@dataclass
class ProductData:
    title: str
    price: Decimal | str
    category_id: int | None
    description: str = ""
    vat_rate: Decimal | str = Decimal("20.0")
    status: str = Product.Status.PUBLISHED
    availability: str = Product.Availability.STOCK
    stock: int | str = 0  # as typed (a form field, a spreadsheet cell): product_data_validate parses it
    sku: str = ""
    variants: list[dict] = field(default_factory=list)  # {"name", "price", "stock", "sku"}


def product_data_validate(
    data: ProductData, *, shop: Shop, exclude_pk: int | None = None
) -> tuple[dict, dict[str, list[str]]]:
    """Check and normalise product data; return (clean values, errors by field)."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    clean["title"] = (data.title or "").strip()
    if not clean["title"]:
        add("title", _("Give the product a title."))
    elif len(clean["title"]) > 140:
        add("title", _("The title is at most 140 characters."))
    try:
        clean["price"] = price_parse(data.price)
    except ValidationError as exc:
        add("price", exc.messages[0])
    try:
        clean["vat_rate"] = Decimal(str(data.vat_rate).replace(",", ".").replace("%", "").strip()).quantize(
            Decimal("0.1")
        )
        if clean["vat_rate"] not in VAT_RATES:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        add("vat_rate", _("The VAT rate is one of 20, 10, 5,5 or 2,1 %."))
    if data.category_id is None or not Category.objects.filter(pk=data.category_id).exists():
        add("category", _("Choose a category."))
    clean["category_id"] = data.category_id
    if data.status not in Product.Status.values:
        add("status", _("Unknown status."))
    clean["status"] = data.status
    if data.availability not in Product.Availability.values:
        add("availability", _("Unknown availability."))
    clean["availability"] = data.availability
    try:
        clean["stock"] = int(data.stock or 0)
        if clean["stock"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        add("stock", _("The stock is a whole number, 0 or more."))
    else:
        if clean["stock"] > MAX_STOCK:
            add("stock", _("The stock is too large: at most %(max)s.") % {"max": _max_stock_text()})
    clean["sku"] = (data.sku or "").strip()
    if (
        clean["sku"]
        and Product.objects.filter(shop=shop, sku=clean["sku"])
        .exclude(pk__in=[exclude_pk] if exclude_pk else [])
        .exists()
    ):
        add("sku", _("Another product of the shop has the reference %(sku)s.") % {"sku": clean["sku"]})
    clean["description"] = description_clean(data.description)
    clean_variants, names = [], set()
    for index, variant in enumerate(data.variants, start=1):
        name = (variant.get("name") or "").strip()
        if not name:
            add("variants", _("Variant %(n)s needs a name (e.g. Size M).") % {"n": index})
            continue
        if name.lower() in names:
            add("variants", _("Two variants are named %(name)s.") % {"name": name})
        names.add(name.lower())
        entry = {"name": name, "sku": (variant.get("sku") or "").strip(), "position": index}
        try:
            entry["price"] = price_parse(variant["price"]) if variant.get("price") not in (None, "") else None
        except ValidationError as exc:
            add("variants", f"{name} : {exc.messages[0]}")
        try:
            stock = int(variant.get("stock") or 0)
            if stock < 0:
                raise ValueError
            entry["stock"] = stock
        except (TypeError, ValueError):
            add("variants", _("%(name)s: the stock is a whole number, 0 or more.") % {"name": name})
        else:
            if stock > MAX_STOCK:
                add(
                    "variants",
                    _("%(name)s: the stock is too large: at most %(max)s.") % {"name": name, "max": _max_stock_text()},
                )
        clean_variants.append(entry)
    clean["variants"] = clean_variants
    return clean, errors


@transaction.atomic
def product_create(*, shop: Shop, data: ProductData, actor: User, photos=()) -> Product:
    """Create a product (with its variants and photos) in one go; all or nothing."""
    shop_member_check(shop=shop, user=actor)
    clean, errors = product_data_validate(data, shop=shop)
    for upload in photos:  # checked now too, so the merchant sees every problem at once
        try:
            image_check(upload)
        except ImageRejected as exc:
            errors.setdefault("photos", []).append(str(exc))
    if errors:
        raise ValidationError(errors)
    variants = clean.pop("variants")
    # A product's slug is unique in its shop only: two shops may both sell a "tarte-aux-pommes".
    slug = slug_unique(Product.objects.filter(shop=shop), clean["title"], fallback="produit")
    product = Product.objects.create(
        shop=shop,
        slug=slug,
        created_by=actor,
        published_at=timezone.now() if clean["status"] == Product.Status.PUBLISHED else None,
        **clean,
    )
    Variant.objects.bulk_create([Variant(product=product, **variant) for variant in variants])
    pages_changed()  # bulk_create sends no signal
    for position, upload in enumerate(photos):
        product_photo_add(product=product, upload=upload, actor=actor, position=position)
    return product


@transaction.atomic
def product_update(*, product: Product, data: ProductData, actor: User) -> Product:
    shop_member_check(shop=product.shop, user=actor)
    clean, errors = product_data_validate(data, shop=product.shop, exclude_pk=product.pk)
    if errors:
        raise ValidationError(errors)
    variants = clean.pop("variants")
    if clean["title"] != product.title:
        product.slug = slug_unique(
            Product.objects.filter(shop=product.shop), clean["title"], fallback="produit", exclude_pk=product.pk
        )
    was_published = product.status == Product.Status.PUBLISHED
    for name, value in clean.items():
        setattr(product, name, value)
    if product.status == Product.Status.PUBLISHED and not was_published:
        product.published_at = timezone.now()
        product.unpublished_reason = ""
    product.save(update_fields=[*clean.keys(), "slug", "published_at", "unpublished_reason", "updated_at"])
    existing = {v.name.lower(): v for v in product.variants.all()}
    keep = set()
    for variant in variants:
        current = existing.get(variant["name"].lower())
        if current is None:
            Variant.objects.create(product=product, **variant)
        else:
            for name, value in variant.items():
                setattr(current, name, value)
            current.save(update_fields=list(variant.keys()))
            keep.add(current.pk)
    product.variants.exclude(pk__in=keep).exclude(name__in=[v["name"] for v in variants]).delete()
    return product


@transaction.atomic
def product_quick_add(*, shop: Shop, actor: User, title: str, price, photo, category_id: int | None = None) -> Product:
    """One photo, a title and a price: a published product, from a phone, in under a minute.

    The category defaults to the shop's own; the stock to "available on request"
    until the merchant says otherwise.
    """
    return product_create(
        shop=shop,
        actor=actor,
        photos=[photo] if photo else [],
        data=ProductData(
            title=title,
            price=price,
            category_id=category_id or shop.category_id,
            availability=Product.Availability.ON_REQUEST,
        ),
    )


def product_photo_add(
    *, product: Product, upload, actor: User, position: int | None = None, alt: str = ""
) -> ProductPhoto:
    """Store a checked, metadata-free photo; web variants are made by a task after commit."""
    try:
        image = image_clean(upload)
    except ImageRejected as exc:
        raise ValidationError({"photos": [str(exc)]}) from None
    if position is None:
        position = product.photos.count()
    photo = ProductPhoto(
        product=product, position=position, alt=alt or product.title, width=image.width, height=image.height
    )
    photo.image.save(upload_name(product.slug, image.extension), image.content, save=False)
    photo.save()
    transaction.on_commit(lambda: product_photo_renditions_make.delay(photo_id=photo.pk))
    return photo


@transaction.atomic
def product_photos_add(*, product: Product, uploads, actor: User) -> list[ProductPhoto]:
    """Add several photos after the existing ones; one bad file and none is kept."""
    shop_member_check(shop=product.shop, user=actor)
    last = product.photos.order_by("-position").values_list("position", flat=True).first()
    start = 0 if last is None else last + 1
    return [
        product_photo_add(product=product, upload=upload, actor=actor, position=start + offset)
        for offset, upload in enumerate(uploads)
    ]


def _photo_files(photo: ProductPhoto) -> list[str]:
    return [photo.image.name, *(rendition["name"] for rendition in (photo.renditions or {}).values())]


@transaction.atomic
def product_photo_delete(*, photo: ProductPhoto, actor: User) -> None:
    """Remove a photo; its files go once the removal is committed."""
    shop_member_check(shop=photo.product.shop, user=actor)
    names, storage = _photo_files(photo), photo.image.storage
    photo.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in names if name])


@transaction.atomic
def product_photo_move(*, photo: ProductPhoto, actor: User, offset: int) -> None:
    """Move a photo earlier (offset -1) or later (+1); the first photo is the one lists show."""
    shop_member_check(shop=photo.product.shop, user=actor)
    photos = list(
        ProductPhoto.objects.select_for_update().filter(product_id=photo.product_id).order_by("position", "id")
    )
    position_move(photos, photo, offset)


@transaction.atomic
def product_photo_alt_set(*, photo: ProductPhoto, actor: User, alt: str) -> ProductPhoto:
    """Describe a photo for people who cannot see it (screen readers read this)."""
    shop_member_check(shop=photo.product.shop, user=actor)
    alt = (alt or "").strip()
    if len(alt) > 200:
        raise ValidationError({"alt": [_("The description of a photo is at most 200 characters.")]})
    photo.alt = alt or photo.product.title
    photo.save(update_fields=["alt"])
    return photo


@transaction.atomic
def product_unpublish_by_staff(*, product: Product, actor: User, reason: str) -> Product:
    """Territory staff take a product offline with a reason the merchant sees."""
    staff_check(actor)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why, so the merchant can correct it.")]})
    product.status, product.unpublished_reason = Product.Status.DRAFT, reason.strip()
    product.save(update_fields=["status", "unpublished_reason", "updated_at"])
    owners = list(product.shop.members.filter(role=ShopMember.Role.OWNER).values_list("user__email", flat=True))
    if owners:
        outbox_email_send(to=owners, template="product_unpublished", context={"product": product})
    audit_record(
        actor=actor,
        verb="product.unpublish",
        obj=product,
        payload={"shop": product.shop.name, "reason": product.unpublished_reason},
    )
    return product


@transaction.atomic
def product_set_featured(*, product: Product, actor: User, position: int | None) -> Product:
    """Staff feature a published product on the home page at `position` (smallest first), or stop (None).

    The product's updated_at is left alone: the team's choice does not make a catalogue look fresh.
    """
    staff_check(actor)
    product = Product.objects.select_for_update().select_related("shop").get(pk=product.pk)
    if position is not None:
        if not 0 <= position <= 999:
            raise ValidationError({"position": [_("Choose a position between 0 and 999.")]})
        if product.status != Product.Status.PUBLISHED or product.shop.status != Shop.Status.APPROVED:
            raise ValidationError({"position": [_("Only a published product of an approved shop can be featured.")]})
    product.featured_position = position
    product.save(update_fields=["featured_position"])
    if position is None:
        audit_record(actor=actor, verb="product.unfeature", obj=product, payload={"shop": product.shop.name})
    else:
        audit_record(
            actor=actor, verb="product.feature", obj=product, payload={"shop": product.shop.name, "position": position}
        )
    return product


# --- The category tree (territory staff) ---------------------------------------------------


def _category_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Give the category a name.")]})
    if len(name) > 80:
        raise ValidationError({"name": [_("A category name is at most 80 characters.")]})
    return name


def _category_parent_check(category: Category | None, parent: Category | None) -> None:
    """The tree has two levels: categories and their sub-categories."""
    if parent is None:
        return
    if parent.parent_id is not None:
        raise ValidationError(
            {"parent": [_("A sub-category cannot hold other sub-categories: choose a main category.")]}
        )
    if category is not None and parent.pk == category.pk:
        raise ValidationError({"parent": [_("A category cannot be placed inside itself.")]})
    if category is not None and category.children.exists():
        raise ValidationError(
            {"parent": [_("%(name)s has sub-categories: it stays a main category.") % {"name": category.name}]}
        )


def _category_duplicate_check(name: str, parent: Category | None, *, exclude_pk: int | None = None) -> None:
    if (
        Category.objects.filter(name__iexact=name, parent=parent)
        .exclude(pk__in=[exclude_pk] if exclude_pk else [])
        .exists()
    ):
        raise ValidationError({"name": [_("There is already a category named %(name)s here.") % {"name": name}]})


def _next_position(parent: Category | None) -> int:
    last = Category.objects.filter(parent=parent).aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def category_create(*, name: str, parent: Category | None, actor: User) -> Category:
    """Add a category (or a sub-category under a main one) at the end of its list."""
    staff_check(actor)
    name = _category_name(name)
    _category_parent_check(None, parent)
    _category_duplicate_check(name, parent)
    base = name
    if (
        parent is not None
        and Category.objects.filter(slug=slug_make(name, max_length=100, fallback="categorie")).exists()
    ):
        base = f"{parent.name} {name}"  # as the seed does: "vetements-femme" beside another "femme"
    category = Category.objects.create(
        name=name,
        parent=parent,
        position=_next_position(parent),
        slug=slug_unique(Category, base, fallback="categorie"),
    )
    audit_record(
        actor=actor, verb="category.create", obj=category, payload={"parent": parent.name if parent is not None else ""}
    )
    return category


@transaction.atomic
def category_update(*, category: Category, name: str, parent: Category | None, actor: User) -> Category:
    """Rename a category and/or move it under another main category (or to the top level)."""
    staff_check(actor)
    name = _category_name(name)
    _category_parent_check(category, parent)
    _category_duplicate_check(name, parent, exclude_pk=category.pk)
    fields = ["name"]
    category.name = name
    if category.parent_id != getattr(parent, "pk", None):
        category.parent, category.position = parent, _next_position(parent)
        fields += ["parent", "position"]
    category.save(update_fields=fields)
    audit_record(
        actor=actor, verb="category.update", obj=category, payload={"parent": parent.name if parent is not None else ""}
    )
    return category


@transaction.atomic
def category_reorder(*, category: Category, direction: str, actor: User) -> None:
    """Move a category one place up or down among its siblings."""
    staff_check(actor)
    if direction not in ("up", "down"):
        return
    siblings = list(
        Category.objects.select_for_update().filter(parent_id=category.parent_id).order_by("position", "name")
    )
    position_move(siblings, category, -1 if direction == "up" else 1)


@transaction.atomic
def category_delete(*, category: Category, actor: User) -> None:
    """Delete an unused category; one that holds products, shops or sub-categories stays."""
    staff_check(actor)
    if category.children.exists():
        raise ValidationError(
            {"__all__": [_("%(name)s has sub-categories: move or delete them first.") % {"name": category.name}]}
        )
    products = Product.objects.filter(category=category).count()
    shops = Shop.objects.filter(category=category).count()
    if products or shops:
        raise ValidationError(
            {
                "__all__": [
                    _(
                        "%(name)s cannot be deleted: %(products)s product(s) and %(shops)s shop(s) use it. Move them to another category first."
                    )
                    % {"name": category.name, "products": products, "shops": shops}
                ]
            }
        )
    audit_record(actor=actor, verb="category.delete", obj=category)
    category.delete()
