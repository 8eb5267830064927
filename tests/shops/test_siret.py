"""SIRET numbers, as python-stdnum checks them: Luhn on the SIREN and the SIRET, La Poste excepted."""

import pytest

from vitrine.shops.siret import siret_make, siret_normalise, siret_problem, siret_valid


def test_a_siret_typed_with_spaces_dots_or_dashes_is_read_as_its_digits():
    assert siret_normalise(" 732 829.320-00074 ") == "73282932000074"


@pytest.mark.parametrize("siret", ["73282932000074", "35600000000048", "35600000049837"])
def test_valid_sirets_including_la_poste(siret):
    # La Poste's establishments (SIREN 356000000) break the Luhn rule: their digit sum is a multiple of 5
    assert siret_valid(siret)


@pytest.mark.parametrize(
    "siret",
    ["73282932000075", "35600000049838", "7328293200007", "732829320000744", "7328293200007a", "", "12345678900007"],
)
def test_invalid_sirets(siret):
    # a wrong check digit, La Poste's with a wrong sum, too short, too long, a letter, nothing,
    # and a SIRET whose own Luhn key holds but whose SIREN's does not
    assert not siret_valid(siret)


def test_siret_make_gives_different_valid_sirets():
    sirets = {siret_make(73282932000000 + n) for n in range(2000)}

    assert len(sirets) == 2000 and all(siret_valid(siret) for siret in sirets)


@pytest.mark.parametrize(
    ("siret", "problem"),
    [
        ("73282932000074", ""),
        ("73282932000075", "check_digit"),
        ("12345678900007", "check_digit"),
        ("7328293200007", "digits"),
        ("7328293200007a", "digits"),
        ("", "digits"),
    ],
)
def test_a_wrong_check_digit_is_told_apart_from_a_wrong_length(siret, problem):
    # 14 digits with a wrong key is a mistyped number, not a number of the wrong length
    assert siret_problem(siret) == problem
