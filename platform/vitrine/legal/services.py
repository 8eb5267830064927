"""Writes: the territory's administrators rewrite a legal page, or bring its default text back."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.legal.models import BODY_MAX, TITLE_MAX, LegalPage
from vitrine.legal.selectors import legal_default
from vitrine.shops.permissions import admin_check
from vitrine.tenancy.models import Territory
from vitrine.tenancy.routing import routing_invalidate


def _kind_check(kind: str) -> LegalPage.Kind:
    try:
        return LegalPage.Kind(kind)
    except ValueError:
        raise ValidationError({"kind": [_("This legal page does not exist.")]}) from None


@transaction.atomic
def legal_page_update(
    *, territory: Territory, actor: User, kind: str, title: str, body: str, accessibility: str | None = None
) -> LegalPage:
    """Save the team's text of a legal page (title and text checked first); administrators only.

    They answer for these texts as the site's publisher, hence admins, as for the marketplace's
    identity. With the accessibility statement comes the site's conformity state (`accessibility`),
    which every page's footer shows.
    """
    admin_check(actor)
    kind = _kind_check(kind)
    title = " ".join((title or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the page a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [
            _("Keep the title under %(max)s characters (it has %(n)s).") % {"max": TITLE_MAX, "n": len(title)}
        ]
    if not body:
        errors["body"] = [_("Write the page's text, or bring back the default text.")]
    elif len(body) > BODY_MAX:
        errors["body"] = [
            _("Keep the text under %(max)s characters (it has %(n)s).")
            % {"max": number_format(BODY_MAX, force_grouping=True), "n": len(body)}
        ]
    if accessibility is not None and accessibility not in Territory.Accessibility.values:
        errors["accessibility"] = [_("Choose one of the three states the law names.")]
    if errors:
        raise ValidationError(errors)
    # The default as the form showed it (before a change of the conformity state, which it names).
    default = legal_default(kind=kind, territory=territory)
    if accessibility is not None and kind == LegalPage.Kind.ACCESSIBILITE:
        territory = _accessibility_set(territory=territory, accessibility=accessibility)
    page = LegalPage.objects.select_for_update().filter(kind=kind).first()
    if title == default.title and body == default.body:
        # Unchanged default text: no copy is kept, so the page keeps following the territory's facts.
        if page is not None:
            page.delete()
        page = LegalPage(kind=kind, title=title, body=body)
    elif page is None:
        page = LegalPage.objects.create(kind=kind, title=title, body=body, updated_by=actor)
    else:
        page.title, page.body, page.updated_by = title, body, actor
        page.save(update_fields=["title", "body", "updated_by", "updated_at"])
    payload = {"kind": kind.value, "length": len(body), "default": page.pk is None}
    if kind == LegalPage.Kind.ACCESSIBILITE and accessibility is not None:
        payload["accessibility"] = accessibility
    audit_record(actor=actor, verb="legal.update", obj=page, payload=payload)
    return page


def _accessibility_set(*, territory: Territory, accessibility: str) -> Territory:
    # A fresh copy: the caller's may be the routing cache's, shared by every request of this process.
    row = Territory.objects.select_for_update().get(pk=territory.pk)
    if row.accessibility != accessibility:
        row.accessibility = accessibility
        row.save(update_fields=["accessibility", "updated_at"])
        transaction.on_commit(routing_invalidate)  # the footers read request.tenant, from the routing cache
    return row


@transaction.atomic
def legal_page_reset(*, actor: User, kind: str) -> None:
    """Bring back a legal page's default text (the team's version is deleted); administrators only."""
    admin_check(actor)
    kind = _kind_check(kind)
    page = LegalPage.objects.select_for_update().filter(kind=kind).first()
    if page is None:
        return
    audit_record(actor=actor, verb="legal.reset", obj=page, payload={"kind": kind.value})
    page.delete()
