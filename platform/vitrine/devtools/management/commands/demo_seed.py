"""Fill the demo territories with shops, products and photos (idempotent)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from vitrine.devtools.demo import DEMO_PASSWORD
from vitrine.devtools.demo_data import (
    demo_login_rows,
    demo_shops_file,
    demo_territory_seed,
)
from vitrine.tenancy.models import Territory


class Command(BaseCommand):
    help = "Create the demo shops of tenants/<schema>/demo/shops.toml in each territory that has one."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schema",
            action="append",
            dest="schemas",
            help="Only this territory (repeatable). Default: every territory with a demo file.",
        )
        parser.add_argument("--quiet-table", action="store_true", help="Do not print the table of logins.")

    def handle(self, *args, schemas=None, quiet_table=False, **options):
        connection.set_schema_to_public()
        territories = Territory.objects.exclude(schema_name="public").order_by("pk")
        if schemas:
            territories = territories.filter(schema_name__in=schemas)
            missing = set(schemas) - set(territories.values_list("schema_name", flat=True))
            if missing:
                raise CommandError(f"No such territory: {', '.join(sorted(missing))}")
        results = []
        for territory in territories:
            if not demo_shops_file(territory.schema_name).is_file():
                continue
            result = demo_territory_seed(territory=territory)
            connection.set_schema_to_public()
            results.append(result)
            self.stdout.write(
                f"  {territory.name}: {len(result.shops)} demo shops ({result.created} new) in {result.seconds:.1f} s"
            )
        if results and not quiet_table:
            self.stdout.write(_table(demo_login_rows(results)))
            self.stdout.write(
                f"Demo shop logins: the emails above, password {DEMO_PASSWORD} "
                "(the merchant area is /pro/ on each territory)."
            )


def _table(rows: list[tuple[str, ...]]) -> str:
    headers = ("Territory", "Shop (★ featured)", "Sign in", "Products", "Sale")
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(row):
        return "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()

    return "\n".join(["", line(headers), "  ".join("-" * width for width in widths), *map(line, rows), ""])
