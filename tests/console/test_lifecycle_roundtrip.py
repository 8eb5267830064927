"""A territory's archive round trip: export it, restore it under a new identifier, every page still there.

Committed (pg_dump reads the database from its own process): each test deletes what it made.
"""

import csv
import hashlib
import io
import json
import tarfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists, tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, ProductPhoto
from vitrine.common.cache import territory_keys_delete
from vitrine.common.pagecache import GENERATION_KEY, pages_generation
from vitrine.console.lifecycle import (
    ArchiveError,
    schema_sql_rewrite,
    territory_delete,
    territory_export,
    territory_restore,
)
from vitrine.console.services import console_user_delete
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.links import order_link_token
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots
from vitrine.payments.inbox.models import StripeAccountRoute
from vitrine.tenancy.models import AuditEntry, Domain, Territory, TerritoryExport
from vitrine.testing.factories import ProductFactory, shop_open_every_day
from vitrine.testing.helpers import TEST_VAR, host_client, image_bytes
from vitrine.testing.territories import territory_make


def _operator() -> User:
    connection.set_schema_to_public()
    return User.objects.create_superuser(email=f"op-{uuid.uuid4().hex[:8]}@vitrine.example.fr", password="x")


def _world(slug: str) -> dict:
    """A territory with a shop, a product with its photo (and a rendition), and an order."""
    territory = territory_make(slug, name=f"Marché de {slug.title()}", primary_color="#7a1f3d")
    with tenant_context(territory):
        shop = shop_open_every_day(name="Bijouterie Stanislas")
        product = ProductFactory(shop=shop, title="Bague en argent", stock=5)
        original = default_storage.save("products/bague/bague.png", ContentFile(image_bytes(80, 60)))
        rendition = default_storage.save("products/bague/bague-320.webp", ContentFile(b"RIFF-webp-bytes"))
        ProductPhoto.objects.create(
            product=product,
            image=original,
            width=80,
            height=60,
            renditions={"320": {"name": rendition, "width": 320, "height": 240}},
        )
        cart = Cart.objects.create()
        cart_add(cart=cart, product_id=product.pk, quantity=1)
        (order,) = order_place(
            cart=cart,
            guest=Guest(name="Claire Blaison", email="claire@example.fr", phone="0612345678"),
            slots={shop.pk: checkout_slots(shop=shop)[0].starts_at},
            idempotency_key=uuid.uuid4(),
        )
    connection.set_schema_to_public()
    StripeAccountRoute.objects.create(account_id=f"acct_{slug}", schema_name=slug, shop_id=shop.pk)
    return {"territory": territory, "shop": shop, "product": product, "order": order, "photo": original}


def _another_order(world: dict) -> None:
    """A second guest order of the world's product, in the current territory."""
    cart = Cart.objects.create()
    cart_add(cart=cart, product_id=world["product"].pk, quantity=1)
    order_place(
        cart=cart,
        guest=Guest(name="Paul Henry", email="paul@example.fr", phone="0612345679"),
        slots={world["shop"].pk: checkout_slots(shop=world["shop"])[0].starts_at},
        idempotency_key=uuid.uuid4(),
    )


def _export_ready(territory: Territory) -> None:
    """An export made since the territory was archived, as deleting it for good requires."""
    TerritoryExport.objects.create(
        territory=territory, slug=territory.schema_name, status=TerritoryExport.Status.SUCCEEDED
    )


def _cleanup(*slugs: str, archives: list[Path] = ()) -> None:
    connection.set_schema_to_public()
    operator = _operator()
    for slug in slugs:
        territory = Territory.objects.filter(schema_name=slug).first()
        if territory is not None:
            Territory.objects.filter(pk=territory.pk).update(
                status=Territory.Status.ARCHIVED, archived_at=timezone.now() - timedelta(days=365)
            )
            territory.refresh_from_db()
            _export_ready(territory)
            territory_delete(territory=territory, actor=operator, confirmation=slug, keep_exports=False)
    console_user_delete(user=operator)
    AuditEntry.objects.filter(details__slug__in=list(slugs)).delete()
    for archive in archives:
        Path(archive).unlink(missing_ok=True)


def _pages(host: str, world: dict, token: str) -> dict[str, str]:
    client = host_client(host)
    shop, product = world["shop"], world["product"]
    pages = {}
    for key, url in {
        "home": "/",
        "storefront": f"/boutiques/{shop.slug}/",
        "product": f"/boutiques/{shop.slug}/{product.slug}/",
        "order": f"/commande/{token}/",
    }.items():
        response = client.get(url)
        assert response.status_code == 200, (host, url, response.status_code)
        pages[key] = response.content.decode()
    return pages


