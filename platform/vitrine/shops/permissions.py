"""Who may do what in a territory: decorators for merchant and staff pages.

Roles: territory admin and territory staff (the "staff area"), shop owner and
shop employee (the "merchant area", always scoped to their own shop), shopper.
A request that fails a check gets 403 (or the sign-in page when anonymous);
a merchant's pages only ever load their own shop's rows.

Each decorated view carries `access` ("staff", "merchant" or "owner"): the
permission-matrix test reads it to know what to expect of every URL under
/pro/ and /equipe/, so a new view is covered the day it is added.
"""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When

from vitrine.shops.models import Shop, ShopMember


def staff_required(view):
    """Territory admin or staff only."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_territory_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.access = "staff"
    return wrapper


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
                raise PermissionDenied
            if owner_only and membership.role != ShopMember.Role.OWNER:
                raise PermissionDenied
            request.shop, request.membership = membership.shop, membership
            return view(request, *args, **kwargs)

        wrapper.access = "owner" if owner_only else "merchant"
        return wrapper

    return decorate(view) if view is not None else decorate
