"""Who may act on a shop's orders and settings, as a 403 (PermissionDenied), never a 500."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from vitrine.accounts.models import User
from vitrine.catalog.services import shop_member_check
from vitrine.shops.models import Shop, ShopMember


def shop_member_require(*, shop: Shop, user: User, owner_only: bool = False) -> ShopMember:
    """Return the user's membership of the shop (its owner's when owner_only), or raise PermissionDenied."""
    try:
        membership = shop_member_check(shop=shop, user=user)
    except PermissionError as error:  # catalog's check still raises the built-in error, which Django turns into a 500
        raise PermissionDenied(str(error)) from None
    if owner_only and membership.role != ShopMember.Role.OWNER:
        raise PermissionDenied("Only the shop's owner may do this.")
    return membership
