"""The staff area: shop list and statuses, featured shops, the category tree, communes, product moderation."""

from __future__ import annotations

from html import unescape

from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, Product
from vitrine.notifications.models import OutboxEmail
from vitrine.shops.models import Commune, Shop
from vitrine.testing.factories import ProductFactory, ShopFactory


def test_pending_applications_come_first_with_siret_commune_category_and_date(world):
    with tenant_context(world.territory):
        pending = ShopFactory(
            name="Zèbre Épicerie", status="pending", commune=world.other_commune, category=world.subcategory
        )
        ShopFactory(name="Refusée SARL", status="refused", commune=world.commune, category=world.category)

    text = unescape(world.client(world.staff).get("/equipe/").text)

    pending_section, all_section = text.split("Toutes les boutiques")
    assert "Zèbre Épicerie" in pending_section and pending.siret in pending_section
    assert f"{world.other_commune.name} ({world.other_commune.postcode})" in pending_section
    assert f"{world.category.name} › {world.subcategory.name}" in pending_section
    assert "candidature du" in pending_section
    assert world.shop.name not in pending_section and world.shop.name in all_section


def test_shop_list_filters_by_status(world):
    with tenant_context(world.territory):
        ShopFactory(name="Refusée SARL", status="refused", commune=world.commune, category=world.category)

    refused = world.client(world.staff).get("/equipe/?statut=refused").text.split("Toutes les boutiques")[1]
    nonsense = world.client(world.staff).get("/equipe/?statut=nimporte").text.split("Toutes les boutiques")[1]

    assert "Refusée SARL" in refused and world.shop.name not in refused
    assert "Refusée SARL" in nonsense and world.shop.name in nonsense


def test_staff_suspend_with_a_reason_then_resume_and_the_merchant_is_told_each_time(world):
    staff = world.client(world.staff)
    url = f"/equipe/boutiques/{world.shop.pk}/"

    no_reason = staff.post(url + "suspendre/", {"suspend-reason": ""})
    assert no_reason.status_code == 400 and "Dites pourquoi" in unescape(no_reason.text)
    with tenant_context(world.territory):
        assert Shop.objects.get(pk=world.shop.pk).status == Shop.Status.APPROVED

    assert staff.post(url + "suspendre/", {"suspend-reason": "Produits contrefaits signalés."}).status_code == 302
    with tenant_context(world.territory):
        assert Shop.objects.get(pk=world.shop.pk).status == Shop.Status.SUSPENDED
        assert "Produits contrefaits signalés." in OutboxEmail.objects.get(to=[world.owner.email]).body

    assert staff.post(url + "reprendre/").status_code == 302
    with tenant_context(world.territory):
        shop = Shop.objects.get(pk=world.shop.pk)
        assert (shop.status, shop.status_reason) == (Shop.Status.APPROVED, "")
        assert OutboxEmail.objects.filter(to=[world.owner.email]).count() == 2


def test_illegal_transitions_are_refused_with_a_clear_message(world):
    staff = world.client(world.staff)

    refuse_approved = staff.post(f"/equipe/boutiques/{world.shop.pk}/refuser/", {"refuse-reason": "Non."})
    resume_approved = staff.post(f"/equipe/boutiques/{world.shop.pk}/reprendre/")

    assert refuse_approved.status_code == 400 and "Seule une candidature en attente peut être refusée" in unescape(
        refuse_approved.text
    )
    assert resume_approved.status_code == 400 and "Seule une boutique suspendue" in unescape(resume_approved.text)
    with tenant_context(world.territory):
        assert Shop.objects.get(pk=world.shop.pk).status == Shop.Status.APPROVED


def test_staff_feature_and_unfeature_a_shop_for_the_home_page(world):
    staff = world.client(world.staff)
    url = f"/equipe/boutiques/{world.shop.pk}/une/"

    assert staff.post(url, {"featured": "1"}).status_code == 302
    with tenant_context(world.territory):
        assert Shop.objects.get(pk=world.shop.pk).is_featured
    assert staff.post(url, {"featured": "0"}).status_code == 302
    with tenant_context(world.territory):
        assert not Shop.objects.get(pk=world.shop.pk).is_featured
        pending = ShopFactory(name="En attente", status="pending", commune=world.commune, category=world.category)
    refused = staff.post(f"/equipe/boutiques/{pending.pk}/une/", {"featured": "1"})
    assert refused.status_code == 400
    with tenant_context(world.territory):
        assert not Shop.objects.get(pk=pending.pk).is_featured


def test_staff_unpublish_a_product_with_a_reason_the_merchant_sees(world):
    with tenant_context(world.territory):
        product = ProductFactory(shop=world.shop, title="Bague en or")
    staff = world.client(world.staff)
    url = f"/equipe/produits/{product.pk}/retirer/"
    assert "Bague en or" in staff.get(url).text

    empty = staff.post(url, {"reason": " "})
    assert empty.status_code == 400 and "Dites pourquoi" in unescape(empty.text)

    assert staff.post(url, {"reason": "Photo d'un autre site."}).status_code == 302
    with tenant_context(world.territory):
        product.refresh_from_db()
        assert (product.status, product.unpublished_reason) == (Product.Status.DRAFT, "Photo d'un autre site.")
        assert "Photo d'un autre site." in OutboxEmail.objects.get(to=[world.owner.email]).body
    assert "Photo d'un autre site." in unescape(staff.get(f"/equipe/boutiques/{world.shop.pk}/").text)


