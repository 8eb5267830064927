"""The legal pages, public on every territory's host (their editing is the team's, in backoffice)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from vitrine.legal.selectors import KINDS, legal_page_get


def legal_page(request: HttpRequest, kind: str) -> HttpResponse:
    """One legal page of the territory: its team's text, or the default one filled with its facts."""
    if kind not in KINDS:
        raise Http404
    document = legal_page_get(kind=kind, territory=request.tenant)
    return render(request, "legal/page.html", {"document": document})


legal_page.access = "public"  # type: ignore[attr-defined]
