"""Activity in period (SPEC section 5): enquiries, funnel moves, decisions and withdrawals dated in the period.

Two sets of rows (crm.reports.families.activity_frames): the contacts received and the live events dated in the
period. The figures are aggregates over them computed in the database, in total and grouped by split value
(crm.reports.families.activity_counts), so the rows fetched are a few per split value whatever the size of the
history (issue 17); the drill-down reads the same rows line by line. Every figure but the households is a count of
events, that is of applications: a household moving in two service lines counts twice.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import distinct, func, true
from sqlalchemy.sql.elements import ColumnElement

from crm.formatting import month_label, percent
from crm.funnel.stages import EventKind, WithdrawingParty
from crm.reports.base import Report, ReportParams, Split
from crm.reports.data.months import period_keys
from crm.reports.families import activity_counts as counts
from crm.reports.families import activity_frames as frames
from crm.reports.render.charts import Bar, columns, funnel

NAME = "activity"
SPLITS = tuple(Split)  # the splits the report offers (the page shows no other)
TOTAL = "total"
NO_REASON = "No reason recorded"
SOURCES = ("event", "consultation", "recorded")
REASONS = "withdrawals.by_reason."
LABELS = {
    "enquiry_contacts": "Enquiries (contacts)",
    "enquiry_households": "Enquiries (households)",
    "information_event_households": "Information event or 1:1 consultation (households)",
    "information_event_sources.event": "... at an information event (households)",
    "information_event_sources.consultation": "... at a 1:1 consultation (households)",
    "information_event_sources.recorded": "... recorded without an event or consultation (households)",
    "initial_visits": "Initial visits",
    "registrations_of_interest": "Registrations of interest",
    "stage_1_starts": "Stage 1 starts",
    "stage_1_completions": "Stage 1 completions",
    "stage_2_starts": "Stage 2 starts",
    "panel_presentations": "Panel presentations",
    "panel_deferrals": "Panel deferrals",
    "stage_2_completions": "Stage 2 completions (agency decisions)",
    "not_approved": "Not approved",
    "approvals.total": "Approvals",
    "approvals.fast_track": "Approvals: fast track",
    "withdrawals.total": "Withdrawals",
    "withdrawals.by_party.applicant": "Withdrawals by the applicant",
    "withdrawals.by_party.service": "Withdrawals by the service",
}
# The figures that count events (applications), by their path in the JSON, and the kinds each counts.
EVENT_COUNTS: dict[str, tuple[EventKind, ...]] = {
    "initial_visits": (EventKind.INITIAL_VISIT,),
    "registrations_of_interest": (EventKind.REGISTRATION_OF_INTEREST,),
    "stage_1_starts": (EventKind.STAGE_1,),
    "stage_1_completions": (EventKind.STAGE_1_COMPLETED,),
    "stage_2_starts": (EventKind.STAGE_2,),
    "panel_presentations": (EventKind.PANEL,),
    "panel_deferrals": (EventKind.PANEL_DEFERRED,),
    "stage_2_completions": (EventKind.APPROVED, EventKind.NOT_APPROVED),
    "not_approved": (EventKind.NOT_APPROVED,),
    "approvals.total": (EventKind.APPROVED,),
    "withdrawals.total": (EventKind.WITHDRAWN,),
}
LINE_COLUMNS = ["measure", "split", "in_total", "household_id", "application_id", "contact_id", "event_id", "day",
                "kind", "source", "fast_track", "party", "reason"]


def compute(params: ReportParams) -> Report:
    """The period's activity; with `params.by`, the same figures per split value (see `counted`)."""
    totals, splits = counted(params)
    return Report(NAME, params, totals, tables(totals, splits), splits)


def counted(params: ReportParams, *, reasons: bool = True) -> tuple[dict, dict[str, dict]]:
    """The JSON shape (README, Reports) of the period and, with `params.by`, of each split value, keys in funnel
    order (later keys were added, never renamed), counted in the database (crm.reports.families.activity_counts).
    Split values: months and quarters every one the period touches, in order, each thing by its own date (zeros for
    one with nothing); other splits the values found, in alphabetical order. Without `reasons`, the withdrawals'
    reasons are left out (empty), one statement fewer."""
    totals, splits = counts.figures(params, contact_figures, event_figures)
    reasons_total, reasons_split = counts.by_reason(params, withdrawal_reason) if reasons else ({}, {})
    keys = period_keys(params.date_from, params.date_to, params.by) if params.by in counts.TIMES else sorted(splits)
    return (_nest(totals, reasons_total),
            {key: _nest(splits.get(key, {}), reasons_split.get(key, {})) for key in keys} if params.by else {})


def nothing() -> dict:
    """The figures of a split value with nothing in the period: zeros."""
    return _nest({}, {})


def contact_figures(contacts) -> dict[str, ColumnElement]:
    """The figures counted over the contacts received (the rows `contacts`), by path."""
    return {"enquiry_contacts": enquiry_contacts(contacts), "enquiry_households": enquiry_households(contacts)}


