"""Who may do what in a territory: the checks services call, and the decorators pages wear.

Roles: territory admin and territory staff (the "staff area"), shop owner and shop employee
(the "merchant area", always scoped to their own shop), shopper. Every refusal is a
PermissionDenied subclass (403, or the sign-in page when anonymous); a merchant's pages only
ever load their own shop's rows.

Each decorated view carries `access` ("admin", "staff", "merchant", "owner" or "public"): the
permission-matrix test reads it to know what to expect of every URL under /pro/, /equipe/ and
/espace/, so a new view is covered the day it is added.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When

from vitrine.accounts.models import User
from vitrine.common.permissions import access_required
from vitrine.shops.models import Shop, ShopMember


class NotTerritoryStaff(PermissionDenied):
    """Only the territory's team (admins and staff) may do this."""


class NotTerritoryAdmin(NotTerritoryStaff):
    """Only the territory's administrators may do this."""


class NotShopMember(PermissionDenied):
    """A merchant only touches their own shop."""


class NotShopOwner(NotShopMember):
    """Only the shop's owner may do this (its identity, its team, its pickup rules)."""


class NotTheCustomer(PermissionDenied):
    """Only the person who placed an order may do this (cancel it, read it)."""


def staff_check(actor: User) -> None:
    """Refuse anyone but the territory's team."""
    if not actor.is_territory_staff:
        raise NotTerritoryStaff("Territory staff only.")


def admin_check(actor: User) -> None:
    """Refuse anyone but the territory's administrators."""
    if actor.role != User.Role.TERRITORY_ADMIN:
        raise NotTerritoryAdmin("Territory administrators only.")


def shop_member_check(*, shop: Shop, user: User, owner_only: bool = False) -> ShopMember:
    """The user's membership of the shop; refused (NotShopMember / NotShopOwner) when they have none."""
    membership = ShopMember.objects.filter(shop=shop, user=user).first()
    if membership is None:
        raise NotShopMember("Not a member of this shop.")
    if owner_only and membership.role != ShopMember.Role.OWNER:
        raise NotShopOwner("Only the shop's owner may do this.")
    return membership


staff_required = access_required(staff_check, access="staff")
staff_required.__doc__ = "Territory admin or staff only."
admin_required = access_required(admin_check, access="admin")


def merchant_required(view=None, *, owner_only: bool = False, allow_refused: bool = False):
    """A member of a shop; sets request.shop and request.membership to their own shop.

    owner_only: employees are refused (inviting the team, the shop's identity).
    allow_refused: a refused application still reaches this page (the dashboard
    shows the reason, so the merchant can correct it and apply again).
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            memberships = ShopMember.objects.select_related("shop", "shop__commune", "shop__category").filter(
                user=request.user
            )
            if not allow_refused:
                memberships = memberships.exclude(shop__status=Shop.Status.REFUSED)
            # A live shop before a refused one, then the oldest membership.
            refused_last = Case(When(shop__status=Shop.Status.REFUSED, then=Value(1)), default=Value(0))
            membership = memberships.order_by(refused_last, "created_at").first()
            if membership is None:
                raise NotShopMember
            if owner_only and membership.role != ShopMember.Role.OWNER:
                raise NotShopOwner
            request.shop, request.membership = membership.shop, membership
            return view(request, *args, **kwargs)

        wrapper.access = "owner" if owner_only else "merchant"
        return wrapper

    return decorate(view) if view is not None else decorate
