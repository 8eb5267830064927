"""A person's data, under /compte/: download it (GDPR right of access), delete the account."""

from __future__ import annotations

import json

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from vitrine.accounts.forms import PasswordConfirmForm
from vitrine.privacy import selectors, services


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
    return render(request, "privacy/delete.html", {"form": form, "refusal": refusal}, status=status)


def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/deleted.html")


@login_required
def account_data(request: HttpRequest) -> HttpResponse:
    """Everything kept about the person, as a JSON file to download (GDPR right of access)."""
    data = selectors.account_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    schema = getattr(getattr(request, "tenant", None), "schema_name", "vitrine")
    response["Content-Disposition"] = f'attachment; filename="mes-donnees-{schema}.json"'
    response["Cache-Control"] = "no-store"
    return response
