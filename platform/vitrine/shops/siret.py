"""SIRET numbers: checked by python-stdnum (Luhn, with La Poste's establishments excepted)."""

import re

from stdnum.fr import siret


def siret_normalise(value: str) -> str:
    """Drop the spaces, dots and dashes people type between digit groups."""
    return re.sub(r"[\s.\-]", "", value or "")


def siret_valid(value: str) -> bool:
    """Tell whether a (normalised) SIRET is well formed: 14 digits and its check digit."""
    # stdnum would also accept the separators; the stored value is the digits only.
    return bool(re.fullmatch(r"\d{14}", value or "")) and siret.is_valid(value)
