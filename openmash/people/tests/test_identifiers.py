"""NHS number, UPN and postcode validation. Pure: no database, no Django settings."""

import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from openmash.people.identifiers import (
    NHS_NUMBER_EXAMPLE,
    POSTCODE_EXAMPLE,
    UPN_EXAMPLE,
    UPN_LETTERS,
    format_nhs_number,
    is_valid_nhs_number,
    is_valid_postcode,
    is_valid_upn,
    nhs_number_check_digit,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
    synthetic_nhs_number,
    synthetic_upn,
    upn_check_letter,
    validate_nhs_number,
    validate_postcode,
    validate_upn,
)

seeds = st.integers(min_value=0, max_value=2**32)


def _error(validate, value) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate(value)
    return caught.value


# ---- NHS number ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("9434765919", "9434765919"),
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        (" 9434765870 ", "9434765870"),
        (NHS_NUMBER_EXAMPLE, "9998765439"),
    ],
)
def test_valid_nhs_numbers(value, normalised):
    assert validate_nhs_number(value) == normalised
    assert is_valid_nhs_number(value)
    assert normalise_nhs_number(value) == normalised


@pytest.mark.parametrize(
    ("value", "code", "says"),
    [
        ("9434765918", "nhs_number_check_digit", "check digit"),
        ("9434765871", "nhs_number_check_digit", "check digit"),
        # 999 123 456 gives a check digit of 10, so no NHS number starts with it.
        ("9991234560", "nhs_number_check_digit", "would be 10"),
        ("943476591", "nhs_number_length", "10 digits"),
        ("94347659190", "nhs_number_length", "10 digits"),
        ("943476591A", "nhs_number_characters", "only digits"),
        ("", "nhs_number_blank", "Enter an NHS number"),
        ("9999999999", "nhs_number_placeholder", "repeated"),
        ("0000000000", "nhs_number_placeholder", "repeated"),
    ],
)
def test_invalid_nhs_numbers_say_what_is_wrong_and_what_is_right(value, code, says):
    error = _error(validate_nhs_number, value)
    assert error.code == code
    message = error.messages[0]
    assert says in message
    assert f"like {NHS_NUMBER_EXAMPLE}" in message
    assert not is_valid_nhs_number(value)


def test_length_message_counts_the_digits():
    assert "this one has 9" in _error(validate_nhs_number, "943 476 591").messages[0]


def test_nhs_number_check_digit():
    assert nhs_number_check_digit("943476591") == 9
    assert nhs_number_check_digit("943476587") == 0
    assert nhs_number_check_digit("999123456") is None


def test_format_nhs_number():
    assert format_nhs_number("9434765919") == "943 476 5919"
    assert format_nhs_number("94-34") == "94-34"


@given(seeds)
def test_synthetic_nhs_numbers_are_valid_and_reserved_for_testing(seed):
    number = synthetic_nhs_number(random.Random(seed))
    assert validate_nhs_number(number) == number
    assert number.startswith("999")


