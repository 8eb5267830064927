"""The merchant area's front door (/pro/): joining the marketplace, and the merchant's dashboard.

Both compose several apps (a shop's category is the catalogue's; the dashboard counts products
and, later, orders and figures), so they sit above shops, catalog and orders.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vitrine.catalog.selectors import shop_category_choices
from vitrine.common.forms import errors_to_form, form_render
from vitrine.common.throttling import email_key, throttle
from vitrine.pro import selectors
from vitrine.shops.forms import ShopApplyForm
from vitrine.shops.joining import shop_apply, shop_apply_with_account
from vitrine.shops.models import Shop, ShopMember
from vitrine.shops.permissions import merchant_required

# --- Joining ----------------------------------------------------------------------------


@throttle("shop_apply", key="user_or_ip")
@throttle("shop_apply_email", key=email_key("owner_email"))
def shop_apply_view(request: HttpRequest) -> HttpResponse:
    """A shop applies to join the marketplace; a visitor opens their account at the same time."""
    user = request.user
    if user.is_authenticated:
        live = user.shop_memberships.exclude(shop__status=Shop.Status.REFUSED).exists()
        if live:
            messages.info(request, _("Your account already has a shop: here is its dashboard."))
            return redirect("merchant_home")
        if user.is_territory_staff:
            messages.info(request, _("A territory team account cannot own a shop: apply with another email address."))
            return redirect("staff_home")
    with_account = not user.is_authenticated
    form = ShopApplyForm(request.POST or None, with_account=with_account, category_choices=shop_category_choices())
    if request.method == "POST" and form.is_valid():
        try:
            if with_account:
                _shop, owner = shop_apply_with_account(
                    application=form.application(),
                    email=form.cleaned_data["owner_email"],
                    password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["owner_full_name"],
                )
                login(request, owner, backend="django.contrib.auth.backends.ModelBackend")
            else:
                shop_apply(application=form.application(), owner=user)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("merchant_home")
    return form_render(request, "pro/apply.html", {"form": form, "with_account": with_account}, form)


shop_apply_view.access = "public"  # anyone may apply; the permission matrix reads this


# --- Dashboard --------------------------------------------------------------------------


@merchant_required(allow_refused=True)
def merchant_home(request: HttpRequest) -> HttpResponse:
    """The merchant's dashboard: where their shop stands, and what to do next."""
    shop = request.shop
    summary = selectors.merchant_summary(shop=shop) if shop.status != Shop.Status.REFUSED else None
    return render(
        request,
        "pro/home.html",
        {
            "shop": shop,
            "summary": summary,
            "is_owner": request.membership.role == ShopMember.Role.OWNER,
        },
    )
