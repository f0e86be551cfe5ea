"""Equality monitoring of approvals (SPEC section 5): approvals by each characteristic monitored.

SPEC: "ethnicity, relationship status, age band, sexual orientation, disability, first-time vs fast-track"; religion or
belief too, which the household page records with them (crm.households.monitoring).

The approvals are those the activity report counts (crm.reports.families.activity.approvals): live `approved` events
dated in the period, one per application. Two units, named in every table:

- applicants: ethnicity, age band, sexual orientation and disability are a person's, so they count the applicants
  (people with the role `applicant` in the approved application's household, as recorded now, less anyone who had
  left the household by the approval date) of each approval.
  A couple counts 2; a household approved in two service lines in the period counts its applicants under each
  approval.
- approvals: relationship status (the household's) and first time or fast track (the application's) count
  approvals.

A value not recorded (missing or blank) is "Not recorded". Age is in whole years on the approval date, so an
applicant is a year older on their birthday (born 29 February: on 1 March in other years), in the bands of
AGE_BANDS. Every figure is also a line in `drill_lines`, one row per applicant or approval per characteristic,
so the households behind each count number exactly that count; the rows carry only the characteristic asked
about (special-category data: the report pages are for managers, and a list shows nothing beyond its selector).

Splits: month and quarter (of the approval date), service line, partner authority, team and channel
(crm.reports.data.split_keys); an applicant counts under their approval's split value.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import and_, or_, select

from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind
from crm.households.models import Application, Household, Person, PersonRole
from crm.reports.base import Report, ReportParams, Split
from crm.reports.data.frames import read_frame
from crm.reports.data.months import as_dates, period_key, period_keys
from crm.reports.data.split_keys import NOT_RECORDED, split_values, with_split
from crm.reports.render.charts import Bar, funnel

NAME = "equality"
SPLITS = tuple(Split)  # the splits the report offers (the page shows no other)
AGE_BANDS = ("Under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_EDGES = (18, 25, 35, 45, 55, 65)
ROUTES = ("First time", "Fast track")
# key: (label, unit, the values always shown in this order, or None for the values found in alphabetical order)
DIMENSIONS = {
    "ethnicity": ("Ethnicity", "applicants", None),
    "age_band": ("Age band at approval", "applicants", (*AGE_BANDS, NOT_RECORDED)),
    "sexual_orientation": ("Sexual orientation", "applicants", None),
    "disability": ("Disability", "applicants", None),
    "religion": ("Religion or belief", "applicants", None),
    "relationship_status": ("Relationship status", "approvals", None),
    "fast_track": ("First time or fast track", "approvals", ROUTES),
}
PERSONAL = ("ethnicity", "sexual_orientation", "disability", "religion")
TOTAL = "total"
TOTALS_COLUMNS = ("measure", "label", "total")
LINE_COLUMNS = ["household_id", "application_id", "person_id", "service_line", "approved_on", "split", "dimension",
                "value"]
# The generic list of households behind a count (crm.reports.drill) shows only these beside the household: never
# another characteristic of the people listed.
DRILL_COLUMNS = {"approved_on": "Approved on"}


def compute(params: ReportParams) -> Report:
    """The period's approvals by each characteristic; with `params.by`, the same per split value."""
    lines = drill_lines(params)
    values = categories(lines)
    totals = figures(lines, values)
    splits = {key: figures(lines[lines["split"] == key], values) for key in _split_keys(params, lines)}
    return Report(NAME, params, totals, tables(totals, splits), splits)


# The figures.

def figures(lines: pd.DataFrame, values: dict[str, list[str]]) -> dict:
    """The JSON shape: {"approvals": n, "applicants": n, "<characteristic>": {"<value>": {"count": n,
    "percent": p}}} for ethnicity, age_band, sexual_orientation, disability (counts of applicants) and
    relationship_status, fast_track (counts of approvals); percent of the unit's total, one decimal place,
    null when the total is 0. Every value of `values` is present, zeros included."""
    counts = lines.groupby(["dimension", "value"]).size()
    result = {"approvals": approvals(counts), "applicants": applicants(counts)}
    for key, (_, unit, _) in DIMENSIONS.items():
        result[key] = {value: _cell(int(counts.get((key, value), 0)), result[unit]) for value in values[key]}
    return result


