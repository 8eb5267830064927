"""django-tenants' migrate_schemas, which also keeps the template schema current.

New territories are cloned from the template, so it must carry every tenant
migration the code has; this runs them there after the territories' own.
"""

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name

from vitrine.tenancy.schemas import template_schema_ensure


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        if self.sync_tenant and self.schema_name in (None, "", get_public_schema_name()):
            if template_schema_ensure() and options.get("verbosity", 1):
                self.stdout.write("Template schema migrated.")
