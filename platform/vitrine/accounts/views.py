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
from django.utils.translation import gettext as _

from vitrine.accounts import services
from vitrine.accounts.forms import ProfileForm, SignInForm, SignUpConfirmForm, SignUpForm
from vitrine.accounts.views_two_factor import TwoFactorLoginView
from vitrine.common.http import next_url_safe
from vitrine.common.throttling import throttle

SESSION_SIGN_UP_EMAIL = "sign_up_email"  # shown back on the "check your mailbox" page


class TerritoryLoginView(TwoFactorLoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm


class AccountPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing up: the page the visitor came from, if it is on this host."""
    return next_url_safe(request)


@throttle("sign_up")
def sign_up(request: HttpRequest) -> HttpResponse:
    """Ask for a shopper account here: the same answer whatever the address, a link by email.

    Opening the link (sign_up_confirm) signs in; the visitor's cart becomes the account's then.
    """
    if request.user.is_authenticated:
        return redirect("account")
    next_url = _next_url(request)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_sign_up(
                full_name=data["full_name"],
                email=data["email"],
                password=data["password"],
                territory=request.tenant,  # type: ignore[attr-defined]  # set by the territory routing
                next_url=next_url,
            )
        except services.AccountError as error:
            form.add_error("full_name", error)
        else:
            request.session[SESSION_SIGN_UP_EMAIL] = data["email"].strip().lower()
            return redirect("sign_up_sent")
    return render(
        request, "accounts/sign_up.html", {"form": form, "next": next_url}, status=400 if form.errors else 200
    )


def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/sign_up_sent.html", {"email": request.session.get(SESSION_SIGN_UP_EMAIL, "")})


def sign_up_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link of the sign-up email: its owner types the password chosen at sign-up, the account opens.

    Opening the link changes nothing (mail scanners open links before people do); the
    password makes sure the account opened is the one this person asked for.
    """
    if services.user_sign_up_pending(uidb64=uidb64, token=token) is None:
        return render(request, "accounts/sign_up_invalid.html", status=400)
    form = SignUpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_sign_up_confirm(uidb64=uidb64, token=token, password=form.cleaned_data["password"])
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session.pop(SESSION_SIGN_UP_EMAIL, None)
            messages.success(request, _("Welcome, %(name)s: your account is ready.") % {"name": user.full_name})
            return redirect(_next_url(request) or "account")
        form.add_error(
            "password",
            _(
                "This is not the password of your latest sign-up. Forgotten it? Sign up again with the same "
                "address: a new link will be sent."
            ),
        )
    return render(
        request,
        "accounts/sign_up_confirm.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
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
