"""The territory's own audit trail: staff, merchant and system decisions are rows, readable in French by the team."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_tenants.utils import tenant_context

from vitrine.audit.models import AuditEvent
from vitrine.audit.services import PAYLOAD_TEXT_MAX, audit_record
from vitrine.catalog.services import category_create, product_unpublish_by_staff
from vitrine.privacy.services import account_delete
from vitrine.shops.communes import commune_add
from vitrine.shops.models import Shop
from vitrine.shops.moderation import shop_approve, shop_suspend
from vitrine.shops.team import shop_member_invite
from vitrine.testing.factories import ProductFactory, ShopFactory


def _trail():
    return list(AuditEvent.objects.order_by("id").values_list("verb", "actor_label", "object_type", "object_label"))


def test_staff_and_merchant_decisions_are_recorded_with_actor_verb_and_object(world):
    with tenant_context(world.territory):
        # given a pending application, a product of the shop
        pending = ShopFactory(
            name="Épicerie du Marché", status=Shop.Status.PENDING, commune=world.commune, category=world.category
        )
        product = ProductFactory(shop=world.shop, title="Bague contrefaite")
        AuditEvent.objects.all().delete()
        # when staff approve it, suspend another, unpublish a product, add a commune and a category,
        # and the owner invites an employee
        shop_approve(shop=pending, actor=world.staff)
        shop_suspend(shop=world.shop, actor=world.staff, reason="Produits contrefaits signalés.")
        product_unpublish_by_staff(product=product, actor=world.staff, reason="Contrefaçon")
        commune_add(name="Vandœuvre-lès-Nancy", postcode="54500", actor=world.staff)
        category_create(name="Thés et cafés", parent=None, actor=world.staff)
        shop_member_invite(shop=world.shop, actor=world.owner, email="nouvelle@example.fr")
        # then each decision is one row, in order, naming who decided and on what
        assert _trail() == [
            ("shop.approve", world.staff.email, "shop", "Épicerie du Marché"),
            ("shop.suspend", world.staff.email, "shop", "Bijouterie Stanislas"),
            ("product.unpublish", world.staff.email, "product", "Bague contrefaite"),
            ("commune.add", world.staff.email, "commune", "Vandœuvre-lès-Nancy"),
            ("category.create", world.staff.email, "category", "Thés et cafés"),
            ("member.invite", world.owner.email, "shop", "Bijouterie Stanislas"),
        ]
        suspended = AuditEvent.objects.get(verb="shop.suspend")
        assert suspended.actor_id == world.staff.pk and suspended.payload == {
            "reason": "Produits contrefaits signalés."
        }


def test_a_refused_decision_leaves_no_row(world):
    with tenant_context(world.territory):
        # given a suspended shop
        shop_suspend(shop=world.shop, actor=world.staff, reason="Une raison.")
        before = AuditEvent.objects.count()
        # when staff try to suspend it again, which the service refuses
        with pytest.raises(ValidationError):
            shop_suspend(shop=world.shop, actor=world.staff, reason="Encore.")
        # then nothing is recorded
        assert AuditEvent.objects.count() == before


def test_the_payload_is_bounded(world):
    with tenant_context(world.territory):
        # when a reason pasted ten times over is recorded
        event = audit_record(
            actor=world.staff,
            verb="shop.suspend",
            obj=world.shop,
            payload={"reason": "x" * (PAYLOAD_TEXT_MAX * 10), "n": 3},
        )
        # then it is kept, cut to a readable size; other values stay as they are
        event.refresh_from_db()
        assert event.payload == {"reason": "x" * PAYLOAD_TEXT_MAX, "n": 3}


def test_the_team_reads_the_trail_in_french_and_other_territories_do_not_see_it(world, limoges_world):
    with tenant_context(world.territory):
        shop_suspend(shop=world.shop, actor=world.staff, reason="Produits contrefaits signalés.")
    # when the team opens the trail
    page = world.client(world.staff).get("/equipe/journal/")
    html = page.content.decode()
    # then it reads in French: who, what, on what, why
    assert page.status_code == 200
    assert "Journal des décisions" in html and "Boutique suspendue" in html
    assert world.staff.email in html and "Bijouterie Stanislas" in html
    assert "motif : Produits contrefaits signalés." in html  # the details in French too
    # and Limoges' team sees nothing of Nancy's decisions (cross-territory)
    elsewhere = limoges_world.client(limoges_world.staff).get("/equipe/journal/").content.decode()
    assert "Bijouterie Stanislas" not in elsewhere and "Boutique suspendue" not in elsewhere
    # and a merchant may not read the trail
    assert world.client(world.owner).get("/equipe/journal/").status_code == 403


def test_the_trail_can_be_filtered_by_kind(world):
    with tenant_context(world.territory):
        shop_suspend(shop=world.shop, actor=world.staff, reason="Une raison.")
        commune_add(name="Laneuveville", postcode="54410", actor=world.staff)
    shops_only = world.client(world.staff).get("/equipe/journal/?objet=shop").content.decode()
    assert "Boutique suspendue" in shops_only and "Commune ajoutée" not in shops_only


def test_a_deleted_account_leaves_its_decisions_without_its_name(world):
    with tenant_context(world.territory):
        # given an employee invited by the owner, who then made a decision... and deletes their account
        shop_member_invite(shop=world.shop, actor=world.owner, email="passager@example.fr")
        invited = world.shop.members.get(user__email="passager@example.fr").user
        world.shop.members.filter(user=invited).delete()
        audit_record(actor=invited, verb="shop.pickup_settings", obj=world.shop)
        # when the account is deleted (GDPR)
        account_delete(user=invited)
        # then the decisions stay, and nothing names the person any more
        rows = AuditEvent.objects.filter(verb__in=["member.invite", "shop.pickup_settings"])
        assert rows.count() == 2
        assert not rows.filter(actor_label="passager@example.fr").exists()
        assert not rows.filter(payload__email="passager@example.fr").exists()


def test_the_details_read_in_words_not_codes(world):
    # given an application that staff approve
    with tenant_context(world.territory):
        pending = ShopFactory(
            name="Épicerie du Marché", status=Shop.Status.PENDING, commune=world.commune, category=world.category
        )
        shop_approve(shop=pending, actor=world.staff)
    # when the team reads the trail
    html = world.client(world.staff).get("/equipe/journal/").content.decode()
    # then the status it came from is in French words, not the stored code
    with translation.override("fr"):
        assert f"avant : {Shop.Status.PENDING.label}" in html
    assert "from : pending" not in html