def test_export_then_restore_under_a_new_slug_keeps_every_page_order_and_photo(committed, tmp_path):
    # given a territory with a shop, a product with its photo and an order
    world = _world("rtsource")
    archive = None
    try:
        source = world["territory"]
        with tenant_context(source):
            source_token = order_link_token(order=world["order"])
        before = _pages("rtsource.localhost", world, source_token)

        # when it is exported
        result = territory_export(territory=source, out_dir=tmp_path)
        archive = result.path

        # then the archive holds the manifest, the README, every table as CSV, the dump and the media
        with tarfile.open(archive) as tar:
            names = set(tar.getnames())
            manifest = json.loads(tar.extractfile("manifest.json").read())
            readme = tar.extractfile("README.txt").read().decode()
            orders_csv = list(csv.DictReader(io.StringIO(tar.extractfile("data/orders_order.csv").read().decode())))
            sql = tar.extractfile("schema.sql").read().decode()
        assert {"manifest.json", "README.txt", "schema.sql", "data/catalog_product.csv"} <= names
        assert f"media/{world['photo']}" in names and "public/tenancy_territory.json" in names
        assert manifest["territory"]["slug"] == "rtsource" and manifest["tables"]["orders_order"]["rows"] == 1
        assert manifest["public"]["payments_inbox_stripeaccountroute"] == 1
        assert ["orders", "0001_initial"] in manifest["migrations"]
        assert "data/orders_order.csv (1 lignes)" in readme and "pickup_code" in readme
        assert (
            orders_csv[0]["customer_name"] == "Claire Blaison"
            and orders_csv[0]["pickup_code"] == world["order"].pickup_code
        )
        assert "CREATE TABLE rtsource.orders_order" in sql

        # when it is restored under a new identifier with a custom domain
        restored = territory_restore(archive_path=archive, slug="rtcopy", domains=["achetez.rtcopy.example.fr"])

        # then the new host answers every page with the same content
        assert restored.name == "Marché de Rtsource" and restored.primary_color == "#7a1f3d"
        assert set(restored.domains.values_list("domain", flat=True)) == {
            "rtcopy.localhost",
            "achetez.rtcopy.example.fr",
        }
        with tenant_context(restored):
            order = Order.objects.get()
            assert (order.pickup_code, order.customer_name) == (world["order"].pickup_code, "Claire Blaison")
            photo = ProductPhoto.objects.get()
            token = order_link_token(order=order)
        assert photo.image.name == "rtcopy/" + world["photo"].removeprefix("rtsource/")
        assert photo.renditions["320"]["name"].startswith("rtcopy/products/bague/")
        after = _pages("rtcopy.localhost", world, token)
        assert after["home"].count("Bijouterie Stanislas") == before["home"].count("Bijouterie Stanislas")
        for key in ("storefront", "product"):
            assert "Bague en argent" in after[key] and "24,90" in after[key]
        rendition = photo.renditions["320"]["name"]
        assert f"/media/{rendition}" in after["product"]
        assert f"/media/{rendition}".replace("rtcopy/", "rtsource/", 1) in before["product"]
        assert world["order"].pickup_code in after["order"] and "Bague en argent" in after["order"]
        client = host_client("rtcopy.localhost")
        media = client.get(f"/media/{photo.image.name}")
        assert media.status_code == 200 and b"".join(media.streaming_content) == image_bytes(80, 60)
        # the restored photo is its own file: nothing of the original's prefix is served on the new host
        assert client.get(f"/media/{world['photo']}").status_code == 404
        with tenant_context(restored):  # sequences carried over: a new order gets a new id
            _another_order(world)
            assert Order.objects.count() == 2
        # and the original is untouched
        assert _pages("rtsource.localhost", world, source_token)["product"].count("Bague en argent") >= 1
        with tenant_context(source):
            assert Order.objects.count() == 1
        connection.set_schema_to_public()
        assert StripeAccountRoute.objects.get(account_id="acct_rtsource").schema_name == "rtsource"
        assert AuditEntry.objects.filter(action="territory.restore", territory=restored).exists()
    finally:
        _cleanup("rtsource", "rtcopy", archives=[archive] if archive else [])
    assert not schema_exists("rtcopy") and not default_storage.exists(world["photo"])


