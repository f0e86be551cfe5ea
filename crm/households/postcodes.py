"""UK postcodes: checked against the format Royal Mail uses, kept and shown with the space before the last three."""
from __future__ import annotations

import re

# Outward code (area, district) and inward code (sector, unit); GIR 0AA is the one historic exception.
POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][ABD-HJLNP-UW-Z]{2})$")


def compact(text: str | None) -> str:
    """Upper case, without spaces: how postcodes are compared."""
    return "".join((text or "").split()).upper()


def is_postcode(text: str | None) -> bool:
    return bool(POSTCODE.match(compact(text)))


def display_postcode(text: str | None) -> str:
    """SW1A1AA and sw1a 1aa are shown SW1A 1AA: the one display rule, crm.formatting.postcode (a looser shape than
    POSTCODE, so a code stored before validation is still shown with its space)."""
    from crm.formatting import postcode

    return postcode(text)
