"""Export a territory as one archive (vitrine.console.lifecycle): data, media and a SQL dump."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vitrine.console.lifecycle import territory_export
from vitrine.tenancy.models import Territory


class Command(BaseCommand):
    help = "Export a territory into one .tar.gz: its schema's tables (CSV), a pg_dump, its public rows and media."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the territory's identifier, e.g. nancy")
        parser.add_argument("--out", default="", help="folder for the archive (default: VITRINE_EXPORTS_DIR)")

    def handle(self, *args, **options):
        territory = Territory.objects.filter(schema_name=options["slug"]).first()
        if territory is None:
            raise CommandError(f"No territory has the identifier {options['slug']!r}.")
        try:
            result = territory_export(
                territory=territory,
                out_dir=Path(options["out"]) if options["out"] else None,
                on_progress=lambda step, percent: (
                    self.stderr.write(f"{percent:3d} % {step}") if options["verbosity"] > 1 else None
                ),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        manifest = result.manifest
        if not manifest["schema_sql"]["present"]:
            self.stderr.write(self.style.WARNING(f"No schema.sql in the archive: {manifest['schema_sql']['reason']}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {territory.name} ({territory.schema_name}): {result.path} "
                f"({result.size} bytes, sha256 {result.sha256}; {len(manifest['tables'])} tables, "
                f"{manifest['media']['files']} media files)."
            )
        )
