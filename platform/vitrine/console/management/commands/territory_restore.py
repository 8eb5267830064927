"""Restore a territory archive under a new identifier (vitrine.console.lifecycle), all or nothing."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vitrine.console.lifecycle import territory_restore


class Command(BaseCommand):
    help = "Restore a territory archive (made by territory_export) under a new identifier; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar.gz made by territory_export")
        parser.add_argument("--slug", required=True, help="the new identifier (schema and subdomain)")
        parser.add_argument("--name", default="", help="a new display name (default: the archive's)")
        parser.add_argument("--domain", action="append", default=[], dest="domains", help="custom domain (repeatable)")

    def handle(self, *args, **options):
        path = Path(options["archive"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            territory = territory_restore(
                archive_path=path, slug=options["slug"], name=options["name"], domains=options["domains"]
            )
        except ValidationError as exc:
            raise CommandError("Nothing was restored: " + "; ".join(exc.messages)) from None
        domain = territory.domains.get(is_primary=True).domain
        self.stdout.write(self.style.SUCCESS(f"Restored {territory.name} as {territory.schema_name} at {domain}."))
