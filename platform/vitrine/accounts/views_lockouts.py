"""The unlock button of a locked sign-in, the same for a territory's admins and the console's operators."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from vitrine.accounts.forms import LockoutForm


def sign_in_unlock_answer(request: HttpRequest, *, unlock: Callable[..., int], back: str) -> HttpResponse:
    """Read which lock to lift, lift it with `unlock` (the caller's service), say so, go back to the list."""
    form = LockoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This locked sign-in could not be read: choose it again in the list."))
        return redirect(back)
    username = form.cleaned_data["username"]
    if unlock(username=username, ip_address=form.cleaned_data["ip_address"] or None, actor=request.user):
        messages.success(request, _("%(email)s can sign in again.") % {"email": username})
    else:
        messages.info(request, _("This sign-in was no longer locked."))
    return redirect(back)
