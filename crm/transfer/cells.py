"""Reading one cell of an import: dates, yes/no, counts and text, each with a message a person can act on."""
from __future__ import annotations

import re
from datetime import date, datetime

from crm.enquiries.models import ContactMethod
from crm.funnel.stages import Stage
from crm.transfer.formats import Value

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S")
EARLIEST_YEAR = 1900
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CellProblem(ValueError):
    """The cell's value cannot be used; the message says what is wrong with it."""


def text(value: Value, limit: int) -> str | None:
    """Free text, or None for a blank cell."""
    value = value.isoformat() if isinstance(value, date) else value
    if len(value) > limit:
        raise CellProblem(f"Must be {limit} characters or fewer (this has {len(value)})")
    return value or None


def required(value):
    if value is None:
        raise CellProblem("Must not be blank")
    return value


def day(value: Value, *, today: date) -> date | None:
    """A date written YYYY-MM-DD or DD/MM/YYYY, or an Excel date cell; never in the future."""
    if value == "":
        return None
    found = value if isinstance(value, date) else _parse_date(value)
    if found > today:
        raise CellProblem("The date is in the future")
    if found.year < EARLIEST_YEAR:
        raise CellProblem(f"The date must be after {EARLIEST_YEAR}")
    return found


def _parse_date(value: str) -> date:
    if len(value) == 10 and value[4] == value[7] == "-" and value.replace("-", "").isdigit():
        try:
            return date.fromisoformat(value)  # the common case, much faster than strptime
        except ValueError:
            raise CellProblem("Must be a real date, for example 2025-03-27") from None
    for layout in DATE_FORMATS:
        try:
            return datetime.strptime(value, layout).date()
        except ValueError:
            continue
    raise CellProblem("Must be a real date written YYYY-MM-DD or DD/MM/YYYY, for example 2025-03-27")


def flag(value: Value) -> bool:
    word = str(value).lower()
    if word in YES | NO:
        return word in YES
    raise CellProblem("Must be yes or no (blank means no)")


def count(value: Value, low: int, high: int) -> int | None:
    if value == "":
        return None
    if not str(value).isdigit() or not low <= int(value) <= high:
        raise CellProblem(f"Must be a whole number from {low} to {high}")
    return int(value)


def email(value: Value) -> str | None:
    address = text(value, 254)
    if address and not EMAIL.match(address):
        raise CellProblem("Must be an email address, like name@example.com")
    return address.lower() if address else None


def word(value: Value) -> str:
    """A code-like cell (`Walk in`, `walk-in` -> `walk_in`)."""
    return "_".join(str(value).lower().replace("-", " ").split())


def contact_method(value: Value) -> ContactMethod | None:
    if value == "":
        return None
    try:
        return ContactMethod(word(value))
    except ValueError:
        raise CellProblem(f"Must be one of {', '.join(m.value for m in ContactMethod)}") from None


def stage(value: Value) -> Stage | None:
    if value == "":
        return None
    try:
        return Stage(word(value))
    except ValueError:
        raise CellProblem(f"Must be a stage: {', '.join(s.value for s in Stage)}") from None
