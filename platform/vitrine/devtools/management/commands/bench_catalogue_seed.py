"""Fill a territory with a benchmark catalogue: `--shops 300 --products 100` is 30,000 products."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from vitrine.devtools.bench import bench_catalogue_seed
from vitrine.tenancy.models import Territory


class Command(BaseCommand):
    help = "Create benchmark shops and products in a territory, fast (bulk inserts); existing ones are kept."

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="The territory's schema name, e.g. nancy.")
        parser.add_argument("--shops", type=int, default=300)
        parser.add_argument("--products", type=int, default=100, help="Products per shop.")
        parser.add_argument(
            "--variant-every", type=int, default=5, help="Every n-th product gets sizes S to XL (0: none)."
        )
        parser.add_argument(
            "--small-shops",
            type=int,
            default=1,
            help="The first n shops get a tenth of the products (to compare small and large shops).",
        )

    def handle(self, *args, schema, shops, products, variant_every, small_shops, **options):
        if shops < 0 or products < 1:
            raise CommandError("--shops must be 0 or more and --products at least 1.")
        connection.set_schema_to_public()
        territory = Territory.objects.filter(schema_name=schema).first()
        if territory is None:
            raise CommandError(f"No such territory: {schema}")
        result = bench_catalogue_seed(
            territory=territory, shops=shops, products=products, variant_every=variant_every, small_shops=small_shops
        )
        connection.set_schema_to_public()
        self.stdout.write(
            f"{territory.name}: {result.shops_created} shops, {result.products_created} products, "
            f"{result.variants_created} variants created in {result.seconds:.1f} s "
            f"({result.rows_per_second:,.0f} rows/s)."
        )
