"""The partner authorities a households file names that Hearth does not hold: each listed once, or added first."""
from __future__ import annotations

from crm.errors import DomainError
from crm.households.authorities import add_partner_authorities, authority_key
from crm.transfer import lookups
from crm.transfer.formats import Table, Value
from crm.transfer.report import ImportReport

COLUMN = "partner_authority"


class UnknownAuthorities:
    """The rows naming each unknown authority, so that a tracker of 500 rows naming one has one problem, not 500."""

    def __init__(self):
        self.named: dict[str, tuple[str, list[int]]] = {}  # authority_key -> (the name as first written, rows)

    def note(self, number: int, value: Value) -> None:
        self.named.setdefault(authority_key(str(value)), (str(value), []))[1].append(number)

    def report_to(self, report: ImportReport) -> None:
        for name, numbers in self.named.values():
            rows = f"row {numbers[0]}" if len(numbers) == 1 else f"{len(numbers)} rows, the first row {numbers[0]}"
            report.unknown_authorities.append((name, len(numbers)))
            report.error(None, COLUMN, f"Unknown partner authority, named in {rows}: an administrator adds it before "
                         "the import (crm authorities add NAME, or crm import households --add-authorities)", name)


def add_unknown(table: Table, found: lookups.Lookups, report: ImportReport, *, actor) -> lookups.Lookups:
    """Add the authorities the file names that Hearth does not hold (audited, in the import's transaction); the
    names read again. A name that cannot be added is a problem with the file."""
    names: dict[str, str] = {}  # authority_key -> the name as first written, as the report lists it
    for _, raw in table.rows:
        if raw.get(COLUMN, "") != "":
            names.setdefault(authority_key(str(raw[COLUMN])), str(raw[COLUMN]))
    unknown = [name for key, name in names.items() if key not in found.authorities]
    if not unknown:
        return found
    try:
        add_partner_authorities(unknown, actor=actor)
    except DomainError as error:
        for _, message in error.problems:
            report.error(None, COLUMN, message)
        return found
    report.count("partner_authorities", "created", len(unknown))
    return lookups.load()
