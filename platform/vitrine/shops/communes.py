"""Writes on the territory's communes: loaded from a file, added by staff."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.common.text import slug_unique
from vitrine.shops.models import (
    Commune,
)
from vitrine.shops.permissions import staff_check

POSTCODE = re.compile(r"\d{5}")


@dataclass(frozen=True)
class CommuneLoadResult:
    created: int
    unchanged: int


def _commune_errors(name: str, postcode: str) -> list[str]:
    errors = []
    if not name:
        errors.append(_("The commune's name is missing."))
    elif len(name) > 120:
        errors.append(_("The commune's name is at most 120 characters."))
    if not POSTCODE.fullmatch(postcode):
        errors.append(_("“%(postcode)s” is not a postcode (5 digits).") % {"postcode": postcode})
    return errors


def _commune_get_or_create(name: str, postcode: str) -> tuple[Commune, bool]:
    existing = Commune.objects.filter(name=name, postcode=postcode).first()
    if existing is not None:
        return existing, False
    slug = slug_unique(Commune, f"{name}-{postcode}", fallback="commune")
    return Commune.objects.create(name=name, postcode=postcode, slug=slug), True


@transaction.atomic
def communes_load(*, rows: Iterable[Mapping[str, str]]) -> CommuneLoadResult:
    """Upsert the territory's communes (name, postcode); all rows or none, safe to run again."""
    clean: list[tuple[str, str]] = []
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(rows, start=2):  # line 1 is the CSV header
        name = " ".join((row.get("name") or "").split())
        postcode = (row.get("postcode") or "").strip()
        problems = _commune_errors(name, postcode)
        if problems:
            errors.extend(_("Line %(line)s: %(error)s") % {"line": line, "error": problem} for problem in problems)
        elif (name, postcode) not in seen:
            seen.add((name, postcode))
            clean.append((name, postcode))
    if errors:
        raise ValidationError(errors)
    created = sum(_commune_get_or_create(name, postcode)[1] for name, postcode in clean)
    return CommuneLoadResult(created=created, unchanged=len(clean) - created)


@transaction.atomic
def commune_add(*, name: str, postcode: str, actor: User) -> Commune:
    """Territory staff add a commune to the territory."""
    staff_check(actor)
    name, postcode = " ".join((name or "").split()), (postcode or "").strip()
    errors = _commune_errors(name, postcode)
    if errors:
        raise ValidationError({"name" if not name or len(name) > 120 else "postcode": errors})
    if Commune.objects.filter(name__iexact=name, postcode=postcode).exists():
        raise ValidationError(
            {
                "name": [
                    _("%(name)s (%(postcode)s) is already a commune of the territory.")
                    % {"name": name, "postcode": postcode}
                ]
            }
        )
    commune, _created = _commune_get_or_create(name, postcode)
    audit_record(actor=actor, verb="commune.add", obj=commune, payload={"postcode": postcode})
    return commune
