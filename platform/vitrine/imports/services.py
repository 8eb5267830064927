"""Catalogue import: check a spreadsheet, preview every row's errors, then commit it all or nothing.

The file is the truth for the products it names: rows sharing a `reference` (the product's
slug in its shop) are one product, each row one of its variants; a product's columns come
from its first row. Products are only ever looked up in the merchant's own shop.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product, Variant
from vitrine.catalog.services import (
    MAX_STOCK,
    ProductData,
    price_parse,
    product_data_validate,
)
from vitrine.common.pagecache import pages_changed
from vitrine.common.tasks import task_send, task_send_on_commit
from vitrine.common.text import slug_make
from vitrine.imports.models import CatalogImport
from vitrine.imports.spreadsheets import (
    MAX_BYTES,
    PRODUCT_COLUMNS,
    VARIANT_COLUMNS,
    Table,
    TableRejected,
    column_normalise,
    table_read,
)
from vitrine.shops.models import Shop
from vitrine.shops.permissions import shop_member_check

logger = logging.getLogger(__name__)

# Up to this many rows, checking and importing happen in the request; beyond, in Celery tasks.
SYNC_MAX_ROWS = 300
PROGRESS_EVERY = 250
PREVIEW_ROWS = 50  # the products the preview lists one by one; beyond, a count
BATCH = 1000

STATUS_FROM_FILE = {
    "brouillon": Product.Status.DRAFT,
    "publie": Product.Status.PUBLISHED,
    "archive": Product.Status.ARCHIVED,
    "draft": Product.Status.DRAFT,
    "published": Product.Status.PUBLISHED,
    "archived": Product.Status.ARCHIVED,
}
AVAILABILITY_FROM_FILE = {
    "stock": Product.Availability.STOCK,
    "sur_demande": Product.Availability.ON_REQUEST,
    "on_request": Product.Availability.ON_REQUEST,
}
# product_data_validate's field names -> the file's columns
FIELD_COLUMNS = {
    "title": "titre",
    "description": "description",
    "price": "prix",
    "vat_rate": "tva",
    "category": "categorie",
    "status": "statut",
    "availability": "disponibilite",
    "stock": "stock",
    "sku": "sku",
    "variants": "declinaison",
}
PRODUCT_FIELDS = ("title", "description", "price", "vat_rate", "category_id", "status", "availability", "stock", "sku")
COLUMN_ORDER = {name: index for index, name in enumerate(PRODUCT_COLUMNS + VARIANT_COLUMNS)}


@dataclass
class PlannedProduct:
    key: str  # the product's slug in its shop
    row: int  # its first row in the file
    values: dict  # clean product fields (PRODUCT_FIELDS)
    variants: list[dict]  # clean variants: name, price, stock, sku, position
    existing: Product | None
    changed: bool


@dataclass
class ImportPlan:
    products: list[PlannedProduct]
    errors: list[dict]  # {"row", "column", "message"}
    summary: dict
    # The file's first products as the merchant will see them, and how many more: {"products": [{"row",
    # "title", "price", "stock", "category", "variants", "status" ("create", "update", "unchanged"
    # or "error"), "errors"}], "more": n}.
    preview: dict = field(default_factory=dict)


def _folded(text: str) -> str:
    # Spelled as category slugs are (slug_make), so "Bœuf" in a file finds the category "boeuf".
    return slug_make(text, max_length=Category._meta.get_field("slug").max_length or 100, fallback="")


class _Categories:
    """The territory's categories, found by slug or by name (accents and case ignored)."""

    def __init__(self) -> None:
        self.by_slug: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        for pk, slug, name in Category.objects.values_list("pk", "slug", "name"):
            self.by_slug[slug] = pk
            self.by_name.setdefault(_folded(name), []).append(pk)

    def resolve(self, text: str, *, default: int | None) -> tuple[int | None, str]:
        """(category id, "") or (None, a message for the merchant)."""
        if not text:
            return default, ""
        folded = _folded(text)
        if text in self.by_slug or folded in self.by_slug:
            return self.by_slug.get(text) or self.by_slug[folded], ""
        matches = self.by_name.get(folded, [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, _(
                "Several categories are named “%(value)s”: write the identifier of the one you mean "
                "(listed on the import page)."
            ) % {"value": text}
        return None, _("Unknown category “%(value)s”: use one of the categories listed on the import page.") % {
            "value": text
        }


TEXT_LIMITS = {"sku": 64, "declinaison": 80, "sku_declinaison": 64}


def _whole_number(text: str) -> bool:
    try:
        return 0 <= int(text or 0) <= MAX_STOCK
    except ValueError:
        return False


def catalog_import_plan(*, shop: Shop, table: Table, on_progress: Callable[[int], None] | None = None) -> ImportPlan:
    """Check every row of a table against the shop's catalogue; say what an import would do.

    Reads only. Rules are the product form's (product_data_validate); the file adds its own:
    a known category, a known status and availability, one name per variant, no SKU twice.
    """
    errors: list[dict] = []

    def error(row: int, column: str, message: str) -> None:
        errors.append({"row": row, "column": column, "message": message})

    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    preview: list[dict] = []
    unnamed_rows: list[dict] = []  # rows without a reference nor a title: errors of their own
    unnamed = 0
    for number, cells in table.rows:
        key = slug_make(cells["reference"] or cells["titre"], max_length=160, fallback="")
        if not key:
            error(number, "reference", _("Give each row a reference (or at least a title)."))
            unnamed += 1
            if len(unnamed_rows) < PREVIEW_ROWS:
                unnamed_rows.append(_preview_row(number, cells, status="error", errors=[errors[-1]], category=""))
            continue
        groups.setdefault(key, []).append((number, cells))

    categories = _Categories()
    # One query for every product the file names, in this shop only (never another shop's),
    # and one for the shop's products holding the file's SKUs: no query per row.
    existing = {
        product.slug: product
        for product in Product.objects.filter(shop=shop, slug__in=list(groups)).prefetch_related("variants")
    }
    file_skus = {rows[0][1]["sku"].strip() for rows in groups.values()} - {""}
    sku_owners = dict(Product.objects.filter(shop=shop, sku__in=file_skus).values_list("sku", "pk"))
    planned: list[PlannedProduct] = []
    skus: dict[str, int] = {}
    processed = reported = 0
    category_names = dict(Category.objects.values_list("pk", "name")) if groups else {}
    for key, rows in groups.items():
        first_row, first = rows[0]
        variant_errors = False
        errors_before = len(errors)
        for number, cells in rows[1:]:
            for column in PRODUCT_COLUMNS[1:]:
                if cells[column] and cells[column] != first[column]:
                    error(
                        number,
                        column,
                        _("Differs from row %(row)s: a product's columns are read from its first row (%(row)s).")
                        % {"row": first_row},
                    )
        for number, cells in rows:
            for column, limit in TEXT_LIMITS.items():
                if len(cells[column]) > limit:
                    error(number, column, _("At most %(n)s characters.") % {"n": limit})
                    variant_errors = True
        if not _whole_number(first["stock"]):
            error(first_row, "stock", _("The stock is a whole number, 0 or more."))
        variants, names = [], set()
        for number, cells in rows:
            name = cells["declinaison"]
            if not name:
                if len(rows) > 1:
                    error(
                        number,
                        "declinaison",
                        _("Several rows have the reference %(reference)s: give each one a variant name (e.g. Size M).")
                        % {"reference": key},
                    )
                    variant_errors = True
                elif any(cells[column] for column in VARIANT_COLUMNS[1:]):
                    error(number, "declinaison", _("Give the variant a name (e.g. Size M)."))
                    variant_errors = True
                continue
            if name.lower() in names:
                error(number, "declinaison", _("Two variants of this product are named %(name)s.") % {"name": name})
                variant_errors = True
            names.add(name.lower())
            if cells["prix_declinaison"]:
                try:
                    price_parse(cells["prix_declinaison"])
                except ValidationError as exc:
                    error(number, "prix_declinaison", exc.messages[0])
                    variant_errors = True
            if not _whole_number(cells["stock_declinaison"]):
                error(number, "stock_declinaison", _("The stock is a whole number, 0 or more."))
                variant_errors = True
            variants.append(
                {
                    "name": name,
                    "price": cells["prix_declinaison"],
                    "stock": cells["stock_declinaison"] or 0,
                    "sku": cells["sku_declinaison"],
                }
            )

        status = STATUS_FROM_FILE.get(column_normalise(first["statut"]) or "publie")
        if status is None:
            error(
                first_row,
                "statut",
                _("Unknown status “%(value)s”: write brouillon, publie or archive.") % {"value": first["statut"]},
            )
        availability = AVAILABILITY_FROM_FILE.get(column_normalise(first["disponibilite"]) or "stock")
        if availability is None:
            error(
                first_row,
                "disponibilite",
                _("Unknown availability “%(value)s”: write stock or sur_demande.") % {"value": first["disponibilite"]},
            )
        category_id, category_error = categories.resolve(first["categorie"], default=shop.category_id)
        if category_error:
            error(first_row, "categorie", category_error)
        product = existing.get(key)
        # The form's rules, without their two queries per product: the category was found
        # above among all categories and the SKU is checked below against the prefetched
        # ones (the same rules, in two queries for the whole file).
        clean, field_errors = product_data_validate(
            ProductData(
                title=first["titre"],
                price=first["prix"],
                category_id=None,
                description=first["description"],
                vat_rate=first["tva"] or "20",
                status=status or Product.Status.PUBLISHED,
                availability=availability or Product.Availability.STOCK,
                stock=first["stock"] if _whole_number(first["stock"]) else 0,  # said above
                sku="",
                variants=variants,
            ),
            shop=shop,
            exclude_pk=product.pk if product else None,
        )
        field_errors.pop("category", None)
        clean["category_id"], clean["sku"] = category_id, first["sku"].strip()
        for field_name, messages in field_errors.items():
            if field_name == "variants" and variant_errors:
                continue  # already said, row by row
            for message in messages:
                error(first_row, FIELD_COLUMNS.get(field_name, field_name), message)
        sku = clean["sku"]
        if sku:
            owner = sku_owners.get(sku)
            if owner is not None and owner != (product.pk if product else None):
                field_errors["sku"] = [_("Another product of the shop has the reference %(sku)s.") % {"sku": sku}]
                error(first_row, "sku", field_errors["sku"][0])
            elif sku in skus:
                field_errors["sku"] = [_("The SKU %(sku)s is also on row %(row)s.") % {"sku": sku, "row": skus[sku]}]
                error(first_row, "sku", field_errors["sku"][0])
            skus.setdefault(sku, first_row)
        if category_id is None:
            field_errors["category"] = [category_error]
        status_shown = "error"
        if not field_errors:
            values = {name: clean[name] for name in PRODUCT_FIELDS}
            planned.append(
                PlannedProduct(
                    key=key,
                    row=first_row,
                    values=values,
                    variants=clean["variants"],
                    existing=product,
                    changed=_differs(product, values, clean["variants"]),
                )
            )
            status_shown = "create" if product is None else ("update" if planned[-1].changed else "unchanged")
        if len(preview) < PREVIEW_ROWS:
            group_errors = errors[errors_before:]
            preview.append(
                _preview_row(
                    first_row,
                    first,
                    status="error" if group_errors else status_shown,
                    errors=group_errors,
                    category=category_names.get(category_id, first["categorie"]) if category_id else first["categorie"],
                    variants=len(variants),
                    price=clean.get("price"),
                    stock=_stock_shown(first["stock"], variants),
                )
            )
        processed += len(rows)
        if on_progress and processed - reported >= PROGRESS_EVERY:
            on_progress(processed)
            reported = processed

    errors.sort(key=lambda e: (e["row"], COLUMN_ORDER.get(e["column"], 99)))
    create = sum(1 for p in planned if p.existing is None)
    update = sum(1 for p in planned if p.existing is not None and p.changed)
    summary = {
        "rows": len(table.rows),
        "products": len(groups),
        "create": create,
        "update": update,
        "unchanged": len(planned) - create - update,
        "variants": sum(len(p.variants) for p in planned),
    }
    preview = sorted(preview + unnamed_rows, key=lambda item: item["row"])[:PREVIEW_ROWS]
    return ImportPlan(
        products=planned,
        errors=errors,
        summary=summary,
        preview={"products": preview, "more": len(groups) + unnamed - len(preview)},
    )


def _stock_shown(stock: str, variants: list[dict]) -> str:
    """A product's stock as the preview shows it: its variants' together, when it has some."""
    if not variants:
        return stock
    counts = [str(variant["stock"]) for variant in variants]
    return str(sum(int(count) for count in counts)) if all(_whole_number(count) for count in counts) else ""


def _preview_row(
    number: int,
    cells: dict[str, str],
    *,
    status: str,
    errors: list[dict],
    category: str,
    variants: int = 0,
    price: Decimal | None = None,
    stock: str | None = None,
) -> dict:
    """One product of the preview, as the file says it (bounded: it is stored with the import)."""
    return {
        "row": number,
        "title": (cells["titre"] or cells["reference"])[:140],
        # a price read is shown in euros; one that could not be read, as typed
        "price": str(price) if price is not None else "",
        "price_text": "" if price is not None else cells["prix"][:20],
        "stock": (cells["stock"] if stock is None else stock)[:12],
        "category": category[:100],
        "variants": variants,
        "status": status,
        "errors": [{"row": e["row"], "column": e["column"], "message": e["message"][:300]} for e in errors[:5]],
    }


def _differs(product: Product | None, values: dict, variants: list[dict]) -> bool:
    if product is None:
        return True
    if any(getattr(product, name) != value for name, value in values.items()):
        return True
    current = [
        (v.name, v.price, v.stock, v.sku) for v in sorted(product.variants.all(), key=lambda v: (v.position, v.pk))
    ]
    return current != [(v["name"], v["price"], v["stock"], v["sku"]) for v in variants]


def _rows_update(model, objects: list, field_names: list[str]) -> None:
    """Save many rows' fields in one UPDATE ... FROM (VALUES ...) per batch.

    Django's bulk_update writes a CASE WHEN per field with one branch per row, which
    PostgreSQL evaluates row by row: 4,000 products took 20 s; this takes well under one.
    """
    quote = connection.ops.quote_name
    fields = [model._meta.pk] + [model._meta.get_field(name) for name in field_names]
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in fields) + ")"
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields[1:])
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(objects), BATCH):
            chunk = objects[start : start + BATCH]
            params = [
                field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in chunk for field in fields
            ]
            cursor.execute(
                # Identifiers quoted, values all parameters: nothing typed by a person is in the text.
                f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "  # noqa: S608
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v({columns}) WHERE t.{pk} = v.{pk}",
                params,
            )


