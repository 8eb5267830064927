"""French typography that gettext cannot do: "de" before a name, and short dates.

A translation fixes the words around a name, not the name: "L'équipe de %(name)s" reads
"L'équipe de Achetez Grand Nancy". The name's own first letter decides "de" or "d'".
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import get_language

# Words whose h is aspirated: no elision before them ("de Haute-Marne", "de Hayange").
# Any other initial h is taken as mute ("d'Hérouville", "d'Hennebont").
ASPIRATED_H = (
    "hache",
    "haie",
    "hall",
    "halle",
    "hameau",
    "hangar",
    "hardi",
    "haricot",
    "harpe",
    "hasard",
    "haut",
    "haute",
    "hauts",
    "hautes",
    "hayange",
    "hénin",
    "héros",
    "hêtre",
    "hibou",
    "homard",
    "honte",
    "hotte",
    "housse",
    "hutte",
)
VOWELS = "aeiou"
# A French date's short names (as printed: "sam. 5 déc."): Django's "D j M" gave "Sam 5 Déc".
DAYS_SHORT = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
MONTHS_SHORT = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def _french() -> bool:
    return (get_language() or "fr").startswith("fr")


def _bare(letter: str) -> str:
    return unicodedata.normalize("NFKD", letter)[:1].lower()


def elides(name: str) -> bool:
    """Tell whether French writes "d'" rather than "de" before this name."""
    name = (name or "").strip()
    if not name:
        return False
    first = _bare(name[0])
    if first in VOWELS:
        return True
    if first == "y":  # "d'Yvetot", "d'Yssingeaux"; "de Yaoundé" (a y sounded as a consonant)
        return len(name) > 1 and _bare(name[1]) not in VOWELS
    if first == "h":
        word = name.split()[0].split("-")[0].lower()
        return word not in ASPIRATED_H
    return False


def de_name(name: str, *, english: str = "of") -> str:
    """The name after "de" in French ("de Nancy", "d’Achetez Grand Nancy", "du Mans"), or `english` + name.

    A name opening with the article "Le" or "Les" contracts: "du Mans", "des Sables-d'Olonne".
    """
    name = (name or "").strip()
    if not _french():
        return f"{english} {name}"
    if name.startswith("Le ") and len(name) > 3:
        return f"du {name[3:]}"
    if name.startswith("Les ") and len(name) > 4:
        return f"des {name[4:]}"
    return f"d’{name}" if elides(name) else f"de {name}"


def date_short(value: date | datetime, *, year: bool = False) -> str:
    """A short date as French prints it, in lower case with its dots: "sam. 5 déc." (English: "Sat 5 Dec")."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)  # the day people see, as the date filter shows it
    if not _french():
        return formats.date_format(value, "D j M Y" if year else "D j M")
    text = f"{DAYS_SHORT[value.weekday()]} {value.day} {MONTHS_SHORT[value.month - 1]}"
    return f"{text} {value.year}" if year else text