def approvals(counts: pd.Series) -> int:
    """Approvals by the Agency Decision Maker: live `approved` events dated in the period (applications), as the
    activity report counts them."""
    return int(counts.get((TOTAL, "approvals"), 0))


def applicants(counts: pd.Series) -> int:
    """The applicants of those approvals: the people with the role `applicant` in each approved application's
    household, once per approval."""
    return int(counts.get((TOTAL, "applicants"), 0))


def _cell(count: int, base: int) -> dict:
    return {"count": count, "percent": round(100 * count / base, 1) if base else None}


def categories(lines: pd.DataFrame) -> dict[str, list[str]]:
    """Each characteristic's values in display order: fixed lists in their order; otherwise the values found,
    alphabetically, with "Not recorded" last and always shown (how complete the monitoring is matters too)."""
    found = lines.groupby("dimension")["value"].unique()
    ordered = {}
    for key, (_, _, fixed) in DIMENSIONS.items():
        if fixed:
            ordered[key] = list(fixed)
            continue
        seen = set(found.get(key, [])) - {NOT_RECORDED}
        ordered[key] = [*sorted(seen, key=lambda value: (value.casefold(), value)), NOT_RECORDED]
    return ordered


# The line-level rows: each figure counts some of them.

def drill_lines(params: ReportParams) -> pd.DataFrame:
    """One row per approval and per applicant of an approval for each characteristic: `dimension` (the
    characteristic, or "total" for the two totals: value "approvals" or "applicants") and `value`, with the
    household, application, person (applicants' rows), service line, approval date and split value (None without
    a split). Columns: LINE_COLUMNS."""
    rows = _rows(params)
    approved = rows.drop_duplicates("application_id").assign(person_id=None)
    people = rows.dropna(subset=["person_id"])
    parts = [_long(approved, TOTAL, pd.Series("approvals", index=approved.index)),
             _long(people, TOTAL, pd.Series("applicants", index=people.index)),
             _long(people, "age_band", age_bands(people["date_of_birth"], people["approved_on"])),
             *[_long(people, key, _recorded(people[key])) for key in PERSONAL],
             _long(approved, "relationship_status", _recorded(approved["relationship_status"])),
             _long(approved, "fast_track", approved["fast_track"].map({True: ROUTES[1], False: ROUTES[0]}))]
    return pd.concat(parts, ignore_index=True)[LINE_COLUMNS].astype({"person_id": "Int64"})


def _long(frame: pd.DataFrame, dimension: str, values: pd.Series) -> pd.DataFrame:
    return frame.assign(dimension=dimension, value=values.astype(object))


def _recorded(values: pd.Series) -> pd.Series:
    """Text values stripped; missing or blank ones are "Not recorded"."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return text.mask(text == "", NOT_RECORDED)


def age_bands(born: pd.Series, on: pd.Series) -> pd.Series:
    """Each applicant's age band on the approval date: whole years, a year more from the birthday itself."""
    before_birthday = (on.dt.month < born.dt.month) | ((on.dt.month == born.dt.month) & (on.dt.day < born.dt.day))
    age = on.dt.year - born.dt.year - before_birthday.astype(int)
    bands = pd.cut(age, bins=[-np.inf, *AGE_EDGES, np.inf], right=False, labels=list(AGE_BANDS))
    return bands.astype(object).where(born.notna(), NOT_RECORDED)


_QUERY_COLUMNS = ["application_id", "household_id", "service_line", "fast_track", "approved_on",
                  "relationship_status", "person_id", "date_of_birth", "ethnicity", "sexual_orientation", "disability",
                  "religion"]


