"""A person's own account in their territory: sign-in and sign-up, profile, password.

Their orders are the orders app's pages (orders/views_account.py), their data and its deletion the
privacy app's; all live under /compte/.

Thin: the views read the request and call services and selectors. Every page under
/compte/ needs a signed-in account except sign-in, sign-up, password reset and the
"account deleted" page (tests/accounts checks each URL).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from vitrine.accounts import services
from vitrine.accounts.forms import ProfileForm, SignInForm, SignUpForm
from vitrine.accounts.views_two_factor import TwoFactorLoginView
from vitrine.common.throttling import throttle


class TerritoryLoginView(TwoFactorLoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm


class AccountPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing up: the page the visitor came from, if it is on this host."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return ""


@throttle("sign_up")
def sign_up(request: HttpRequest) -> HttpResponse:
    """Create a shopper account here and sign in; the visitor's cart becomes the account's on the next cart page."""
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
            # Named: with axes' backend in front, Django cannot guess which one signs people in.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome, %(name)s: your account is ready.") % {"name": user.full_name})
            return redirect(next_url or "account")
    return render(
        request, "accounts/sign_up.html", {"form": form, "next": next_url}, status=400 if form.errors else 200
    )


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
