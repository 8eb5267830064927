"""French typography: "de" elided before a vowel or a mute h, and short dates in lower case."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from vitrine.common.french import date_short, de_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Achetez Grand Nancy", "d’Achetez Grand Nancy"),
        ("Épicerie Stan", "d’Épicerie Stan"),
        ("Hérouville Commerces", "d’Hérouville Commerces"),
        ("Haute-Marne en boutiques", "de Haute-Marne en boutiques"),
        ("Yvetot", "d’Yvetot"),
        ("Limoges en boutiques", "de Limoges en boutiques"),
        ("Tarn, le marché des villages", "de Tarn, le marché des villages"),
        ("Le Mans Commerces", "du Mans Commerces"),
        ("Les Sables-d'Olonne", "des Sables-d'Olonne"),
    ],
)
def test_de_is_elided_before_a_vowel_or_a_mute_h(name, expected):
    with translation.override("fr"):
        assert de_name(name) == expected


def test_in_english_the_name_follows_the_english_preposition():
    with translation.override("en"):
        assert de_name("Achetez Grand Nancy") == "of Achetez Grand Nancy"
        assert de_name("Anne Martin", english="from") == "from Anne Martin"


def test_the_filter_reads_as_french_in_a_sentence():
    template = Template("{% load i18n french %}L’équipe {{ name|de }}")
    with translation.override("fr"):
        assert template.render(Context({"name": "Achetez Grand Nancy"})) == "L’équipe d’Achetez Grand Nancy"


def test_short_dates_are_lower_case_with_their_dots_in_french():
    saturday = date(2026, 12, 5)
    with translation.override("fr"):
        assert date_short(saturday) == "sam. 5 déc."
        assert date_short(date(2026, 5, 4), year=True) == "lun. 4 mai 2026"
    with translation.override("en"):
        assert date_short(saturday) == "Sat 5 Dec"


def test_a_moment_is_dated_in_the_local_day():
    # 23:30 UTC on Friday is already Saturday in Paris
    moment = datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("UTC"))
    with translation.override("fr"):
        assert Template("{% load french %}{{ moment|date_short }}").render(Context({"moment": moment})) == "sam. 5 déc."