def _rows(params: ReportParams) -> pd.DataFrame:
    """The one query: each live approval dated in the period with its household's applicants (a row with no
    person when the household has none recorded), and the split value (crm.reports.data.split_keys)."""
    query = (select(Application.id.label("application_id"), Application.household_id,
                    Application.service_line_code.label("service_line"), Application.fast_track,
                    StageEvent.occurred_on.label("approved_on"), Household.relationship_status,
                    Person.id.label("person_id"), Person.date_of_birth, Person.ethnicity, Person.sexual_orientation,
                    Person.disability, Person.religion)
             .join(Application, Application.id == StageEvent.application_id)
             .join(Household, Household.id == Application.household_id)
             .outerjoin(Person, and_(Person.household_id == Household.id, Person.role == PersonRole.APPLICANT,
                                     or_(Person.left_on.is_(None), Person.left_on > StageEvent.occurred_on)))
             .where(StageEvent.undone_at.is_(None), StageEvent.kind == EventKind.APPROVED,
                    StageEvent.occurred_on >= params.date_from, StageEvent.occurred_on <= params.date_to)
             .order_by(StageEvent.occurred_on, Application.id, Person.id))
    rows = read_frame(with_split(query, params.by))
    rows = rows.reindex(columns=[*_QUERY_COLUMNS, "split"])
    rows["approved_on"], rows["date_of_birth"] = as_dates(rows["approved_on"]), as_dates(rows["date_of_birth"])
    rows["fast_track"] = rows["fast_track"].astype(bool)
    rows["split"] = _split_column(params.by, rows)
    return rows


def _split_column(by: Split | None, rows: pd.DataFrame) -> pd.Series:
    """The split value each row counts under: the approval's month or quarter, or its application's or
    household's value ("Not recorded" when missing); None without a split."""
    if by is None:
        return pd.Series(None, index=rows.index, dtype=object)
    if by in (Split.MONTH, Split.QUARTER):
        return period_key(rows["approved_on"], by)
    return split_values(rows["split"])


def _split_keys(params: ReportParams, lines: pd.DataFrame) -> list[str]:
    """Every month or quarter the period touches, in order; otherwise the values found, alphabetically."""
    if params.by is None:
        return []
    if params.by in (Split.MONTH, Split.QUARTER):
        return period_keys(params.date_from, params.date_to, params.by)
    return sorted(lines["split"].dropna().unique())


# Tables, charts and drill-down.

def tables(totals: dict, splits: dict[str, dict]) -> dict[str, pd.DataFrame]:
    """`totals` (approvals and applicants), then one table per characteristic: the value, the count under its
    unit's name (`applicants` or `approvals`), `percent` of the unit's total, and one count column per split."""
    made = {"totals": pd.DataFrame({"measure": ["approvals", "applicants"],
                                    "label": ["Approvals", "Applicants of those approvals"],
                                    "total": [totals["approvals"], totals["applicants"]],
                                    **{_column(key, TOTALS_COLUMNS): [split["approvals"], split["applicants"]]
                                       for key, split in splits.items()}})}
    for key, (_, unit, _) in DIMENSIONS.items():
        cells = totals[key]
        table = {key: list(cells), unit: [cell["count"] for cell in cells.values()],
                 "percent": [cell["percent"] for cell in cells.values()]}
        for split_key, split in splits.items():
            table[_column(split_key, (key, unit, "percent"))] = [split[key][value]["count"] for value in cells]
        made[key] = pd.DataFrame(table)
    return made


def _column(split_key: str, taken: tuple[str, ...]) -> str:
    """A split value as a column name that cannot take the place of the table's own columns."""
    return f"{split_key} (split)" if split_key in taken else split_key


def drill(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """Each count's selector on `drill_lines`: its characteristic and value, and its split value."""
    selectors = {}
    for position, measure in enumerate(("approvals", "applicants")):
        selectors[("totals", position, "total")] = {"dimension": TOTAL, "value": measure}
        for key in report.splits:
            selectors[("totals", position, _column(key, TOTALS_COLUMNS))] = {"dimension": TOTAL, "value": measure,
                                                                             "split": key}
    for name, (_, unit, _) in DIMENSIONS.items():
        for position, value in enumerate(report.figures[name]):
            base = {"dimension": name, "value": value}
            selectors[(name, position, unit)] = base
            for key in report.splits:
                selectors[(name, position, _column(key, (name, unit, "percent")))] = {**base, "split": key}
    return selectors


def charts(report: Report) -> list[tuple[str, str]]:
    """A bar per value of each characteristic, with its percent of the unit's total."""
    shown = []
    for key, (label, unit, _) in DIMENSIONS.items():
        bars = [_bar(value, cell) for value, cell in report.figures[key].items()]
        shown.append((f"{label}: {unit} approved in the period", funnel(bars, f"{label} ({unit})")))
    return shown


def _bar(value: str, cell: dict) -> Bar:
    return Bar(value, cell["count"], f"({cell['percent']:g}%)" if cell["percent"] is not None else "")