def test_category_tree_add_rename_move_reorder(world):
    staff = world.client(world.staff)
    assert "Bijoux" in staff.get("/equipe/categories/").text

    # add a main category, then a sub-category inside it
    assert staff.post("/equipe/categories/", {"name": "Vélos", "parent": ""}).status_code == 302
    with tenant_context(world.territory):
        velos = Category.objects.get(name="Vélos", parent=None)
        last_position = Category.objects.filter(parent=None).exclude(pk=velos.pk).order_by("-position").first().position
        assert velos.position == last_position + 1
    assert staff.post("/equipe/categories/", {"name": "Accessoires", "parent": velos.pk}).status_code == 302
    with tenant_context(world.territory):
        accessoires = Category.objects.get(name="Accessoires")
        assert accessoires.parent_id == velos.pk

    # rename it and move the sub-category under Bijoux
    assert staff.post(f"/equipe/categories/{velos.pk}/", {"name": "Cycles", "parent": ""}).status_code == 302
    assert (
        staff.post(
            f"/equipe/categories/{accessoires.pk}/", {"name": "Accessoires", "parent": world.category.pk}
        ).status_code
        == 302
    )
    with tenant_context(world.territory):
        assert Category.objects.get(pk=velos.pk).name == "Cycles"
        assert Category.objects.get(pk=accessoires.pk).parent_id == world.category.pk

    # move Cycles up one place
    with tenant_context(world.territory):
        before = list(Category.objects.filter(parent=None).order_by("position", "name").values_list("pk", flat=True))
    assert staff.post(f"/equipe/categories/{velos.pk}/deplacer/", {"direction": "up"}).status_code == 302
    with tenant_context(world.territory):
        after = list(Category.objects.filter(parent=None).order_by("position", "name").values_list("pk", flat=True))
    assert after == [*before[:-2], before[-1], before[-2]]


def test_category_bad_moves_and_duplicates_are_refused(world):
    staff = world.client(world.staff)
    other_main = _other_main(world)

    duplicate = staff.post("/equipe/categories/", {"name": "bijoux", "parent": ""})
    too_deep = staff.post("/equipe/categories/", {"name": "Perles", "parent": world.subcategory.pk})
    parent_under_other = staff.post(
        f"/equipe/categories/{world.category.pk}/", {"name": "Bijoux", "parent": other_main}
    )

    assert duplicate.status_code == 400 and "Il existe déjà une catégorie nommée bijoux" in unescape(duplicate.text)
    assert too_deep.status_code == 400
    assert parent_under_other.status_code == 400 and "a des sous-catégories" in unescape(parent_under_other.text)
    with tenant_context(world.territory):
        assert Category.objects.get(pk=world.category.pk).parent_id is None
        assert not Category.objects.filter(name="Perles").exists()


def _other_main(world) -> int:
    with tenant_context(world.territory):
        return Category.objects.filter(parent=None).exclude(pk=world.category.pk).first().pk


def test_a_category_with_products_or_shops_cannot_be_deleted(world):
    with tenant_context(world.territory):
        ProductFactory(shop=world.shop, category=world.subcategory)
        empty = Category.objects.create(name="Vide", slug="vide")
    staff = world.client(world.staff)

    used_by_shop = staff.post(f"/equipe/categories/{world.category.pk}/supprimer/", follow=True)
    used_by_product = staff.post(f"/equipe/categories/{world.subcategory.pk}/supprimer/", follow=True)
    assert staff.post(f"/equipe/categories/{empty.pk}/supprimer/").status_code == 302

    assert "a des sous-catégories" in unescape(used_by_shop.text)
    assert "ne peut pas être supprimée : 1 produit(s) et 0 boutique(s)" in unescape(used_by_product.text)
    with tenant_context(world.territory):
        assert Category.objects.filter(pk__in=[world.category.pk, world.subcategory.pk]).count() == 2
        assert not Category.objects.filter(pk=empty.pk).exists()


def test_staff_add_a_commune_and_bad_or_duplicate_ones_are_refused(world):
    staff = world.client(world.staff)

    assert staff.post("/equipe/communes/", {"name": "Seichamps", "postcode": "54280"}).status_code == 302
    bad = staff.post("/equipe/communes/", {"name": "Pulnoy", "postcode": "544"})
    duplicate = staff.post("/equipe/communes/", {"name": "seichamps", "postcode": "54280"})

    assert bad.status_code == 400 and "n'est pas un code postal" in unescape(bad.text)
    assert duplicate.status_code == 400 and "est déjà une commune du territoire" in unescape(duplicate.text)
    with tenant_context(world.territory):
        assert (
            Commune.objects.filter(name="Seichamps").count() == 1 and not Commune.objects.filter(name="Pulnoy").exists()
        )
    assert "Seichamps" in staff.get("/equipe/communes/").text


def test_a_commune_added_in_nancy_is_invisible_from_limoges(world, limoges_world):
    world.client(world.staff).post("/equipe/communes/", {"name": "Seichamps", "postcode": "54280"})

    page = limoges_world.client(limoges_world.staff).get("/equipe/communes/")
    apply_page = limoges_world.client().get("/pro/rejoindre/")

    assert "Seichamps" not in page.text and "Seichamps" not in apply_page.text
    with tenant_context(limoges_world.territory):
        assert not Commune.objects.filter(name="Seichamps").exists()


def test_nancy_staff_cannot_unpublish_a_limoges_product(world, limoges_world):
    with tenant_context(limoges_world.territory):
        product = ProductFactory(shop=limoges_world.shop, title="Porcelaine")

    # cross-territory: the same id on nancy's host is not limoges' product
    response = world.client(world.staff).post(f"/equipe/produits/{product.pk}/retirer/", {"reason": "Non."})

    assert response.status_code == 404
    with tenant_context(limoges_world.territory):
        product.refresh_from_db()
        assert (product.status, product.unpublished_reason) == (Product.Status.PUBLISHED, "")
