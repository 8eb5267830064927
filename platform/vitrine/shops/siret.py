"""SIRET numbers: checked by python-stdnum (Luhn, with La Poste's establishments excepted)."""

import re

from stdnum import luhn
from stdnum.fr import siret


def siret_normalise(value: str) -> str:
    """Drop the spaces, dots and dashes people type between digit groups."""
    return re.sub(r"[\s.\-]", "", value or "")


def siret_problem(value: str) -> str:
    """Say what is wrong with a (normalised) SIRET: "" when valid, "digits" or "check_digit"."""
    if not re.fullmatch(r"\d{14}", value or ""):
        return "digits"
    return "" if siret.is_valid(value) else "check_digit"


def siret_valid(value: str) -> bool:
    """Tell whether a (normalised) SIRET is well formed: 14 digits and its check digit."""
    # stdnum would also accept the separators; the stored value is the digits only.
    return bool(re.fullmatch(r"\d{14}", value or "")) and siret.is_valid(value)


def siret_make(seed: int) -> str:
    """Make a valid SIRET (as python-stdnum checks it) from a number, for the demo, benchmarks and tests.

    The seed's last 12 digits are the SIREN's 8 and the establishment's 4; each gets its
    Luhn check digit, so different seeds below 10**12 give different SIRETs.
    """
    digits = f"{seed % 10**12:012d}"
    siren_number = digits[:8] + luhn.calc_check_digit(digits[:8])
    number = siren_number + digits[8:] + luhn.calc_check_digit(siren_number + digits[8:])
    return siret.validate(number)  # raises for the one SIREN (La Poste's) with its own rule