@given(seeds, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_makes_an_nhs_number_invalid(seed, position, change):
    number = synthetic_nhs_number(random.Random(seed))
    digit = (int(number[position]) + change) % 10
    mistyped = number[:position] + str(digit) + number[position + 1 :]
    assert not is_valid_nhs_number(mistyped)


@given(seeds, st.integers(min_value=0, max_value=7))
def test_swapping_two_adjacent_digits_makes_an_nhs_number_invalid(seed, position):
    number = synthetic_nhs_number(random.Random(seed))
    a, b = number[position], number[position + 1]
    if a != b:
        swapped = number[:position] + b + a + number[position + 2 :]
        assert not is_valid_nhs_number(swapped)


# ---- UPN -----------------------------------------------------------------------------------

# Hand-computed: characters 2-13 times weights 2-13, summed, mod 23, looked up in
# ABCDEFGHJKLMNPQRTUVWXYZ (a final letter counts as its position in that alphabet).
HAND_COMPUTED_UPNS = [
    # DfE guidance examples: 16+4+10+10+13 = 53, 53 mod 23 = 7 -> H
    "H801200001001",
    # 16+4+10+10+12 = 52 -> 6 -> G; temporary, final "A" counts 0
    "G80120000101A",
    # 16+4+10+50+13 = 93 -> 1 -> B
    "B801200005001",
    # Medway (887): 16+24+28+10+9+50+11+24+39 = 211 -> 4 -> E
    "E887200015123",
    # 16+24+28+10+9+50+11+24 = 172, "A" adds 0 -> 11 -> M
    "M88720001512A",
    # 172 + 13 x 22 ("Z") = 458 -> 21 -> Y
    "Y88720001512Z",
]


@pytest.mark.parametrize("upn", HAND_COMPUTED_UPNS)
def test_hand_computed_upns_are_valid(upn):
    assert validate_upn(upn) == upn
    assert upn_check_letter(upn[1:]) == upn[0]
    assert validate_upn(f" {upn[:4].lower()} {upn[4:]} ") == upn


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("A801200001001", "upn_check_letter"),  # wrong check letter
        ("H801200001002", "upn_check_letter"),  # last digit mistyped
        ("H810200001001", "upn_check_letter"),  # digits swapped
        ("G80120000101B", "upn_check_letter"),  # temporary letter changed
        ("I801200001001", "upn_letters"),
        ("H80120000100O", "upn_letters"),
        ("H80120000100S", "upn_letters"),
        ("H80120000100", "upn_length"),
        ("H8012000010011", "upn_length"),
        ("H8012000A1001", "upn_format"),
        ("1801200001001", "upn_format"),
        ("", "upn_blank"),
    ],
)
def test_corrupted_upns_fail_with_a_clear_message(value, code):
    error = _error(validate_upn, value)
    assert error.code == code
    assert f"like {UPN_EXAMPLE}" in error.messages[0]
    assert not is_valid_upn(value)


def test_normalise_upn():
    assert normalise_upn(" h801 2000 01001 ") == "H801200001001"


@given(seeds, st.booleans(), st.sampled_from(["887", "886", "201", "938"]))
def test_synthetic_upns_are_valid(seed, temporary, la_code):
    upn = synthetic_upn(random.Random(seed), la_code=la_code, temporary=temporary)
    assert validate_upn(upn) == upn
    assert upn[1:4] == la_code
    assert upn[-1].isalpha() == temporary


@given(seeds, st.booleans(), st.integers(min_value=1, max_value=12), st.data())
def test_any_single_character_change_makes_a_upn_invalid(seed, temporary, position, data):
    upn = synthetic_upn(random.Random(seed), temporary=temporary)
    # Only like for like: the DfE rule values a final letter by its place in the alphabet, so a
    # permanent UPN ending in 6 and a temporary one ending in G (value 6) share a check letter.
    allowed = UPN_LETTERS if upn[position].isalpha() else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in allowed if c != upn[position]]))
    mistyped = upn[:position] + replacement + upn[position + 1 :]
    assert not is_valid_upn(mistyped)


def test_synthetic_upn_defaults_to_medway():
    assert synthetic_upn(random.Random(1))[1:4] == "887"


# ---- Postcode ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("ME4 4TR", "ME4 4TR"),
        ("me44tr", "ME4 4TR"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("ME7 1NH", "ME7 1NH"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_valid_postcodes(value, normalised):
    assert normalise_postcode(value) == normalised
    assert validate_postcode(value) == normalised
    assert is_valid_postcode(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("ME4", "postcode_format"),
        ("ME44 4T", "postcode_format"),
        ("QE4 4TR", "postcode_format"),  # Q is never first
        ("ME4 4CI", "postcode_format"),  # C and I are never in the inward code
        ("1ME 4TR", "postcode_format"),
        ("ME4-4TR", "postcode_format"),
        ("ME4 4TRR", "postcode_format"),
        ("", "postcode_blank"),
    ],
)
def test_invalid_postcodes(value, code):
    error = _error(validate_postcode, value)
    assert error.code == code
    assert POSTCODE_EXAMPLE in error.messages[0]
    assert not is_valid_postcode(value)
