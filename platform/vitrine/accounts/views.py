"""A person's own account in their territory: sign-in and sign-up, profile, orders, deletion.

Thin: the views read the request and call services and selectors. Every page under
/compte/ needs a signed-in account except sign-in, sign-up, password reset, the
privacy notice and the "account deleted" page (tests/accounts checks each URL).
"""
from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vitrine.accounts import selectors, services
from vitrine.accounts.forms import PasswordConfirmForm, ProfileForm, SignInForm, SignUpForm
from vitrine.orders.lifecycle import order_cancel as order_cancel_service
from vitrine.orders.models import Order

ORDERS_PER_PAGE = 10


class TerritoryLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class AccountPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing up: the page the visitor came from, if it is on this host."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return wanted
    return ""


def sign_up(request: HttpRequest) -> HttpResponse:
    """Create a shopper account here, sign in, keep the visitor's cart."""
    if request.user.is_authenticated:
        return redirect("account")
    next_url = _next_url(request)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_sign_up(full_name=data["full_name"], email=data["email"], password=data["password"])
        except services.AccountError as error:
            form.add_error("email" if error.code == "duplicate_email" else "full_name", error)
        else:
            login(request, user)
            _cart_keep(request)
            messages.success(request, _("Welcome, %(name)s: your account is ready.") % {"name": user.full_name})
            return redirect(next_url or "account")
    return render(request, "accounts/sign_up.html", {"form": form, "next": next_url},
                  status=400 if form.errors else 200)


def _cart_keep(request: HttpRequest) -> None:
    """The visitor's cart becomes the account's, as at sign-in (orders' one merge)."""
    from vitrine.orders.views import cart_of_request

    cart_of_request(request)


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, initial={"full_name": request.user.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_profile_update(user=request.user, full_name=form.cleaned_data["full_name"])
        except ValidationError as error:
            form.add_error("full_name", error)
        else:
            messages.success(request, _("Your name is saved."))
            return redirect("account")
    return render(request, "accounts/account.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.account_orders(user=request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/order_list.html", {"page": page})


def _own_order(request: HttpRequest, order_id: int) -> Order:
    order = selectors.account_order_get(user=request.user, order_id=order_id)
    if order is None:  # someone else's, or none at all: the same answer
        raise Http404
    return order


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    history = [(Order.Status(event.to_status).label, event.created_at) for event in order.events.all()]
    return render(request, "accounts/order_detail.html", {
        "order": order,
        "history": history,
    })


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    try:
        order_cancel_service(order=order, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Your order at %(shop)s is cancelled.") % {"shop": order.shop.name})
    return redirect("account_order", order_id=order.pk)


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the account after the password, unless something stands in the way (listed)."""
    refusal = None
    try:
        services.account_delete_check(user=request.user)
    except services.AccountDeletionRefused as error:
        refusal = error
    form = PasswordConfirmForm(request.POST or None, user=request.user)
    if refusal is None and request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=request.user)
        except services.AccountDeletionRefused as error:  # an order placed meanwhile, say
            refusal = error
        else:
            logout(request)
            return redirect("account_deleted")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"form": form, "refusal": refusal}, status=status)


def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/deleted.html")


@login_required
def account_data(request: HttpRequest) -> HttpResponse:
    """Everything kept about the person, as a JSON file to download (GDPR right of access)."""
    data = selectors.account_data_export(user=request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    schema = getattr(getattr(request, "tenant", None), "schema_name", "vitrine")
    response["Content-Disposition"] = f'attachment; filename="mes-donnees-{schema}.json"'
    response["Cache-Control"] = "no-store"
    return response


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")