def _plan_apply(
    *, shop: Shop, plan: ImportPlan, actor: User | None, on_progress: Callable[[int], None] | None = None
) -> None:
    """Write a checked plan with bulk statements (the caller holds the transaction)."""
    now = timezone.now()
    done = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if on_progress:
            on_progress(done)

    to_create = [p for p in plan.products if p.existing is None]
    to_update = [p for p in plan.products if p.existing is not None and p.changed]
    new_variants: list[Variant] = []
    for start in range(0, len(to_create), BATCH):
        chunk = to_create[start : start + BATCH]
        products = Product.objects.bulk_create(
            [
                Product(
                    shop=shop,
                    slug=p.key,
                    created_by=actor,
                    published_at=now if p.values["status"] == Product.Status.PUBLISHED else None,
                    **p.values,
                )
                for p in chunk
            ]
        )
        for planned, product in zip(chunk, products):
            new_variants.extend(Variant(product=product, **variant) for variant in planned.variants)
        advance(sum(max(1, len(p.variants)) for p in chunk))

    changed_variants: list[Variant] = []
    gone_variants: list[int] = []
    for planned in to_update:
        existing = planned.existing
        assert existing is not None  # to_update holds the planned rows that match an existing product
        product = existing
        was_published = product.status == Product.Status.PUBLISHED
        for name, value in planned.values.items():
            setattr(product, name, value)
        if product.status == Product.Status.PUBLISHED and not was_published:
            product.published_at, product.unpublished_reason = now, ""
        product.updated_at = now
        current = {variant.name.lower(): variant for variant in product.variants.all()}
        kept = set()
        for wanted in planned.variants:
            variant = current.get(wanted["name"].lower())
            if variant is None:
                new_variants.append(Variant(product=product, **wanted))
                continue
            kept.add(variant.pk)
            if any(getattr(variant, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(variant, name, value)
                changed_variants.append(variant)
        gone_variants.extend(variant.pk for variant in current.values() if variant.pk not in kept)
    for start in range(0, len(to_update), BATCH):
        chunk = to_update[start : start + BATCH]
        _rows_update(
            Product, [p.existing for p in chunk], [*PRODUCT_FIELDS, "published_at", "unpublished_reason", "updated_at"]
        )
        advance(sum(max(1, len(p.variants)) for p in chunk))
    if gone_variants:
        Variant.objects.filter(pk__in=gone_variants, product__shop=shop).delete()
    if changed_variants:
        _rows_update(Variant, changed_variants, ["name", "price", "stock", "sku", "position"])
    Variant.objects.bulk_create(new_variants, batch_size=BATCH)
    pages_changed()  # bulk statements send no signal: the territory's cached pages are dropped


# --- The import's life: upload, check, confirm, commit -----------------------------------------


def _progress_write(catalog_import: CatalogImport, **fields) -> None:
    """Record progress where the import page sees it at once, even inside an open transaction."""
    alias = settings.PROGRESS_DATABASE
    if alias != DEFAULT_DB_ALIAS:
        connections[alias].set_schema(connection.schema_name)  # type: ignore[attr-defined]  # django-tenants' connection
    fields["updated_at"] = timezone.now()
    CatalogImport.objects.using(alias).filter(pk=catalog_import.pk).update(**fields)
    for name, value in fields.items():
        setattr(catalog_import, name, value)


def _send_on_commit(task, *, import_id: int) -> None:
    # The worker runs it in this territory's schema; with the broker down, imports_resume sends it later.
    task_send_on_commit(task, import_id=import_id)


def _table_of(catalog_import: CatalogImport) -> Table:
    with catalog_import.file.open("rb") as stored:
        return table_read(stored.read())


@transaction.atomic
def catalog_import_start(*, shop: Shop, upload, actor: User) -> CatalogImport:
    """Store an uploaded catalogue and check it (here when small, in a task when large).

    A file that cannot be read as the table (encoding, columns, size) is refused with a
    clear message and nothing is stored.
    """
    # tasks.py imports this module (its tasks run these services): the task is looked up when queued.
    from vitrine.imports.tasks import catalog_import_check_run

    shop_member_check(shop=shop, user=actor)
    if getattr(upload, "size", 0) and upload.size > MAX_BYTES:
        raise ValidationError(
            {"file": [_("The file is too large: at most %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}]}
        )
    upload.seek(0)
    data = upload.read()
    try:
        table = table_read(data)
    except TableRejected as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    catalog_import = CatalogImport(
        shop=shop,
        format=table.format,
        original_name=(upload.name or "")[:255],
        total_rows=len(table.rows),
        created_by=actor,
    )
    catalog_import.file.save(f"{shop.pk}-{uuid.uuid4().hex}.{table.format}", ContentFile(data), save=False)
    catalog_import.save()
    if len(table.rows) <= SYNC_MAX_ROWS:
        _check(catalog_import, table=table)
    else:
        _send_on_commit(catalog_import_check_run, import_id=catalog_import.pk)
    return catalog_import


def _check(catalog_import: CatalogImport, *, table: Table | None = None, report_progress: bool = False) -> None:
    try:
        table = table or _table_of(catalog_import)
    except TableRejected as exc:  # the stored file changed or a rule tightened since the upload
        plan = ImportPlan(products=[], errors=[{"row": 0, "column": "", "message": str(exc)}], summary={})
    else:
        progress = (lambda n: _progress_write(catalog_import, processed_rows=n)) if report_progress else None
        plan = catalog_import_plan(shop=catalog_import.shop, table=table, on_progress=progress)
    catalog_import.status = CatalogImport.Status.INVALID if plan.errors else CatalogImport.Status.VALIDATED
    catalog_import.errors, catalog_import.summary = plan.errors, plan.summary
    catalog_import.preview = plan.preview
    catalog_import.processed_rows = catalog_import.total_rows
    catalog_import.save(update_fields=["status", "errors", "summary", "preview", "processed_rows", "updated_at"])


def catalog_import_check_job(*, import_id: int) -> None:
    """Check a large upload (the Celery task's body); safe to run twice."""
    claimed = CatalogImport.objects.filter(
        pk=import_id, status__in=[CatalogImport.Status.UPLOADED, CatalogImport.Status.VALIDATING]
    ).update(status=CatalogImport.Status.VALIDATING, processed_rows=0, updated_at=timezone.now())
    if not claimed:
        return  # already checked: a redelivered message changes nothing
    catalog_import = CatalogImport.objects.select_related("shop").get(pk=import_id)
    _check(catalog_import, report_progress=True)


@transaction.atomic
def catalog_import_confirm(*, catalog_import: CatalogImport, actor: User) -> CatalogImport:
    """The merchant confirms a checked import: commit it now (small) or in a task (large)."""
    # tasks.py imports this module (its tasks run these services): the task is looked up when queued.
    from vitrine.imports.tasks import catalog_import_commit_run

    shop_member_check(shop=catalog_import.shop, user=actor)
    locked = CatalogImport.objects.select_for_update().select_related("shop").get(pk=catalog_import.pk)
    if locked.status in (CatalogImport.Status.IMPORTING, CatalogImport.Status.DONE):
        return locked  # a second click
    if locked.status != CatalogImport.Status.VALIDATED:
        raise ValidationError(_("This file cannot be imported: correct its errors and send it again."))
    locked.status, locked.confirmed_by, locked.processed_rows = CatalogImport.Status.IMPORTING, actor, 0
    locked.save(update_fields=["status", "confirmed_by", "processed_rows", "updated_at"])
    if locked.total_rows <= SYNC_MAX_ROWS:
        _commit(locked)
    else:
        _send_on_commit(catalog_import_commit_run, import_id=locked.pk)
    return locked


class _StillInvalid(Exception):
    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan


def _commit(catalog_import: CatalogImport, *, report_progress: bool = False) -> None:
    """Check again against the catalogue as it is now, then write everything or nothing."""
    total = catalog_import.total_rows or 1

    def progress(share: float) -> Callable[[int], None] | None:
        if not report_progress:
            return None
        offset = 0 if share == 0 else total // 2
        return lambda n: _progress_write(catalog_import, processed_rows=min(total, offset + n // 2))

    actor = catalog_import.confirmed_by or catalog_import.created_by
    try:
        table = _table_of(catalog_import)
        with transaction.atomic():
            plan = catalog_import_plan(shop=catalog_import.shop, table=table, on_progress=progress(0))
            if plan.errors:
                raise _StillInvalid(plan)
            _plan_apply(shop=catalog_import.shop, plan=plan, actor=actor, on_progress=progress(0.5))
            catalog_import.status, catalog_import.summary = CatalogImport.Status.DONE, plan.summary
            catalog_import.processed_rows, catalog_import.finished_at = catalog_import.total_rows, timezone.now()
            catalog_import.errors = []
            catalog_import.save(
                update_fields=["status", "summary", "processed_rows", "finished_at", "errors", "updated_at"]
            )
    except (_StillInvalid, TableRejected) as exc:
        plan = (
            exc.plan
            if isinstance(exc, _StillInvalid)
            else ImportPlan([], [{"row": 0, "column": "", "message": str(exc)}], {})
        )
        catalog_import.status, catalog_import.errors = CatalogImport.Status.INVALID, plan.errors
        catalog_import.summary, catalog_import.preview = plan.summary, plan.preview
        catalog_import.save(update_fields=["status", "errors", "summary", "preview", "updated_at"])


def _import_lock(import_id: int) -> bool:
    """One worker at a time per import (a redelivered message may arrive while the first runs)."""
    schema_key = zlib.crc32(connection.schema_name.encode()) - 2**31  # type: ignore[attr-defined]  # django-tenants' connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [schema_key, import_id % 2**31])
        return cursor.fetchone()[0]


def catalog_import_commit_job(*, import_id: int) -> None:
    """Commit a confirmed large import (the Celery task's body); safe to run twice."""
    try:
        with transaction.atomic():
            if not _import_lock(import_id):
                return
            catalog_import = (
                CatalogImport.objects.select_related("shop", "confirmed_by", "created_by")
                .filter(pk=import_id, status=CatalogImport.Status.IMPORTING)
                .first()
            )
            if catalog_import is None:
                return  # done already, or never confirmed
            _commit(catalog_import, report_progress=True)
    except Exception:
        logger.exception("Catalogue import %s failed", import_id)
        CatalogImport.objects.filter(pk=import_id, status=CatalogImport.Status.IMPORTING).update(
            status=CatalogImport.Status.FAILED,
            updated_at=timezone.now(),
            errors=[
                {
                    "row": 0,
                    "column": "",
                    "message": _(
                        "Unexpected error: nothing was imported. The platform team has the details; try again later."
                    ),
                }
            ],
        )
        raise


def catalog_imports_resume(*, stale_after: timedelta | None = None) -> list[int]:
    """Send again the large imports whose task was lost; return their ids.

    A worker killed mid-import rolls its transaction back and leaves the import
    "importing" (or "checking") with no task in the queue; a broker that was
    down at upload time never got the task. Such an import stops recording
    progress, so one quiet for `stale_after` is sent again: the jobs take an
    advisory lock and claim their row, so an import still running is left alone.
    """
    # tasks.py imports this module (its tasks run these services): the tasks are looked up when sent.
    from vitrine.imports.tasks import catalog_import_check_run, catalog_import_commit_run

    quiet_since = timezone.now() - (stale_after or timedelta(seconds=settings.VITRINE_IMPORT_STALE_SECONDS))
    stale = CatalogImport.objects.filter(updated_at__lt=quiet_since, total_rows__gt=SYNC_MAX_ROWS)
    resumed = []
    for import_id, status in stale.filter(
        status__in=[CatalogImport.Status.UPLOADED, CatalogImport.Status.VALIDATING, CatalogImport.Status.IMPORTING]
    ).values_list("pk", "status"):
        task = catalog_import_commit_run if status == CatalogImport.Status.IMPORTING else catalog_import_check_run
        if task_send(task, import_id=import_id):
            resumed.append(import_id)
    if resumed:
        logger.warning("Catalogue imports %s had lost their task: sent again", resumed)
    return resumed
