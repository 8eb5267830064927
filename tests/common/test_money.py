"""One money format: French by default, English when the page is in English."""

from decimal import Decimal

from django.template import Context, Template
from django.utils.translation import override

from vitrine.common.money import euros


def test_french_amounts_group_thousands_with_narrow_spaces_and_keep_the_sign_on_the_line():
    with override("fr"):
        assert euros(Decimal("1234.5")) == "1\u202f234,50\xa0€"
        assert euros(Decimal("1234567.891")) == "1\u202f234\u202f567,89\xa0€"
        assert euros(12) == "12,00\xa0€"
        assert euros(Decimal(-5)) == "-5,00\xa0€"
        assert euros(0) == "0,00\xa0€"


def test_english_amounts():
    with override("en"):
        assert euros(Decimal("1234.5")) == "€1,234.50"


def test_the_template_filter_is_the_same_rule():
    template = Template("{% load catalog_tags %}[{{ price|euros }}][{{ nothing|euros }}]")

    with override("fr"):
        text = template.render(Context({"price": Decimal("1249.9"), "nothing": None}))

    assert text == "[1\u202f249,90\xa0€][]"
