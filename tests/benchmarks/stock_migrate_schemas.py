"""django-tenants' own migrate_schemas, as a command line: the "before" of test_migrate_schemas_scale.py.

`python tests/benchmarks/stock_migrate_schemas.py [options]` runs it exactly as
`manage.py migrate_schemas` would (argument parsing, system checks, each schema's
migrate), on the database of DATABASE_URL; Vitrine's command of the same name is
not involved.
"""

import os
import sys

import django

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vitrine.config.django.test")
    django.setup()
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

    MigrateSchemasCommand().run_from_argv(["manage.py", "migrate_schemas", *sys.argv[1:]])
