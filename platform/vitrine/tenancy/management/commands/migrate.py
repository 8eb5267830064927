"""`migrate` is `migrate_schemas` here (as in django-tenants), template included."""

from vitrine.tenancy.management.commands.migrate_schemas import Command  # noqa: F401
