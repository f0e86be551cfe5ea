"""Phone numbers in one comparable form: E.164 for a UK or international number, digits only otherwise."""
from __future__ import annotations

import re

import phonenumbers
from phonenumbers import CountryCodeSource

DEFAULT_REGION = "GB"
TRUNK_PREFIX = "0"
_UK = phonenumbers.PhoneMetadata.metadata_for_region(DEFAULT_REGION).general_desc
UK_NUMBER = re.compile(_UK.national_number_pattern)
UK_LENGTHS = frozenset(_UK.possible_length)
SEPARATORS = str.maketrans("", "", " -()")


def normalise_phone(text: str | None) -> str | None:
    """0151 496 0660, +44(0)151 496 0660 and 0044 151 496 0660 all become +441514960660.

    Anything that is not a possible number (too short, letters, a UK number typed without its leading 0)
    falls back to its digits, so two such spellings still match when their digits do."""
    quick = _plain_uk(text)
    if quick is not None:
        return quick
    number = _parse(text)
    if number is not None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return _digits(text) or None


def _plain_uk(text: str | None) -> str | None:
    """The E.164 form of a UK number written plainly (0 or (0, +44 or +44(0), then digits, spaces, hyphens and brackets)
    whose national number has a UK number's pattern and length: what phonenumbers makes of it, at a twentieth of
    the cost (an import normalises a phone per household). None: ask phonenumbers."""
    if not text:
        return None
    if text.startswith("+44"):
        rest = text[3:].lstrip()
        rest = rest[3:] if rest.startswith("(0)") else rest
    elif text.removeprefix("(").startswith(TRUNK_PREFIX):  # (0161) 496 0660
        rest = text.removeprefix("(")[1:]
    else:
        return None
    national = rest.translate(SEPARATORS)
    if national.isascii() and national.isdigit() and len(national) in UK_LENGTHS and UK_NUMBER.fullmatch(national):
        return "+44" + national
    return None


def phone_search_key(text: str) -> str:
    """The digits a stored normalised phone must contain to match what was typed into a search box:
    the national number of a whole phone number, otherwise the typed digits without a 44 or trunk 0."""
    number = _parse(text)
    if number is not None:
        return str(number.national_number)
    digits = _digits(text)
    return (digits[2:] if len(digits) > 11 and digits.startswith("44") else digits).lstrip("0")


def _parse(text: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text or "", DEFAULT_REGION, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None
    # Without a country code a UK number is dialled with its trunk 0: 7700 900123 is not 07700 900123.
    national = number.country_code_source == CountryCodeSource.FROM_DEFAULT_COUNTRY
    if national and not _digits(text).startswith(TRUNK_PREFIX):
        return None
    return number if phonenumbers.is_possible_number(number) else None


def _digits(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())
