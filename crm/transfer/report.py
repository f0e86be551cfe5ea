"""What an import found and did: counts of what changed, and every problem with its row and column."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SHOWN_VALUE_LENGTH = 80
TALLIES = ("partner_authorities", "households", "applications", "contacts", "events", "checks")


@dataclass(frozen=True)
class Problem:
    row: int | None  # as the spreadsheet shows it (the header is row 1); None for the file as a whole
    column: str | None
    message: str
    value: str = ""


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    kind: str
    filename: str
    dry_run: bool = False
    rows_read: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in TALLIES})

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        """Whether the caller should commit: a clean file, not a dry run."""
        return self.ok and not self.dry_run

    @property
    def file_errors(self) -> list[Problem]:
        return [p for p in self.errors if p.row is None]

    @property
    def row_errors(self) -> list[Problem]:
        return sorted((p for p in self.errors if p.row is not None), key=lambda p: p.row)

    def error(self, row: int | None, column: str | None, message: str, value=None) -> None:
        self.errors.append(Problem(row, column, message, shown(value)))

    def warn(self, column: str, message: str) -> None:
        self.warnings.append(Problem(None, column, message))

    def count(self, tally: str, outcome: str, amount: int = 1) -> None:
        setattr(self.tallies[tally], outcome, getattr(self.tallies[tally], outcome) + amount)

    def counts(self) -> dict[str, dict[str, int]]:
        """The non-empty tallies, for the audit log and the page."""
        return {name: vars(t).copy() for name, t in self.tallies.items() if t.total}

    def lines(self) -> list[str]:
        """The report as text for the command line."""
        head = f"{self.kind.capitalize()} import of {self.filename}: {self.rows_read} rows read."
        warnings = [f"Warning: {p.column}: {p.message}" for p in self.warnings]
        if not self.ok:
            problems = [_problem_line(p) for p in [*self.file_errors, *self.row_errors]]
            return [head, *warnings, f"{len(self.errors)} problem(s); nothing from the file was stored.", *problems]
        counts = [f"  {name}: {t.created} created, {t.updated} updated, {t.unchanged} unchanged"
                  for name, t in self.tallies.items() if t.total]
        outcome = "Dry run: nothing was stored." if self.dry_run else "Stored."
        return [head, *counts, *warnings, outcome]


def _problem_line(problem: Problem) -> str:
    where = "file" if problem.row is None else f"row {problem.row}"
    column = f", column {problem.column}" if problem.column else ""
    value = f' (value: "{problem.value}")' if problem.value else ""
    return f"  {where}{column}: {problem.message}{value}"


def shown(value) -> str:
    """A cell's value as the report shows it: dates in ISO form, long text cut short."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[:SHOWN_VALUE_LENGTH] + "…"
