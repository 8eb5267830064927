"""One phone rule (phonenumbers): French numbers stored nationally, others internationally."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from vitrine.common.phones import phone_normalise


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 12 34 56 78", "06 12 34 56 78"),
        ("0612345678", "06 12 34 56 78"),
        ("06.12.34.56.78", "06 12 34 56 78"),
        ("03 83 00 00 00", "03 83 00 00 00"),
        ("03-83-12-34-56", "03 83 12 34 56"),
        (" +33 6 12 34 56 78 ", "06 12 34 56 78"),
        ("+33 (0)3 83 12 34 56", "03 83 12 34 56"),
        ("0033 383123456", "03 83 12 34 56"),
        ("+32 2 550 12 11", "+32 2 550 12 11"),  # Brussels
        ("+32 470 12 34 56", "+32 470 12 34 56"),  # a Belgian mobile
    ],
)
def test_callable_numbers_are_stored_in_one_format_that_fits_the_column(typed, stored):
    assert phone_normalise(typed) == stored
    assert len(stored) <= 20


def test_a_number_without_plus_belongs_to_the_region_given():
    assert phone_normalise("02 550 12 11", region="BE") == "02 550 12 11"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "06 12",
        "0612",
        "appelez-moi",
        "06 12 34 56 78 9",
        "06 12 34 56 7A",
        "+33 1 23",
        "06 12 34 56 78 poste 12",
        "06 12 34 56 78 ext. 12",
        "0612345678#12",
    ],
)
def test_numbers_nobody_can_call_are_refused_with_a_translated_message(typed):
    with override("fr"), pytest.raises(ValidationError) as refused:
        phone_normalise(typed)

    assert refused.value.messages == [
        "Saisissez un numéro de téléphone que la boutique peut appeler (par ex. 06 12 34 56 78)."
    ]
    assert refused.value.code == "phone"


def test_the_caller_may_give_its_own_message():
    with pytest.raises(ValidationError) as refused:
        phone_normalise("12", message="Not a phone number.")

    assert refused.value.messages == ["Not a phone number."]
