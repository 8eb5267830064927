"""SIRET numbers: 14 digits whose Luhn checksum holds (La Poste's establishments excepted)."""
import re

LA_POSTE_SIREN = "356000000"


def siret_normalise(value: str) -> str:
    """Drop the spaces, dots and dashes people type between digit groups."""
    return re.sub(r"[\s.\-]", "", value or "")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siret_valid(value: str) -> bool:
    """Whether a (normalised) SIRET is well formed."""
    if not re.fullmatch(r"\d{14}", value):
        return False
    if value.startswith(LA_POSTE_SIREN):
        # La Poste's establishments break the Luhn rule; their digit sum is a multiple of 5.
        return sum(int(char) for char in value) % 5 == 0
    return luhn_valid(value)