def test_a_restore_refused_or_failing_midway_leaves_nothing_behind(committed, tmp_path, monkeypatch):
    world = _world("rtfail")
    try:
        archive = territory_export(territory=world["territory"], out_dir=tmp_path).path

        # an identifier already taken: refused
        with pytest.raises(ArchiveError, match="déjà utilisé par le territoire"):
            territory_restore(archive_path=archive, slug="nancy")

        # an archive from a newer Vitrine (a migration this code does not know): refused
        newer = tmp_path / "newer.tar.gz"
        _archive_rewrite(archive, newer, lambda m: m["migrations"].append(["orders", "9999_from_the_future"]))
        with pytest.raises(ArchiveError, match="plus récente"):
            territory_restore(archive_path=newer, slug="rtfailcopy")

        # a damaged file (its checksum no longer matches): refused
        damaged = tmp_path / "damaged.tar.gz"
        _archive_rewrite(archive, damaged, None, replace={"data/orders_order.csv": b"id\n"})
        with pytest.raises(ArchiveError, match="endommagé"):
            territory_restore(archive_path=damaged, slug="rtfailcopy")

        # a failure after the schema, the rows and the media were written: all undone
        def boom(**kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr("vitrine.console.lifecycle.console_log_record", boom)
        with pytest.raises(RuntimeError):
            territory_restore(archive_path=archive, slug="rtfailcopy")
        connection.set_schema_to_public()
        assert not schema_exists("rtfailcopy")
        assert not Territory.objects.filter(schema_name="rtfailcopy").exists()
        assert not Domain.objects.filter(domain="rtfailcopy.localhost").exists()
        assert not default_storage.exists("rtfailcopy/" + world["photo"].removeprefix("rtfail/"))
        monkeypatch.undo()

        # and the same archive restores afterwards
        restored = territory_restore(archive_path=archive, slug="rtfailcopy")
        assert host_client("rtfailcopy.localhost").get("/").status_code == 200
        assert restored.schema_name == "rtfailcopy"
    finally:
        _cleanup("rtfail", "rtfailcopy")


def _archive_rewrite(source: Path, target: Path, change_manifest, replace: dict | None = None) -> None:
    """A copy of an archive with its manifest changed (checksums kept) or files replaced."""
    with tarfile.open(source) as tar_in, tarfile.open(target, "w:gz") as tar_out:
        for member in tar_in.getmembers():
            data = tar_in.extractfile(member).read()
            if member.name == "manifest.json" and change_manifest:
                manifest = json.loads(data)
                change_manifest(manifest)
                data = json.dumps(manifest).encode()
            if replace and member.name in replace:
                data = replace[member.name]
            member.size = len(data)
            tar_out.addfile(member, io.BytesIO(data))


def test_schema_sql_rewrite_renames_statements_never_rows_and_refuses_other_statements():
    dump = "\n".join(
        [
            "\\restrict abc",
            "SELECT pg_catalog.set_config('search_path', '', false);",
            "CREATE SCHEMA nancy;",
            "CREATE TABLE nancy.shops_shop (",
            "    id bigint NOT NULL,",
            "    name character varying(120) NOT NULL",
            ");",
            "COPY nancy.shops_shop (id, name) FROM stdin;",
            "1\tnancy.fleurs; rue de nancy.",
            "\\.",
            "SELECT pg_catalog.setval('nancy.shops_shop_id_seq', 1, true);",
            "ALTER TABLE ONLY nancy.shops_shop ADD CONSTRAINT x FOREIGN KEY (id) REFERENCES nancy.shops_shop(id);",
            "\\unrestrict abc",
        ]
    )
    statements = list(schema_sql_rewrite(dump, old="nancy", new="metz"))
    assert statements[1] == ('CREATE SCHEMA "metz";', None)
    assert statements[2][0].startswith('CREATE TABLE "metz".shops_shop (')
    assert statements[3] == ('COPY "metz".shops_shop (id, name) FROM stdin;', b"1\tnancy.fleurs; rue de nancy.\n")
    assert statements[4][0] == "SELECT pg_catalog.setval('\"metz\".shops_shop_id_seq', 1, true);"
    assert 'REFERENCES "metz".shops_shop(id)' in statements[5][0]
    with pytest.raises(ArchiveError, match="jamais"):
        list(schema_sql_rewrite("DROP SCHEMA public CASCADE;", old="nancy", new="metz"))
    with pytest.raises(ArchiveError, match="autre schéma"):
        list(schema_sql_rewrite("CREATE SCHEMA evil;", old="nancy", new="metz"))


def test_commands_export_and_restore_and_say_why_they_refuse(committed, tmp_path, capsys):
    world = _world("rtcmd")
    try:
        call_command("territory_export", "rtcmd", "--out", str(tmp_path))
        out = capsys.readouterr().out
        assert "Exported Marché de Rtcmd (rtcmd)" in out
        (archive,) = tmp_path.glob("rtcmd-*.tar.gz")
        call_command("territory_restore", str(archive), "--slug", "rtcmdcopy", "--name", "Copie")
        assert "Restored Copie as rtcmdcopy at rtcmdcopy.localhost" in capsys.readouterr().out
        with pytest.raises(CommandError, match="Nothing was restored: .*déjà utilisé"):
            call_command("territory_restore", str(archive), "--slug", "rtcmdcopy")
        with pytest.raises(CommandError, match="No territory"):
            call_command("territory_export", "nowhere")
        assert world["territory"].schema_name == "rtcmd"
    finally:
        _cleanup("rtcmd", "rtcmdcopy")
    assert settings.VITRINE_EXPORTS_DIR.startswith(str(TEST_VAR))


def test_deleting_needs_archive_grace_and_typed_slug(committed):
    world = _world("rtdel")
    operator = _operator()
    try:
        territory = world["territory"]
        with pytest.raises(ValidationError, match="Seul un territoire archivé"):
            territory_delete(territory=territory, actor=operator, confirmation="rtdel")
        Territory.objects.filter(pk=territory.pk).update(status="archived", archived_at=timezone.now())
        territory.refresh_from_db()
        with pytest.raises(ValidationError, match="délai de grâce"):
            territory_delete(territory=territory, actor=operator, confirmation="rtdel")
        Territory.objects.filter(pk=territory.pk).update(archived_at=timezone.now() - timedelta(days=31))
        territory.refresh_from_db()
        with pytest.raises(ValidationError, match="Saisissez l'identifiant"):
            territory_delete(territory=territory, actor=operator, confirmation="rtdelx")
        # nor without an export made since it was archived (its data would be lost)
        with pytest.raises(ValidationError, match="Aucun export fait depuis l’archivage"):
            territory_delete(territory=territory, actor=operator, confirmation="rtdel")
        assert schema_exists("rtdel")
    finally:
        console_user_delete(user=operator)
        _cleanup("rtdel")


@pytest.mark.skipif(not settings.REDIS_URL, reason="the file cache (no REDIS_URL) hashes its keys: nothing to purge")
def test_a_territory_deleted_for_good_leaves_no_key_in_redis(committed):
    # given a territory with values cached, rate-limit counters and a pages generation in Redis, as Nancy has
    world = _world("rtkeys")
    territory = world["territory"]
    for schema in ("rtkeys", "nancy"):
        with schema_context(schema):
            caches["default"].set("search:words", ["bague"], 600)
            caches["throttle"].set("rl:sign-in:203.0.113.9", 3, 600)
        pages_generation(schema)
    client = caches["default"]._cache.get_client(write=True)
    assert len(list(client.scan_iter(match="rtkeys:*"))) >= 2
    # when it is deleted for good
    Territory.objects.filter(pk=territory.pk).update(status="archived", archived_at=timezone.now() - timedelta(days=31))
    territory.refresh_from_db()
    _export_ready(territory)
    operator = _operator()
    try:
        territory_delete(territory=territory, actor=operator, confirmation="rtkeys")

        # then none of its keys is left, and Nancy keeps hers
        assert list(client.scan_iter(match="rtkeys:*")) == []
        assert caches["shared"].get(GENERATION_KEY.format(schema="rtkeys")) is None
        with schema_context("nancy"):
            assert caches["default"].get("search:words") == ["bague"]
            assert caches["throttle"].get("rl:sign-in:203.0.113.9") == 3
        assert caches["shared"].get(GENERATION_KEY.format(schema="nancy")) is not None
        # and a schema named like the platform-wide keys' prefix takes none of them
        territory_keys_delete("shared")
        assert caches["shared"].get(GENERATION_KEY.format(schema="nancy")) is not None
    finally:
        console_user_delete(user=operator)
        _cleanup("rtkeys")
        with schema_context("nancy"):
            caches["default"].delete("search:words")
            caches["throttle"].delete("rl:sign-in:203.0.113.9")


def _csv_replaced(source: Path, target: Path, name: str, data: bytes, rows: int = 0) -> None:
    """The archive with one data file replaced, its checksum (and row count) updated as if genuine."""
    table = name.removeprefix("data/").removesuffix(".csv")

    def change(manifest: dict) -> None:
        manifest["files"][name] = hashlib.sha256(data).hexdigest()
        manifest["tables"][table]["rows"] += rows

    _archive_rewrite(source, target, change, replace={name: data})


def _older_archive(source: Path, target: Path, slug: str) -> None:
    """The archive as a Vitrine without imports.0002_catalogimport_preview would have made it."""
    with tarfile.open(source) as tar_in:
        files = {m.name: tar_in.extractfile(m).read() for m in tar_in.getmembers()}
    manifest = json.loads(files["manifest.json"])
    lines, out, table = files["schema.sql"].decode().split("\n"), [], None
    for line in lines:
        if line.startswith(f"CREATE TABLE {slug}.imports_catalogimport ("):
            table = []
        if table is not None:
            table.append(line)
            if line == ");":
                columns = [c for c in table[1:-1] if not c.strip().startswith("preview ")]
                columns[-1] = columns[-1].rstrip(",")
                out += [table[0], *columns, ");"]
                table = None
            continue
        if line.startswith(f"COPY {slug}.imports_catalogimport ("):
            line = line.replace(", preview)", ")")
        if "\timports\t0002_catalogimport_preview\t" in line:
            continue
        out.append(line)
    files["schema.sql"] = "\n".join(out).encode()
    manifest["migrations"].remove(["imports", "0002_catalogimport_preview"])
    manifest["tables"]["django_migrations"]["rows"] -= 1
    manifest["files"]["schema.sql"] = hashlib.sha256(files["schema.sql"]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(target, "w:gz") as tar_out:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar_out.addfile(info, io.BytesIO(data))


def test_an_archive_from_an_older_vitrine_is_restored_then_migrated_forward(committed, tmp_path):
    world = _world("rtold")
    try:
        archive = territory_export(territory=world["territory"], out_dir=tmp_path).path
        older = tmp_path / "older.tar.gz"
        _older_archive(archive, older, "rtold")

        restored = territory_restore(archive_path=older, slug="rtoldcopy")

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns "
                "WHERE table_schema = 'rtoldcopy' AND table_name = 'imports_catalogimport' AND column_name = 'preview'"
            )
            assert cursor.fetchone()[0] == 1
            cursor.execute(
                "SELECT count(*) FROM rtoldcopy.django_migrations WHERE app = 'imports' AND name = '0002_catalogimport_preview'"
            )
            assert cursor.fetchone()[0] == 1
        assert host_client("rtoldcopy.localhost").get(f"/boutiques/{world['shop'].slug}/").status_code == 200
        assert restored.schema_name == "rtoldcopy"
    finally:
        _cleanup("rtold", "rtoldcopy")


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE rtx.shops_shop OWNER TO vitrine; UPDATE public.accounts_user SET is_superuser = true;",
        "COPY public.accounts_user (id, email) FROM stdin;",
        "CREATE TABLE limoges.shops_shop (id bigint);",
        'CREATE INDEX i ON "nancy".orders_order USING btree (id);',
        "ALTER TABLE ONLY rtx.t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES public.accounts_user(id);",
        "CREATE TABLE rtx.t (a text DEFAULT $$x$$); DROP SCHEMA nancy CASCADE;",
    ],
)
def test_an_archive_that_would_touch_anything_but_its_own_schema_is_refused(statement):
    """schema.sql is data from a file: one statement each, on the restored schema's objects only."""
    with pytest.raises(ValidationError, match="jamais"):
        list(schema_sql_rewrite(statement, old="rtx", new="rtxcopy"))


