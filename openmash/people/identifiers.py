"""Validation of the identifiers a MASH uses to tell children apart (DESIGN.md §6).

Pure: no ORM and no settings. The only Django import is ``ValidationError``, so these functions
work as model/form field validators and in plain scripts and tests alike.

* **NHS number**: 10 digits; the 10th is a modulus 11 check digit over the first nine (weights
  10 down to 2; ``11 - (sum mod 11)``, where 11 becomes 0 and 10 means the nine digits can never
  form an NHS number). Numbers from 999 000 0000 to 999 999 9999 are reserved for testing, so
  :func:`synthetic_nhs_number` draws only from that range and demo data never names a real person.
* **UPN** (DfE Unique Pupil Number): 13 characters — a check letter, the 3-digit LA number, the
  4-digit DfE establishment number, the last 2 digits of the academic year of allocation and a
  3-digit serial. A *temporary* UPN ends with a letter instead of the serial's last digit. The
  check letter: multiply characters 2–13 by weights 2–13 (a final letter counts as its position
  in :data:`UPN_LETTERS`), sum, take the remainder mod 23 and look it up in :data:`UPN_LETTERS`
  (the alphabet without I, O and S). Worked example from DfE guidance: ``H801200001001``.
  The LA number is not checked against a list: LA numbers change with local government
  reorganisation, and the DfE census validators already enforce the current list.
* **Postcode**: the UK format (outward code, a space, inward code), e.g. ``ME4 4TR``.

Each ``validate_*`` raises ``ValidationError`` with a message that says what is wrong and what a
valid value looks like (never echoing the value back, so messages are safe to log), and returns
the normalised value for convenience. Each ``is_valid_*`` answers the same question as a bool.
"""

from __future__ import annotations

import random
import re

from django.core.exceptions import ValidationError

__all__ = [
    "NHS_NUMBER_EXAMPLE",
    "POSTCODE_EXAMPLE",
    "UPN_EXAMPLE",
    "UPN_LETTERS",
    "format_nhs_number",
    "is_valid_nhs_number",
    "is_valid_postcode",
    "is_valid_upn",
    "normalise_nhs_number",
    "normalise_postcode",
    "normalise_upn",
    "nhs_number_check_digit",
    "synthetic_nhs_number",
    "synthetic_upn",
    "upn_check_letter",
    "validate_nhs_number",
    "validate_postcode",
    "validate_upn",
]

# --------------------------------------------------------------------------------------------
# NHS number
# --------------------------------------------------------------------------------------------

# A valid number in the range reserved for testing, used in messages.
NHS_NUMBER_EXAMPLE = "999 876 5439"

_NHS_SEPARATORS = str.maketrans("", "", " -\t\u00a0\u2010\u2011\u2012\u2013\u2014")


def normalise_nhs_number(value: str) -> str:
    """Strip spaces and dashes: ``"943 476 5919"`` -> ``"9434765919"``. Other characters stay,
    so that validation can say they are wrong."""
    return (value or "").strip().translate(_NHS_SEPARATORS)


def format_nhs_number(value: str) -> str:
    """Show an NHS number in the usual 3-3-4 groups; anything not 10 digits is returned as is."""
    digits = normalise_nhs_number(value)
    if len(digits) == 10 and digits.isdigit():
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return value


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for nine digits, or None when the result would be 10 (no NHS
    number can start with those nine digits)."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("An NHS number check digit is computed from exactly nine digits.")
    weights = range(10, 1, -1)
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, weights, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def validate_nhs_number(value: str) -> str:
    """Raise ``ValidationError`` unless ``value`` is a valid NHS number; return it normalised."""
    digits = normalise_nhs_number(value)
    like = f"like {NHS_NUMBER_EXAMPLE}"
    if not digits:
        raise ValidationError(f"Enter an NHS number: 10 digits, {like}.", code="nhs_number_blank")
    if not (digits.isdigit() and digits.isascii()):
        raise ValidationError(
            f"An NHS number must contain only digits (spaces and dashes are allowed), {like}.",
            code="nhs_number_characters",
        )
    if len(digits) != 10:
        raise ValidationError(
            f"An NHS number must be 10 digits long, {like}; this one has %(length)d.",
            code="nhs_number_length",
            params={"length": len(digits)},
        )
    if len(set(digits)) == 1:
        raise ValidationError(
            f"An NHS number cannot be one digit repeated 10 times; enter the real NHS number, "
            f"{like}.",
            code="nhs_number_placeholder",
        )
    check = nhs_number_check_digit(digits[:9])
    if check is None:
        raise ValidationError(
            f"This is not a valid NHS number: no NHS number can start with these 9 digits "
            f"(their check digit would be 10). Check it has been copied correctly; a valid "
            f"NHS number looks {like}.",
            code="nhs_number_check_digit",
        )
    if check != int(digits[9]):
        raise ValidationError(
            f"This is not a valid NHS number: the last digit (the check digit) does not match "
            f"the first 9. Check it has been copied correctly; a valid NHS number looks {like}.",
            code="nhs_number_check_digit",
        )
    return digits


def is_valid_nhs_number(value: str) -> bool:
    try:
        validate_nhs_number(value)
    except ValidationError:
        return False
    return True


