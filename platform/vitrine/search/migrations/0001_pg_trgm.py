"""pg_trgm for typo-tolerant suggestions, where the server has it (the embedded one has not).

The extension lives in the public schema, once per database, so every territory's
schema (cloned or migrated) sees it; search works without it (vitrine.search.suggestions).
"""
from django.db import migrations


def pg_trgm_create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')")
        if cursor.fetchone()[0]:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_product_search_vector")]

    operations = [migrations.RunPython(pg_trgm_create, migrations.RunPython.noop, elidable=True)]