def test_a_dumps_own_statements_pass_with_their_strings_and_quoted_names():
    sql = (
        "CREATE TABLE rtx.t (\n    a text DEFAULT 'a;b''c'::text,\n    \"x.y\" integer\n);\n"
        "COMMENT ON TABLE rtx.t IS 'public.nothing; here';\n"
        "SELECT pg_catalog.setval('rtx.t_id_seq', 3, true);\n"
    )
    statements = [statement for statement, _data in schema_sql_rewrite(sql, old="rtx", new="rtxcopy")]
    assert len(statements) == 3 and all('"rtxcopy".' in s or "rtxcopy" in s for s in statements)


def test_an_archive_made_without_pg_dump_is_restored_from_its_csv_files(committed, tmp_path, monkeypatch):
    # given a territory exported where no pg_dump could be found
    world = _world("rtcsv")
    try:
        source = world["territory"]
        with tenant_context(source):
            source_token = order_link_token(order=world["order"])
        before = _pages("rtcsv.localhost", world, source_token)
        monkeypatch.setattr("vitrine.console.lifecycle.pg_dump_path", lambda: None)
        result = territory_export(territory=source, out_dir=tmp_path)
        monkeypatch.undo()
        with tarfile.open(result.path) as tar:
            assert "schema.sql" not in tar.getnames()
            assert "ABSENT" in tar.extractfile("README.txt").read().decode()

        # when it is restored under a new identifier
        restored = territory_restore(archive_path=result.path, slug="rtcsvcopy")

        # then every row came back from the CSV files: the order, its code, the photo, the seeded categories
        with tenant_context(restored):
            order = Order.objects.get()
            assert (order.pickup_code, order.customer_name) == (world["order"].pickup_code, "Claire Blaison")
            assert ProductPhoto.objects.get().image.name.startswith("rtcsvcopy/products/bague/")
            token = order_link_token(order=order)
        with tenant_context(source):
            categories = sorted(Category.objects.values_list("pk", "slug"))
        with tenant_context(restored):
            assert sorted(Category.objects.values_list("pk", "slug")) == categories
        # and every page answers as on the original, the search too (its generated column computed again)
        after = _pages("rtcsvcopy.localhost", world, token)
        assert after["home"].count("Bijouterie Stanislas") == before["home"].count("Bijouterie Stanislas")
        assert "Bague en argent" in after["product"] and world["order"].pickup_code in after["order"]
        search = host_client("rtcsvcopy.localhost").get("/recherche/", {"q": "bague"})
        assert search.status_code == 200 and "Bague en argent" in search.content.decode()
        # and the sequences were moved past the rows: a new order gets a new id
        with tenant_context(restored):
            _another_order(world)
            assert Order.objects.count() == 2

        # but the same archive said to come from an older Vitrine is refused, nothing made
        older = tmp_path / "older-csv.tar.gz"
        _archive_rewrite(
            result.path, older, lambda m: m["migrations"].remove(["imports", "0002_catalogimport_preview"])
        )
        with pytest.raises(ArchiveError, match="schema.sql"):
            territory_restore(archive_path=older, slug="rtcsvold")
        assert not schema_exists("rtcsvold") and not Territory.objects.filter(schema_name="rtcsvold").exists()
        # and so is one whose file has a column the table does not have
        renamed = tmp_path / "renamed-csv.tar.gz"
        with tarfile.open(result.path) as tar:
            shops = tar.extractfile("data/shops_shop.csv").read().replace(b"name", b"nom", 1)
        _archive_rewrite(
            result.path,
            renamed,
            lambda m: m["files"].update({"data/shops_shop.csv": hashlib.sha256(shops).hexdigest()}),
            replace={"data/shops_shop.csv": shops},
        )
        with pytest.raises(ArchiveError, match="nom"):
            territory_restore(archive_path=renamed, slug="rtcsvbad")
        assert not schema_exists("rtcsvbad")
        # and one whose rows point at nothing (the shop's row gone, its products and order left)
        with tarfile.open(result.path) as tar:
            shops = tar.extractfile("data/shops_shop.csv").read().decode().splitlines(keepends=True)
        assert len(shops) == 2  # the header and the shop
        _csv_replaced(result.path, tmp_path / "broken-csv.tar.gz", "data/shops_shop.csv", shops[0].encode(), rows=-1)
        with pytest.raises(ArchiveError, match="ne tiennent pas ensemble"):
            territory_restore(archive_path=tmp_path / "broken-csv.tar.gz", slug="rtcsvbad")
        # and one whose record of applied migrations was changed in its file but not in its manifest
        with tarfile.open(result.path) as tar:
            applied = tar.extractfile("data/django_migrations.csv").read().decode().splitlines(keepends=True)
        forged = "".join(line for line in applied if "0002_catalogimport_preview" not in line).encode()
        _csv_replaced(result.path, tmp_path / "forged-csv.tar.gz", "data/django_migrations.csv", forged, rows=-1)
        with pytest.raises(ArchiveError, match="migrations appliquées"):
            territory_restore(archive_path=tmp_path / "forged-csv.tar.gz", slug="rtcsvbad")
        assert not schema_exists("rtcsvbad") and not Territory.objects.filter(schema_name="rtcsvbad").exists()
    finally:
        _cleanup("rtcsv", "rtcsvcopy", "rtcsvold", "rtcsvbad")
