"""Category and shop names as French text-search vectors, accents folded, under GIN indexes.

A search matches its words against every category's and approved shop's name; without
these indexes it folded and parsed every name of the territory on every search (2.5 ms
for 300 shops). The expressions are vitrine.search.sql's CATEGORY_NAME_VECTOR and
SHOP_NAME_VECTOR, letter for letter, or the planner cannot use them (a test checks it).
Raw SQL: the search owns these expressions, not the catalogue's or the shops' models.
"""
from django.db import migrations

FOLDED_NAME = (
    "lower(translate(replace(replace(replace(replace(name, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'),"
    " 'àâäáãåçéèêëîïíìôöóòõùûüúÿýñÀÂÄÁÃÅÇÉÈÊËÎÏÍÌÔÖÓÒÕÙÛÜÚŸÝÑ', 'aaaaaaceeeeiiiiooooouuuuyynAAAAAACEEEEIIIIOOOOOUUUUYYN'))"
)


def _index(name: str, table: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"CREATE INDEX {name} ON {table} USING gin (to_tsvector('french', {FOLDED_NAME})) WITH (fastupdate = off)",
        f"DROP INDEX IF EXISTS {name}",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_pg_trgm"),
        ("catalog", "0006_search_indexes"),
        ("shops", "0001_initial"),
    ]

    operations = [
        # When a new territory is migrated in one transaction, the categories seeded by
        # catalog 0003 still have deferred foreign-key checks pending, and PostgreSQL
        # refuses CREATE INDEX on a table with pending trigger events: run them now, and
        # defer Django's foreign keys again afterwards (they are all INITIALLY DEFERRED).
        migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", migrations.RunSQL.noop),
        _index("search_category_name_vector", "catalog_category"),
        _index("search_shop_name_vector", "shops_shop"),
        migrations.RunSQL("SET CONSTRAINTS ALL DEFERRED", migrations.RunSQL.noop),
    ]