def synthetic_nhs_number(rng: random.Random) -> str:
    """A valid NHS number from the range reserved for testing (999 000 0000–999 999 9999)."""
    while True:
        first_nine = f"999{rng.randrange(1_000_000):06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None and first_nine != "999999999":
            return f"{first_nine}{check}"


# --------------------------------------------------------------------------------------------
# Unique Pupil Number
# --------------------------------------------------------------------------------------------

# Check letters, and the final letters of temporary UPNs: A–Z without I, O and S (23 letters).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
# The worked example in DfE's UPN guidance.
UPN_EXAMPLE = "H801200001001"

_UPN_SHAPE = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


def normalise_upn(value: str) -> str:
    """Upper case without spaces: ``"h801 2000 01001"`` -> ``"H801200001001"``."""
    return "".join((value or "").split()).upper()


def upn_check_letter(last_twelve: str) -> str:
    """The check letter for characters 2–13 of a UPN (11 digits then a digit or letter)."""
    if (
        len(last_twelve) != 12
        or not last_twelve[:11].isdigit()
        or not (last_twelve[11].isdigit() or last_twelve[11] in UPN_LETTERS)
    ):
        raise ValueError("A UPN check letter is computed from 11 digits and a digit or letter.")
    values = [int(c) for c in last_twelve[:11]]
    final = last_twelve[11]
    values.append(int(final) if final.isdigit() else UPN_LETTERS.index(final))
    total = sum(value * weight for value, weight in zip(values, range(2, 14), strict=True))
    return UPN_LETTERS[total % 23]


def validate_upn(value: str) -> str:
    """Raise ``ValidationError`` unless ``value`` is a valid (permanent or temporary) UPN; return
    it normalised."""
    upn = normalise_upn(value)
    like = (
        f"like {UPN_EXAMPLE} (a check letter, then 12 digits; a temporary UPN ends with a letter)"
    )
    if not upn:
        raise ValidationError(f"Enter a UPN: 13 characters, {like}.", code="upn_blank")
    if len(upn) != 13:
        raise ValidationError(
            f"A UPN must be 13 characters long, {like}; this one has %(length)d.",
            code="upn_length",
            params={"length": len(upn)},
        )
    if not _UPN_SHAPE.match(upn):
        raise ValidationError(
            f"A UPN must be a letter, then 11 digits, then a digit or a letter, {like}.",
            code="upn_format",
        )
    if upn[0] not in UPN_LETTERS or upn[12] in "IOS":
        raise ValidationError(
            f"The letters I, O and S are never used in a UPN (check for the digits 1, 0 and 5), "
            f"{like}.",
            code="upn_letters",
        )
    if upn_check_letter(upn[1:]) != upn[0]:
        raise ValidationError(
            f"This is not a valid UPN: the first letter (the check letter) does not match the "
            f"rest. Check it has been copied correctly; a valid UPN looks {like}.",
            code="upn_check_letter",
        )
    return upn


def is_valid_upn(value: str) -> bool:
    try:
        validate_upn(value)
    except ValidationError:
        return False
    return True


def synthetic_upn(rng: random.Random, la_code: str = "887", *, temporary: bool = False) -> str:
    """A UPN with a correct check letter for demo data: the given LA number (887 is Medway), a
    random establishment number, allocation year and serial. A temporary UPN ends with a letter.

    Unlike NHS numbers there is no range reserved for testing, so never load synthetic UPNs into
    a system that holds real pupils' records.
    """
    if len(la_code) != 3 or not la_code.isdigit():
        raise ValueError("An LA number is 3 digits, e.g. '887' for Medway.")
    establishment = f"{rng.randrange(10_000):04d}"
    year = f"{rng.randrange(100):02d}"
    if temporary:
        serial = f"{rng.randrange(100):02d}{rng.choice(UPN_LETTERS)}"
    else:
        serial = f"{rng.randrange(1000):03d}"
    last_twelve = f"{la_code}{establishment}{year}{serial}"
    return upn_check_letter(last_twelve) + last_twelve


# --------------------------------------------------------------------------------------------
# Postcode
# --------------------------------------------------------------------------------------------

POSTCODE_EXAMPLE = "ME4 4TR"

# Outward code (A9, A99, AA9, AA99, A9A, AA9A) then inward code (9AA), with the letters each
# position may hold; plus GIR 0AA. From the GOV.UK data standards catalogue's postcode rule.
_POSTCODE = re.compile(
    r"^(?:GIR 0AA|"
    r"(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" [0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the inward code: ``" me44tr "`` -> ``"ME4 4TR"``.
    Something too short to hold an inward code is returned upper case without spaces."""
    compact = "".join((value or "").split()).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> str:
    """Raise ``ValidationError`` unless ``value`` is a full UK postcode; return it normalised."""
    postcode = normalise_postcode(value)
    if not postcode:
        raise ValidationError(f"Enter a postcode, like {POSTCODE_EXAMPLE}.", code="postcode_blank")
    if not _POSTCODE.match(postcode):
        raise ValidationError(
            f"Enter a full UK postcode, like {POSTCODE_EXAMPLE}: an outward code of 2 to 4 "
            f"letters and digits, then a digit and 2 letters.",
            code="postcode_format",
        )
    return postcode


def is_valid_postcode(value: str) -> bool:
    try:
        validate_postcode(value)
    except ValidationError:
        return False
    return True
