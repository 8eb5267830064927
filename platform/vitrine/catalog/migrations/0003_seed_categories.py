"""Seed the French category tree in every territory (the template carries it to clones)."""
from django.db import migrations
from django.utils.text import slugify


def seed(apps, schema_editor):
    # A migration keeps no module-level app imports: the seed is read when it runs.
    from vitrine.catalog.seed import CATEGORY_TREE

    Category = apps.get_model("catalog", "Category")
    if Category.objects.exists():
        return
    for position, (name, children) in enumerate(CATEGORY_TREE):
        parent = Category.objects.create(name=name, slug=slugify(name), position=position)
        for child_position, child in enumerate(children):
            slug = slugify(child)
            if Category.objects.filter(slug=slug).exists():
                slug = f"{parent.slug}-{slug}"
            Category.objects.create(name=child, slug=slug, parent=parent, position=child_position)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
