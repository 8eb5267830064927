"""Bring the demo up to date: migrations, the demo territories, their shops, the demo logins. Idempotent."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.config.env import TENANTS_DIR
from vitrine.console.services import TerritoryRequest, territory_provision
from vitrine.devtools.demo import CONSOLE_EMAIL, DEMO_PASSWORD
from vitrine.devtools.demo_payments import demo_payments_setup
from vitrine.theming.services import territory_file_load


class Command(BaseCommand):
    help = "Set up the demo: migrate, provision the territories of tenants/*/territory.toml, demo logins."

    def handle(self, *args, **options):
        call_command("migrate_schemas", interactive=False, verbosity=0)
        call_command("create_console_user", email=CONSOLE_EMAIL, password=DEMO_PASSWORD, verbosity=0)
        for path in sorted(TENANTS_DIR.glob("*/territory.toml")):
            slug = path.parent.name
            spec = territory_file_load(slug)["territory"]
            result = territory_provision(
                request=TerritoryRequest(
                    slug=slug,
                    name=spec["name"],
                    kind=spec.get("kind", "city"),
                    theme=spec.get("theme", "metropole"),
                    primary_color=spec.get("primary_color", ""),
                    hero_text=spec.get("hero_text", ""),
                    contact_email=spec["contact_email"],
                    admin_email=spec["admin_email"],
                    custom_domains=spec.get("domains", []),
                )
            )
            with tenant_context(result.territory):
                admin = User.objects.get(email=spec["admin_email"])
                if not admin.has_usable_password():
                    admin.set_password(DEMO_PASSWORD)
                    admin.save(update_fields=["password"])
            verb = "provisioned" if result.created else "already there"
            self.stdout.write(f"  {result.territory.name}: {verb}")
        connection.set_schema_to_public()
        # Shops, products and photos of tenants/<schema>/demo/ (existing shops are kept).
        call_command("demo_seed", stdout=self.stdout)
        # Online payment in Nancy, its first shops onboarded on the local fake of Stripe.
        demo_payments_setup(write=self.stdout.write)
        self.stdout.write(f"Demo ready on *.{settings.BASE_DOMAIN}.")
