"""The merchant's payment page, /pro/paiement/: what online payment means for the shop, where its Stripe
account stands, the button to Stripe's onboarding, and the shop's choice of modes.

Always the signed-in merchant's own shop (request.shop): no shop or account id is ever read from
the address. Members read; the owner alone starts the onboarding and chooses the modes.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import stripe
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vitrine.common.forms import errors_to_form
from vitrine.common.money import decimal_of_cents
from vitrine.common.throttling import throttle
from vitrine.payments.forms import ShopPaymentModesForm
from vitrine.payments.selectors import (
    AccountState,
    payment_settings,
    requirements_explained,
    shop_account_state,
    shop_payment_get,
)
from vitrine.payments.services_accounts import (
    shop_stripe_account_link_again,
    shop_stripe_account_onboard,
    shop_stripe_account_sync,
    shop_stripe_dashboard_link,
)
from vitrine.payments.services_policy import shop_payment_modes_update
from vitrine.payments.stripe_api import StripeUnavailable, online_payment_configured
from vitrine.shops.models import ShopMember
from vitrine.shops.permissions import merchant_required
from vitrine.tenancy.selectors import territory_page_url

logger = logging.getLogger(__name__)


def _unreachable_message() -> str:
    return _("Stripe cannot be reached right now: nothing was changed. Please try again in a few minutes.")


def commission_words(policy) -> str:
    """The territory's commission as a merchant reads it: "2,5 %", "0,50 € per order", or both joined by "+"."""
    parts = []
    if policy.commission_basis_points:
        percent = (Decimal(policy.commission_basis_points) / 100).normalize()
        parts.append(_("%(percent)s %%") % {"percent": number_format(percent, use_l10n=True)})
    if policy.commission_fixed_cents:
        amount = decimal_of_cents(policy.commission_fixed_cents)
        parts.append(_("%(amount)s € per order") % {"amount": number_format(amount, decimal_pos=2, use_l10n=True)})
    return " + ".join(parts)


def _refused_message() -> str:
    return _("Stripe refused the request: nothing was changed. If it happens again, tell the territory's team.")


def _page(request: HttpRequest, *, form: ShopPaymentModesForm | None = None, status: int = 200) -> HttpResponse:
    shop = request.shop
    row = shop_payment_get(shop=shop)
    policy = payment_settings()
    configured = online_payment_configured()
    offers_online = policy.offers_online and configured
    state = shop_account_state(row)
    owner = request.membership.role == ShopMember.Role.OWNER
    if form is None and owner:
        form = ShopPaymentModesForm(row=row, offers_pickup=policy.offers_pickup, offers_online=offers_online)
    context = {
        "shop": shop,
        "row": row,
        "policy": policy,
        "configured": configured,
        "offers_online": offers_online,
        "state": state,
        "states": AccountState,
        "state_label": AccountState.LABELS[state],
        "past_due": requirements_explained(row.requirements_past_due),
        "left_to_do": requirements_explained([*row.requirements_past_due, *row.requirements_due]),
        "owner": owner,
        "form": form if owner else None,
        "show_modes_form": owner and form is not None and bool(form.fields),
        "commission": commission_words(policy),
    }
    return render(request, "payments/merchant/payment.html", context, status=status)


@merchant_required
def merchant_payment(request: HttpRequest) -> HttpResponse:
    """Where the shop stands with online payment; the owner's button and choice of modes."""
    return _page(request)


@merchant_required(owner_only=True)
@require_POST
def merchant_payment_modes(request: HttpRequest) -> HttpResponse:
    """The owner chooses how customers pay the shop, within the territory's modes."""
    row = shop_payment_get(shop=request.shop)
    policy = payment_settings()
    form = ShopPaymentModesForm(
        request.POST,
        row=row,
        offers_pickup=policy.offers_pickup,
        offers_online=policy.offers_online and online_payment_configured(),
    )
    if form.is_valid():
        try:
            shop_payment_modes_update(shop=request.shop, actor=request.user, **form.modes())
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Your payment choices are saved: the next orders follow them."))
            return redirect("merchant_payment")
    return _page(request, form=form, status=400)


def _urls() -> dict[str, str]:
    territory = connection.tenant
    return {
        "return_url": territory_page_url(territory, "merchant_payment_return"),
        "refresh_url": territory_page_url(territory, "merchant_payment_refresh"),
    }


def _to_stripe(request: HttpRequest, make) -> HttpResponse:
    """Send the owner to Stripe's onboarding page that `make()` asks for, or back with why not."""
    if not online_payment_configured():
        messages.error(request, _("Online payment is not set up on this platform."))
        return redirect("merchant_payment")
    try:
        url = make()
    except StripeUnavailable:
        messages.error(request, _unreachable_message())
        return redirect("merchant_payment")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("merchant_payment")
    except stripe.StripeError:
        logger.exception("Stripe refused an onboarding request")
        messages.error(request, _refused_message())
        return redirect("merchant_payment")
    if url is None:
        return redirect("merchant_payment")
    return redirect(url)


# One count per owner for the three addresses that ask Stripe something (any method: a shared counter).
@merchant_required(owner_only=True)
@throttle("stripe_onboarding", key="user", method=None)
@require_POST
def merchant_payment_onboard(request: HttpRequest) -> HttpResponse:
    """The owner's button: the shop's Stripe account made if need be, then Stripe's onboarding page."""
    return _to_stripe(request, lambda: shop_stripe_account_onboard(shop=request.shop, actor=request.user, **_urls()))


@merchant_required(owner_only=True)
@throttle("stripe_onboarding", key="user", method=None)
def merchant_payment_refresh(request: HttpRequest) -> HttpResponse:
    """Stripe sends the owner here when an onboarding link expired: a new link, straight back to Stripe."""
    return _to_stripe(request, lambda: shop_stripe_account_link_again(shop=request.shop, actor=request.user, **_urls()))


@merchant_required(owner_only=True)
@throttle("stripe_onboarding", key="user", method=None)
def merchant_payment_return(request: HttpRequest) -> HttpResponse:
    """Back from Stripe's onboarding: the account's state fetched from Stripe, then the payment page."""
    if online_payment_configured():
        try:
            row = shop_stripe_account_sync(shop=request.shop, actor=request.user)
        except StripeUnavailable:
            messages.error(request, _unreachable_message())
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except stripe.StripeError:
            logger.exception("Stripe refused to give an account")
            messages.error(request, _refused_message())
        else:
            if row is not None and row.can_receive_transfers:
                messages.success(request, _("Your Stripe account is ready: your customers can pay online."))
            elif row is not None and row.stripe_account_id:
                messages.info(request, _("Stripe has saved what you gave. Here is where your account stands."))
    return redirect("merchant_payment")


@merchant_required(owner_only=True)
@throttle("stripe_onboarding", key="user", method=None)
@require_POST
def merchant_payment_dashboard(request: HttpRequest) -> HttpResponse:
    """The owner's button: the shop's own Stripe dashboard (balance, payouts to its bank), by a one-time link."""
    return _to_stripe(request, lambda: shop_stripe_dashboard_link(shop=request.shop, actor=request.user))
