"""Load a territory's communes from a CSV file (columns name,postcode); safe to run again.

manage.py tenant_command communes_load tenants/nancy/communes.csv --schema=nancy
"""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from vitrine.shops.communes import communes_load


class Command(BaseCommand):
    help = "Load the current territory's communes from a CSV file (name,postcode)."

    def add_arguments(self, parser):
        parser.add_argument("csv_path", type=Path)

    def handle(self, *args, csv_path: Path, **options):
        if connection.schema_name == "public":
            raise CommandError("Run it in a territory: manage.py tenant_command communes_load <csv> --schema=<slug>")
        try:
            with csv_path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                missing = {"name", "postcode"} - set(reader.fieldnames or [])
                if missing:
                    raise CommandError(
                        f"{csv_path}: missing column(s) {', '.join(sorted(missing))} (expected name,postcode)"
                    )
                result = communes_load(rows=list(reader))
        except OSError as exc:
            raise CommandError(f"{csv_path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{csv_path}: not UTF-8 text") from exc
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(
            f"{connection.schema_name}: {result.created} commune(s) added, {result.unchanged} already there."
        )