def event_figures(events) -> dict[str, ColumnElement]:
    """The figures counted over the live events dated in the period (the rows `events`), by path."""
    sources, parties = information_event_sources(events), withdrawals_by_party(events)
    return {"information_event_households": information_event_households(events),
            **{f"information_event_sources.{source}": sources[source] for source in SOURCES},
            **counts_by_kind(events), "approvals.fast_track": fast_track_approvals(events),
            **{f"withdrawals.by_party.{party.value}": parties[party] for party in WithdrawingParty}}


def _nest(flat: dict[str, int], reasons: dict[str, int]) -> dict:
    """{"approvals.total": 2} as {"approvals": {"total": 2}}, in LABELS order (a figure missing is 0), with the
    reasons under withdrawals."""
    nested: dict = {}
    for path in LABELS:
        *parents, leaf = path.split(".")
        node = nested
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = flat.get(path, 0)
    nested["withdrawals"]["by_reason"] = reasons
    return nested


# The figures, each an aggregate over the rows of one split value (or all of them, for the totals): each docstring
# is the figure's SPEC definition.

def enquiry_contacts(contacts) -> ColumnElement:
    """Enquiries, raw contacts: every contact received in the period, by its date in London (a contact at 23:30
    UTC on 31 March in summer time is on 1 April). A household that enquires three times is 3 contacts."""
    return func.count()


def enquiry_households(contacts) -> ColumnElement:
    """Enquiries, unique households: the households among those contacts. Three contacts from one household: 1."""
    return func.count(distinct(contacts.c.household_id))


def information_event_households(events) -> ColumnElement:
    """Information-event attendances, in households: households with a live `information_event` event dated in the
    period (an information event attended, or a 1:1 consultation recorded as such). A household that moved in two
    service lines counts once."""
    return func.count(distinct(events.c.household_id)).filter(events.c.kind == EventKind.INFORMATION_EVENT)


def information_event_sources(events) -> dict[str, ColumnElement]:
    """Those households by what moved them (a figure each): an information event attended, a 1:1 consultation, or
    the stage recorded on its own (on the household page, or imported). A household moved in two ways counts under
    both."""
    moved = events.c.kind == EventKind.INFORMATION_EVENT
    return {source: func.count(distinct(events.c.household_id)).filter(moved & (events.c.source == source))
            for source in SOURCES}


def counts_by_kind(events) -> dict[str, ColumnElement]:
    """The live events dated in the period, by kind, each an application (a household visited about two service
    lines counts 2). Initial visits: `initial_visit`; ROIs received: `registration_of_interest`; Stage 1 starts (ROI
    accepted): `stage_1`; Stage 1 completions (the decision that the applicant may proceed): `stage_1_completed`;
    Stage 2 starts (notice to proceed received; fast track: from ROI): `stage_2`; presentations to panel: `panel`;
    panel outcomes, deferred: `panel_deferred`; Stage 2 completions: the Agency Decision Maker's decisions,
    `approved` or `not_approved`; not approved: `not_approved`; approvals: `approved` (EVENT_COUNTS)."""
    return {path: func.count().filter(events.c.kind.in_(kinds)) for path, kinds in EVENT_COUNTS.items()}


def fast_track_approvals(events) -> ColumnElement:
    """Of those approvals, the applications that are fast track (second-time adopters, foster carers adopting)."""
    return func.count().filter((events.c.kind == EventKind.APPROVED) & (events.c.fast_track == true()))


def withdrawals_by_party(events) -> dict[WithdrawingParty, ColumnElement]:
    """Withdrawals: live `withdrawn` events dated in the period (applications), by who withdrew (applicant or
    service), a figure each."""
    withdrawn = events.c.kind == EventKind.WITHDRAWN
    return {party: func.count().filter(withdrawn & (events.c.party == party)) for party in WithdrawingParty}


def withdrawal_reason(withdrawals) -> ColumnElement:
    """Those withdrawals by the reason recorded (crm.reports.data.reasons), per split value: most frequent first,
    then by name (crm.reports.families.activity_counts.by_reason)."""
    return func.coalesce(withdrawals.c.reason, NO_REASON)


# Tables.

def tables(totals: dict, splits: dict[str, dict]) -> dict[str, pd.DataFrame]:
    """`activity` (one row per figure) and `withdrawal_reasons`; columns `measure` (the figure's path in the JSON),
    `label`, `total`, then one per split value."""
    flat = _flatten(totals)
    columns = {"total": flat, **{split_column(key): _flatten(split) for key, split in splits.items()}}
    frame = pd.DataFrame(columns, index=list(flat)).fillna(0).astype(int)
    frame.insert(0, "label", [LABELS.get(path) or path.removeprefix(REASONS) for path in flat])
    frame = frame.rename_axis("measure").reset_index()
    is_reason = frame["measure"].str.startswith(REASONS)
    return {"activity": frame[~is_reason].reset_index(drop=True),
            "withdrawal_reasons": frame[is_reason].reset_index(drop=True)}


def split_column(key: str) -> str:
    """A split value as a column name that cannot take the place of `measure`, `label` or `total` (a team called
    "total" becomes "total (split)")."""
    return f"{key} (split)" if key in ("measure", "label", "total") else key


