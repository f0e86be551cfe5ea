"""What an import found and did: counts of what changed, and every problem with its row and column."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from crm.funnel.routes import unrecorded_names

SHOWN_VALUE_LENGTH = 80
TALLIES = ("partner_authorities", "households", "applications", "contacts", "events", "checks")


@dataclass(frozen=True)
class Problem:
    row: int | None  # as the spreadsheet shows it (the header is row 1); None for the file as a whole
    column: str | None
    message: str
    value: str = ""


@dataclass(frozen=True)
class Gap:
    """An application whose imported history moved past stages its route requires: they are not invented."""

    row: int  # the first row that moved past a stage
    household_ref: str
    service_line: str
    stages: tuple  # of crm.funnel.stages.Stage, in funnel order

    @property
    def message(self) -> str:
        return "stages not recorded: " + unrecorded_names(self.stages)


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
    gaps: list[Gap] = field(default_factory=list)
    # (name as first written, rows naming it): partner authorities Hearth does not hold, each also one of `errors`
    unknown_authorities: list[tuple[str, int]] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in TALLIES})

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        """Whether the caller should commit: a clean file, not a dry run."""
        return self.ok and not self.dry_run

    @property
    def only_unknown_authorities(self) -> bool:
        """Refused only for partner authorities Hearth does not hold: adding them would let the file in."""
        return bool(self.unknown_authorities) and len(self.errors) == len(self.unknown_authorities)

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

    def gap(self, row: int, household_ref: str, service_line: str, stages) -> None:
        self.gaps.append(Gap(row, household_ref, service_line, tuple(dict.fromkeys(stages))))

    def count(self, tally: str, outcome: str, amount: int = 1) -> None:
        setattr(self.tallies[tally], outcome, getattr(self.tallies[tally], outcome) + amount)

    def counts(self) -> dict[str, dict[str, int]]:
        """The non-empty tallies, for the audit log and the page."""
        return {name: vars(t).copy() for name, t in self.tallies.items() if t.total}

    def to_dict(self) -> dict:
        """The report as JSON, kept with a background run for its page."""
        return {"kind": self.kind, "filename": self.filename, "dry_run": self.dry_run, "rows_read": self.rows_read,
                "errors": [[p.row, p.column, p.message, p.value] for p in self.errors],
                "warnings": [[p.row, p.column, p.message, p.value] for p in self.warnings],
                "gaps": [[g.row, g.household_ref, g.service_line, [s.value for s in g.stages]] for g in self.gaps],
                "unknown_authorities": [list(u) for u in self.unknown_authorities],
                "tallies": {name: vars(t).copy() for name, t in self.tallies.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        from crm.funnel.stages import Stage

        report = cls(kind=data["kind"], filename=data["filename"], dry_run=data["dry_run"], rows_read=data["rows_read"])
        report.errors = [Problem(*p) for p in data["errors"]]
        report.warnings = [Problem(*p) for p in data["warnings"]]
        report.gaps = [Gap(row, ref, line, tuple(Stage(s) for s in stages)) for row, ref, line, stages in data["gaps"]]
        report.unknown_authorities = [tuple(u) for u in data["unknown_authorities"]]
        report.tallies = {name: Tally(**t) for name, t in data["tallies"].items()}
        return report

    def lines(self) -> list[str]:
        """The report as text for the command line."""
        head = f"{self.kind.capitalize()} import of {self.filename}: {self.rows_read} rows read."
        warnings = [f"Warning: {p.column}: {p.message}" for p in self.warnings]
        warnings += [f"Warning: row {g.row}, household {g.household_ref}, {g.service_line}: {g.message}"
                     for g in self.gaps]
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
