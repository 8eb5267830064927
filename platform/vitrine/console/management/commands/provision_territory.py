"""Provision a territory from the command line (the same service as the console)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vitrine.console.services import TerritoryRequest, territory_provision
from vitrine.tenancy.models import Territory
from vitrine.theming.services import theme_names


class Command(BaseCommand):
    help = "Provision a territory: schema, domains, branding and first administrator. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="identifier, schema name and subdomain, e.g. nancy")
        parser.add_argument("--name", required=True, help="display name, e.g. 'Achetez Grand Nancy'")
        parser.add_argument("--admin-email", required=True, help="first territory administrator")
        parser.add_argument("--contact-email", help="public contact address (default: the admin's)")
        parser.add_argument("--kind", default=Territory.Kind.CITY, choices=Territory.Kind.values)
        parser.add_argument("--theme", default="metropole", help=f"one of: {', '.join(theme_names())}")
        parser.add_argument("--primary-color", default="", help="#RRGGBB, must contrast with the theme background")
        parser.add_argument("--hero-text", default="")
        parser.add_argument("--domain", action="append", default=[], dest="domains", help="custom domain (repeatable)")
        parser.add_argument("--migrate", action="store_true", help="run migrations instead of cloning the template")

    def handle(self, *args, **options):
        request = TerritoryRequest(
            name=options["name"],
            slug=options["slug"],
            kind=options["kind"],
            theme=options["theme"],
            primary_color=options["primary_color"],
            hero_text=options["hero_text"],
            contact_email=options["contact_email"] or options["admin_email"],
            admin_email=options["admin_email"],
            custom_domains=options["domains"],
        )
        try:
            result = territory_provision(request=request, use_template=not options["migrate"])
        except ValidationError as exc:
            lines = [f"{field}: {message}" for field, messages in exc.message_dict.items() for message in messages]
            raise CommandError("The territory was not created:\n  " + "\n  ".join(lines)) from None
        territory = result.territory
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(f"Provisioned {territory.name} ({territory.schema_name}) by {result.method}.")
            )
        else:
            self.stdout.write(f"{territory.name} ({territory.schema_name}) already exists; nothing changed.")
