"""A shop's team: the owner invites employees and removes them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.shops.models import (
    Shop,
    ShopMember,
)
from vitrine.shops.notices import merchant_account_ensure
from vitrine.shops.permissions import shop_member_check


@transaction.atomic
def shop_member_invite(*, shop: Shop, actor: User, email: str) -> ShopMember:
    """The owner adds an employee by email; a new account gets a link to choose its password."""
    shop_member_check(shop=shop, user=actor, owner_only=True)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Give your employee's email address.")]}) from None
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        membership = user.shop_memberships.select_related("shop").first()
        if membership is not None and membership.shop_id == shop.pk:
            raise ValidationError({"email": [_("%(email)s is already in your team.") % {"email": email}]})
        if membership is not None or user.is_territory_staff or user.role == User.Role.OPERATOR:
            # One message whatever the reason: an owner must not learn who is in the territory's
            # team or works for which shop by typing addresses.
            raise ValidationError(
                {
                    "email": [
                        _("%(email)s cannot join your team: ask your employee for another address.") % {"email": email}
                    ]
                }
            )
    user = merchant_account_ensure(
        email=email, user=user, template="shop_member_joined", context={"shop": shop, "owner": str(actor)}
    )
    member = ShopMember.objects.create(shop=shop, user=user, role=ShopMember.Role.EMPLOYEE)
    audit_record(actor=actor, verb="member.invite", obj=shop, payload={"email": email})
    return member


@transaction.atomic
def shop_member_remove(*, member: ShopMember, actor: User) -> None:
    """The owner removes an employee (the account stays, without access to the shop)."""
    shop_member_check(shop=member.shop, user=actor, owner_only=True)
    if member.role == ShopMember.Role.OWNER:
        raise ValidationError({"__all__": [_("The owner cannot be removed from the shop.")]})
    email = member.user.email
    member.delete()
    audit_record(actor=actor, verb="member.remove", obj=member.shop, payload={"email": email})
