"""The merchant area's front door (/pro/): joining the marketplace, and the merchant's dashboard.

Both compose several apps (a shop's category is the catalogue's; the dashboard counts products
and, later, orders and figures), so they sit above shops, catalog and orders.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vitrine.accounts.views import SESSION_SIGN_UP_EMAIL
from vitrine.catalog.selectors import shop_category_choices
from vitrine.common.forms import errors_to_form, form_render
from vitrine.common.money import euros
from vitrine.common.throttling import email_key, throttle
from vitrine.pro import selectors
from vitrine.pro.statistics import PERIODS, Figures, period_parse, shop_statistics
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
                # The same answer whether or not the address has an account: a link by email.
                shop_apply_with_account(
                    application=form.application(),
                    email=form.cleaned_data["owner_email"],
                    password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["owner_full_name"],
                )
                request.session[SESSION_SIGN_UP_EMAIL] = form.cleaned_data["owner_email"].strip().lower()
                return redirect("sign_up_sent")
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


# --- Statistics -------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{int(value * 100 + 0.5)}\u00a0%"  # half up, as people round


def _change(now: float | Decimal | None, before: float | Decimal | None) -> str:
    """ "up", "down" or "same" (the page words it)."""
    if now is None or before is None or now == before:
        return "same"
    return "up" if now > before else "down"


def statistics_rows(now: Figures, before: Figures) -> list[dict]:
    """Each figure with the previous period's and one line that says what it is."""
    rows = [
        (
            _("Storefront visits"),
            now.storefront_visits,
            before.storefront_visits,
            _("Times your shop's page was opened (robots left out, nobody followed)."),
            str,
        ),
        (
            _("Product views"),
            now.product_views,
            before.product_views,
            _("Times one of your products' pages was opened."),
            str,
        ),
        (
            _("Searches that showed you"),
            now.search_appearances,
            before.search_appearances,
            _("Searches on the site whose results showed one of your products."),
            str,
        ),
        (
            _("Orders placed"),
            now.orders_placed,
            before.orders_placed,
            _("Orders shoppers placed with you (those whose online payment has not come left out)."),
            str,
        ),
        (
            _("Orders collected"),
            now.orders_collected,
            before.orders_collected,
            _("Orders handed over at your counter during the period."),
            str,
        ),
        (
            _("Takings"),
            now.takings,
            before.takings,
            _("Total of the orders collected during the period, in euros."),
            euros,
        ),
        (
            _("Orders refused"),
            now.orders_refused,
            before.orders_refused,
            _("Orders you refused (out of stock, closed...)."),
            str,
        ),
        (
            _("Orders not collected"),
            now.orders_not_collected,
            before.orders_not_collected,
            _("Orders nobody came for before the pickup delay ran out."),
            str,
        ),
        (
            _("No-show rate"),
            now.no_show_rate,
            before.no_show_rate,
            _("Share of the orders due at your counter that nobody came for."),
            _percent,
        ),
    ]
    return [
        {
            "label": label,
            "value": show(value) if value is not None else show(None),
            "previous": show(previous) if previous is not None else show(None),
            "change": _change(value, previous),
            "help": help_text,
        }
        for label, value, previous, help_text, show in rows
    ]


@merchant_required
def merchant_statistics(request: HttpRequest) -> HttpResponse:
    """The shop's own figures over 7, 30 or 90 days, beside the period before."""
    days = period_parse(request.GET.get("periode"))
    stats = shop_statistics(shop=request.shop, days=days)
    return render(
        request,
        "pro/statistics.html",
        {
            "shop": request.shop,
            "days": days,
            "periods": PERIODS,
            "stats": stats,
            "rows": statistics_rows(stats.now, stats.before),
        },
    )
