"""Stage 1 checks: where the time goes (issue 18): days waiting on the applicant against days waiting on others.

Stage 1's statutory two months are mostly spent waiting for checks. Some of that wait is the applicant's (the DBS
online form, a consent, naming referees), the rest is others' (the DBS, a GP, a local authority, a referee), and
a manager needs to know which to chase. crm.checks.waiting says when the applicant's part of each check ended.

Two sets of checks, each not withdrawn and requested (a check never requested has no wait yet):

- received: received in the period; its days run from the request to the receipt;
- open: requested on or before the snapshot date (`ReportParams.snapshot_date`) and not received by it, of an
  application open now; its days run to the snapshot date.

Of each check's days, "waiting on the applicant" runs from the request to the day the applicant's part ended (to
the snapshot date for an open check whose part is not done; none for a received check whose part was never recorded
done: that is not guessed), "waiting on others" is the rest. Days are calendar days. Each set is
given for all checks and by check type: the number of checks, the median of each kind of days, and the share of all
their days that was the applicant's. Every check is a line in `drill_lines`, so the households behind each count
number exactly that count. Splits: service line, partner authority and team of the check's application.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import and_, or_, select

from crm.checks.models import CheckInstance, CheckType
from crm.checks.waiting import applicant_parts
from crm.funnel.terms import is_open
from crm.households.models import Application, Household
from crm.reports.base import Report, ReportParams, Split
from crm.reports.data.frames import read_frame
from crm.reports.data.london import london_days
from crm.reports.data.months import as_dates
from crm.reports.data.split_keys import split_values, with_split
from crm.reports.render.charts import Bar, funnel

NAME = "check-waits"
SPLITS = (Split.SERVICE_LINE, Split.PARTNER_AUTHORITY, Split.TEAM)
STATES = {"received": "Checks received in the period", "open": "Checks still open at the snapshot date"}
ALL = "All checks"
COLUMNS = ("check", "checks", "median_days", "median_on_applicant", "median_on_others", "percent_on_applicant")
LINE_COLUMNS = ["household_id", "application_id", "check_id", "check", "state", "requested_on", "ended_on", "days",
                "on_applicant", "on_others", "split"]
DRILL_COLUMNS = {"check": "Check", "requested_on": "Requested on", "ended_on": "Received on (or the snapshot date)",
                 "on_applicant": "Days waiting on the applicant", "on_others": "Days waiting on others"}


def compute(params: ReportParams) -> Report:
    """Both sets of checks, in all and by check type; with `params.by`, the number of checks per split value."""
    lines = drill_lines(params)
    names = sorted(lines["check"].unique(), key=str.casefold)
    totals = figures(lines, names)
    splits = {key: figures(lines[lines["split"] == key], names) for key in sorted(lines["split"].dropna().unique())}
    return Report(NAME, params, totals, tables(totals, splits), splits if params.by else {})


def figures(lines: pd.DataFrame, names: list[str]) -> dict:
    """{"received" | "open": {"all": cell, "by_check": {check type name: cell}}}, each cell {"checks": n,
    "median_days", "median_on_applicant", "median_on_others": medians in days (one decimal place, null with no
    checks), "days_on_applicant", "days_on_others": the sums, "percent_on_applicant": the applicant's share of all
    the days (one decimal place, null with no days)}. Every check type found in either set is in both."""
    result = {}
    for state in STATES:
        chosen = lines[lines["state"] == state]
        by_check = dict(tuple(chosen.groupby("check")))
        result[state] = {"all": _cell(chosen),
                         "by_check": {name: _cell(by_check.get(name, chosen.iloc[:0])) for name in names}}
    return result


def _cell(checks: pd.DataFrame) -> dict:
    on_applicant, on_others = int(checks["on_applicant"].sum()), int(checks["on_others"].sum())
    days = on_applicant + on_others
    return {"checks": len(checks), "median_days": _median(checks["days"]),
            "median_on_applicant": _median(checks["on_applicant"]), "median_on_others": _median(checks["on_others"]),
            "days_on_applicant": on_applicant, "days_on_others": on_others,
            "percent_on_applicant": round(100 * on_applicant / days, 1) if days else None}


def _median(days: pd.Series) -> float | None:
    return round(float(days.median()), 1) if len(days) else None


# The line-level rows.

def drill_lines(params: ReportParams) -> pd.DataFrame:
    """One row per check of either set: its state ("received" or "open"), check type name, request day, the day
    its days end (received, or the snapshot date), its days and how they divide. Columns: LINE_COLUMNS."""
    at = params.snapshot_date()
    checks = _checks(params, at)
    if checks.empty:
        return pd.DataFrame(columns=LINE_COLUMNS)
    requested = checks["requested_on"]
    ended = checks["received_on"].where(checks["state"] == "received", pd.Timestamp(at))
    parts = _applicant_until(params, at)
    until = pd.Series(parts.reindex(checks["check_id"]).to_numpy(), index=checks.index)
    # No part of the applicant's: none of its days. A part with no day yet (NaT): all of them so far while the check
    # is open; none for a received check, whose part was done but never recorded (not guessed).
    pending_end = ended.where(checks["state"] == "open", requested)
    until = until.fillna(pending_end).where(checks["check_id"].isin(parts.index), requested)
    until = until.clip(lower=requested, upper=ended)
    checks = checks.assign(ended_on=ended, days=(ended - requested).dt.days,
                           on_applicant=(until - requested).dt.days)
    checks["on_others"] = checks["days"] - checks["on_applicant"]
    checks["split"] = split_values(checks["split"]) if params.by else None
    return checks[LINE_COLUMNS].reset_index(drop=True)


def _check_rows(params: ReportParams, at):
    """The checks of either set: received in the period, or requested by the snapshot date, not received by it
    and of an application open now."""
    received = CheckInstance.received_on.between(params.date_from, params.date_to)
    still_open = and_(CheckInstance.requested_on <= at,
                      or_(CheckInstance.received_on.is_(None), CheckInstance.received_on > at), is_open())
    return (select(CheckInstance.id).join(Application, Application.id == CheckInstance.application_id)
            .where(CheckInstance.withdrawn_at.is_(None), CheckInstance.requested_on.is_not(None),
                   or_(received, still_open)))


def _checks(params: ReportParams, at) -> pd.DataFrame:
    query = (select(Application.household_id, Application.id.label("application_id"),
                    CheckInstance.id.label("check_id"), CheckType.name.label("check"), CheckInstance.requested_on,
                    CheckInstance.received_on)
             .join(Application, Application.id == CheckInstance.application_id)
             .join(Household, Household.id == Application.household_id)
             .join(CheckType, CheckType.id == CheckInstance.check_type_id)
             .where(CheckInstance.id.in_(_check_rows(params, at)))
             .order_by(CheckInstance.requested_on, CheckInstance.id))
    rows = read_frame(with_split(query, params.by))
    if rows.empty:
        return rows
    rows = rows.reindex(columns=[*rows.columns.drop("split", errors="ignore"), "split"])
    rows["requested_on"], rows["received_on"] = as_dates(rows["requested_on"]), as_dates(rows["received_on"])
    in_period = rows["received_on"].between(pd.Timestamp(params.date_from), pd.Timestamp(params.date_to))
    rows["state"] = np.where(in_period, "received", "open")
    # A check received in the period counts as received even if the snapshot date is earlier than its receipt;
    # one received after the period (and after the snapshot date) was open at it.
    return rows


def _applicant_until(params: ReportParams, at) -> pd.Series:
    """check_id -> the day the applicant's part ended (NaT: not yet), for the checks that have one only."""
    parts = read_frame(applicant_parts(_check_rows(params, at)))
    if parts.empty:
        return pd.Series(dtype="datetime64[s]")
    at_london = london_days(parts["done_at"]).astype("datetime64[s]")
    parts["done_on"] = as_dates(parts["done_on"]).fillna(pd.Series(at_london.to_numpy(), index=parts.index))
    parts["check_id"] = parts["check_id"].astype(int)
    pending = parts["done_on"].isna().groupby(parts["check_id"]).any()
    latest = parts.groupby("check_id")["done_on"].max()
    return latest.mask(pending)


