"""Two-factor sign-in pages, the same on every territory and on the console (see two_factor.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vitrine.accounts import two_factor
from vitrine.accounts.forms import TwoFactorCodeForm
from vitrine.common.http import next_url_safe
from vitrine.common.throttling import throttle


def _base_template() -> str:
    on_console = getattr(connection, "schema_name", "public") == "public"
    return "console/base.html" if on_console else "territory/base.html"


def _next(request: HttpRequest) -> str:
    return next_url_safe(request, default="/")


def _render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    context = {"base_template": _base_template(), "next": _next(request), **context}
    return render(request, template, context, status=status)


class TwoFactorLoginView(auth_views.LoginView):
    """The password step; when the account has two-factor sign-in, the code page comes next."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if two_factor.sign_in_continue(self.request):
            return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': self.get_success_url()})}")
        return response


@login_required
@throttle("two_factor", key="user")
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code step of signing in."""
    if request.user.is_verified():  # type: ignore[attr-defined]  # OTPMiddleware's
        return redirect(_next(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.two_factor_verify(request=request, user=request.user, token=form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("This code is not right, or was already used. Try the code your app shows now."))
    status = 400 if form.errors else 200
    return _render(request, "accounts/two_factor_verify.html", {"form": form}, status=status)


@login_required
@throttle("two_factor", key="user")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (scan, type the first code), or manage the one in use."""
    user = request.user
    if two_factor.two_factor_enabled(user) and request.user.is_verified():  # type: ignore[attr-defined]
        return _render(request, "accounts/two_factor_manage.html", {"required": two_factor.two_factor_required(user)})
    if two_factor.two_factor_enabled(user):  # set up, but this session has not given a code
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': request.get_full_path()})}")
    device = two_factor.totp_setup_device(user=user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_setup_confirm(request=request, user=user, token=form.cleaned_data["code"])
        if codes is not None:
            return _render(request, "accounts/two_factor_codes.html", {"codes": codes, "first_time": True})
        form.add_error("code", _("This code is not right. Check the time on your phone, then type the code shown now."))
    context = {
        "form": form,
        "qr_svg": two_factor.totp_qr_svg(device),
        "secret": two_factor.totp_secret_display(device),
        "required": two_factor.two_factor_required(user),
    }
    return _render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def two_factor_codes_renew(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), for a session that gave a code."""
    if not request.user.is_verified():  # type: ignore[attr-defined]
        return redirect("two_factor_verify")
    codes = two_factor.recovery_codes_renew(user=request.user)
    return _render(request, "accounts/two_factor_codes.html", {"codes": codes, "first_time": False})


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off: merchants and shoppers only, from a session that gave a code."""
    if not request.user.is_verified() or two_factor.two_factor_required(request.user):  # type: ignore[attr-defined]
        messages.error(request, _("Two-factor sign-in is required for your account: it stays on."))
        return redirect("two_factor_setup")
    two_factor.two_factor_disable(user=request.user)
    messages.success(request, _("Two-factor sign-in is off. Your password alone now opens your account."))
    return redirect("two_factor_setup")
