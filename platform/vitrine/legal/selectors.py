"""Reads: a territory's legal page, as its team wrote it or as the default text says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString

from vitrine.accounts.models import User
from vitrine.legal.models import LegalPage
from vitrine.legal.text import legal_text_problems, legal_text_render
from vitrine.metrics.services import SEARCH_KEEP_MONTHS
from vitrine.orders.selectors import order_settings
from vitrine.payments.selectors import payment_settings
from vitrine.payments.stripe_api import online_payment_configured
from vitrine.tenancy.models import Territory
from vitrine.tenancy.selectors import territory_base_url_cached

KINDS = [kind.value for kind in LegalPage.Kind]
# Each page's public address (legal/urls.py), by kind.
URL_NAMES = {
    "mentions": "legal_mentions",
    "cgu": "legal_cgu",
    "confidentialite": "legal_privacy",
    "accessibilite": "legal_accessibility",
}

# French titles: the pages are the publisher's legal texts, written in French whatever the
# visitor's language (the page says so in English).
DEFAULT_TITLES = {
    LegalPage.Kind.MENTIONS: "Mentions légales",
    LegalPage.Kind.CGU: "Conditions générales d’utilisation",
    LegalPage.Kind.CONFIDENTIALITE: "Politique de confidentialité",
    LegalPage.Kind.ACCESSIBILITE: "Déclaration d’accessibilité",
}

# Who publishes the site and who answers for it, by kind of territory (the defaults name them).
PUBLISHERS = {
    Territory.Kind.METROPOLE: ("la métropole", "de la métropole", "le président ou la présidente de la métropole"),
    Territory.Kind.CITY: ("la commune", "de la commune", "le maire ou la maire"),
    Territory.Kind.DEPARTMENT: (
        "le département",
        "du département",
        "le président ou la présidente du conseil départemental",
    ),
    Territory.Kind.OTHER: ("la collectivité", "de la collectivité", "son représentant légal"),
}


@dataclass(frozen=True)
class LegalDocument:
    """A legal page as shown: its text (source), its HTML, and whether the team rewrote it."""

    kind: str
    title: str
    body: str
    is_default: bool
    updated_at: datetime | None = None
    updated_by: User | None = None

    @property
    def html(self) -> SafeString:
        return legal_text_render(self.body)

    @property
    def url_name(self) -> str:
        return URL_NAMES[self.kind]

    @property
    def to_complete(self) -> list[str]:
        return legal_text_problems(self.body)


def _days(seconds: int | None) -> int:
    return (seconds or 0) // (24 * 3600)


def legal_default_context(*, territory: Territory) -> dict:
    """What the default texts say about this territory and about what the platform really does."""
    body, body_of, director = PUBLISHERS.get(territory.kind, PUBLISHERS[Territory.Kind.OTHER])
    rules = order_settings()
    policy = payment_settings()
    online = policy.offers_online and online_payment_configured()
    return {
        # Online payment, when the territory offers it: who takes the money, when, and what it costs.
        "online_payment": online,
        "payment_acceptance_hours": policy.acceptance_hours,
        "territory": territory,
        "site_url": territory_base_url_cached(territory) or "",
        "publisher": body,
        "publisher_of": body_of,
        "director": director,
        "accessibility_label": str(territory.get_accessibility_display()),
        "unpaid_minutes": rules.unpaid_release_minutes,
        "not_collected_days": rules.not_collected_after_days,
        "search_keep_months": SEARCH_KEEP_MONTHS,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session_days": _days(settings.SESSION_COOKIE_AGE),
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_days": _days(settings.CSRF_COOKIE_AGE),
        "language_cookie": settings.LANGUAGE_COOKIE_NAME,
        "language_days": _days(settings.LANGUAGE_COOKIE_AGE),
        "error_reports": bool(getattr(settings, "SENTRY_DSN", "")),
        "urls": {
            **{kind: reverse(name) for kind, name in URL_NAMES.items()},
            "account": reverse("account"),
            "account_data": reverse("account_data"),
            "account_delete": reverse("account_delete"),
            "shop_apply": reverse("shop_apply"),
        },
    }


def legal_default(*, kind: str, territory: Territory) -> LegalDocument:
    """The default French text of a page, filled with the territory's own facts."""
    with translation.override("fr"):
        body = render_to_string(f"legal/defaults/{kind}.txt", legal_default_context(territory=territory))
    return LegalDocument(kind=kind, title=DEFAULT_TITLES[LegalPage.Kind(kind)], body=body.strip(), is_default=True)


def _edited(page: LegalPage) -> LegalDocument:
    return LegalDocument(
        kind=page.kind,
        title=page.title,
        body=page.body,
        is_default=False,
        updated_at=page.updated_at,
        updated_by=page.updated_by,
    )


def legal_page_get(*, kind: str, territory: Territory) -> LegalDocument:
    """The page as the territory shows it: its team's text, or the default one."""
    page = LegalPage.objects.select_related("updated_by").filter(kind=kind).first()
    return legal_default(kind=kind, territory=territory) if page is None else _edited(page)


def legal_page_list(*, territory: Territory) -> list[LegalDocument]:
    """Every legal page of the territory, in the footer's order (one query)."""
    edited = {page.kind: page for page in LegalPage.objects.select_related("updated_by")}
    documents = []
    for kind in KINDS:
        page = edited.get(kind)
        documents.append(legal_default(kind=kind, territory=territory) if page is None else _edited(page))
    return documents