# Tables, charts and drill-down.

def tables(totals: dict, splits: dict[str, dict]) -> dict[str, pd.DataFrame]:
    """One table per set: a row for all checks, then one per check type, with COLUMNS and one count of checks per
    split value."""
    made = {}
    for state in STATES:
        cells = {ALL: totals[state]["all"], **totals[state]["by_check"]}
        table = {"check": list(cells), "checks": [cell["checks"] for cell in cells.values()]}
        for column in COLUMNS[2:]:
            table[column] = [cell[column] for cell in cells.values()]
        for key, split in splits.items():
            split_cells = [split[state]["all"], *split[state]["by_check"].values()]
            table[split_column(key)] = [cell["checks"] for cell in split_cells]
        made[state] = pd.DataFrame(table)
    return made


def split_column(key: str) -> str:
    """A split value as a column name that cannot take the place of the table's own columns."""
    return f"{key} (split)" if key in COLUMNS else key


def drill(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """Each count of checks lists its checks: the set, the check type (none for all checks) and the split value."""
    cells = {}
    for state, table in report.tables.items():
        for position, name in enumerate(table["check"]):
            base = {"state": state, **({} if name == ALL else {"check": name})}
            cells[(state, position, "checks")] = base
            cells.update({(state, position, split_column(key)): {**base, "split": key} for key in report.splits})
    return cells


def charts(report: Report) -> list[tuple[str, str]]:
    """For each set, each check type's median days waiting on the applicant and on others, side by side."""
    shown = []
    for state, caption in STATES.items():
        bars = []
        for name, cell in report.figures[state]["by_check"].items():
            if cell["checks"]:
                bars += [Bar(f"{name}: the applicant", cell["median_on_applicant"] or 0),
                         Bar(f"{name}: others", cell["median_on_others"] or 0)]
        shown.append((f"{caption}: median days waiting on the applicant and on others",
                      funnel(bars, f"{caption}: median days")))
    return shown