def _flatten(figures_: dict, prefix: str = "") -> dict[str, int]:
    flat = {}
    for key, value in figures_.items():
        flat.update(_flatten(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return flat


# Drill-down (crm.reports.drill).

DRILL_COLUMNS = {"day": "Date", "kind": "Event", "source": "Moved by", "fast_track": "Fast track",
                 "party": "Withdrawn by", "reason": "Reason"}

def drill(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """Every count links to its lines: the row's figure (`measure`), and in a split value's column that value; the
    total column of a split report lists each thing once (`in_total`)."""
    cells = {}
    for table, frame in report.tables.items():
        for position, measure in enumerate(frame["measure"]):
            cells[(table, position, "total")] = {"measure": measure, **({"in_total": "1"} if report.splits else {})}
            cells.update({(table, position, split_column(key)): {"measure": measure, "split": key}
                          for key in report.splits})
    return cells


def drill_lines(params: ReportParams) -> pd.DataFrame:
    """One row per thing each count counts (`measure`, the figure's path): a contact; a household (enquiries and
    information events, at its first date in the period); an event, that is an application (every other figure).
    With a split, `split` is the value the row counts under, and a household or contact counted under two values is
    listed under both but once in the total (`in_total` 1)."""
    contacts, events = frames.contacts(params), frames.events(params)
    if params.by:
        contacts, events = frames.keyed(params, contacts, events)
    else:
        contacts, events = contacts.assign(split=TOTAL), events.assign(split=TOTAL)
    contacts = contacts.sort_values(["day", "contact_id"], kind="stable")
    events = events.sort_values(["day", "event_id"], kind="stable")
    lines = pd.concat([*_contact_lines(contacts), *_event_lines(events)], ignore_index=True)
    identity = ["measure", "contact_id", "event_id", "household_id"]
    lines["in_total"] = (~lines.duplicated(identity)).astype(int)
    lines = lines.reindex(columns=LINE_COLUMNS)
    return lines.astype({column: "Int64" for column in ("household_id", "application_id", "contact_id", "event_id")})


def _contact_lines(contacts: pd.DataFrame) -> list[pd.DataFrame]:
    households = contacts.drop_duplicates(["split", "household_id"]).assign(contact_id=None)
    return [contacts.assign(measure="enquiry_contacts"), households.assign(measure="enquiry_households")]


def _event_lines(events: pd.DataFrame) -> list[pd.DataFrame]:
    moved = events[events["kind"] == EventKind.INFORMATION_EVENT]
    as_households = {"event_id": None, "application_id": None, "kind": None, "source": None, "fast_track": None}
    made = [moved.drop_duplicates(["split", "household_id"]).assign(measure="information_event_households",
                                                                     **as_households)]
    made += [moved[moved["source"] == source].drop_duplicates(["split", "household_id"])
             .assign(measure=f"information_event_sources.{source}", **as_households) for source in SOURCES]
    events = events.assign(source=None)  # what moved a household matters for information events only
    made += [events[events["kind"].isin(kinds)].assign(measure=path) for path, kinds in EVENT_COUNTS.items()]
    made.append(events[(events["kind"] == EventKind.APPROVED) & events["fast_track"].astype(bool)]
                .assign(measure="approvals.fast_track"))
    withdrawn = events[events["kind"] == EventKind.WITHDRAWN]
    made += [withdrawn[withdrawn["party"] == party].assign(measure=f"withdrawals.by_party.{party.value}")
             for party in WithdrawingParty]
    made.append(withdrawn.assign(measure=REASONS + withdrawn["reason"].fillna(NO_REASON).astype(str)))
    return made


# Charts.

FUNNEL_STEPS = [("enquiry_households", "Households enquiring"),
                ("information_event_households", "Information event"), ("initial_visits", "Initial visits"),
                ("registrations_of_interest", "Registrations of interest"), ("stage_1_starts", "Stage 1 starts"),
                ("stage_2_starts", "Stage 2 starts"), ("approvals", "Approvals")]


def charts(report: Report) -> list[tuple[str, str]]:
    """The funnel, each step noting its share of the one before; split by month or quarter, the enquiry trend."""
    bars, previous = [], None
    for key, label in FUNNEL_STEPS:
        value = _chart_value(report.figures, key)
        note = f"({percent(value / previous)} of the step before)" if previous else ""
        bars.append(Bar(label, value, note))
        previous = value or None
    shown = [("Funnel in the period: households and applications at each step",
              funnel(bars, "Funnel in the period"))]
    if report.splits and report.params.by in (Split.MONTH, Split.QUARTER):
        # "2026 Q2 (Apr-Jun)" is too long under a bar: the year and quarter say it.
        trend = [Bar(month_label(key) if report.params.by is Split.MONTH else " ".join(key.split()[:2]),
                     _chart_value(split, "enquiry_contacts"))
                 for key, split in report.splits.items()]
        shown.append((f"Enquiry contacts by {report.params.by.value}", columns(trend, "Enquiry contacts trend")))
    return shown


def _chart_value(figures: dict, key: str) -> float:
    value = figures.get(key, 0)
    return value.get("total", 0) if isinstance(value, dict) else (value or 0)
