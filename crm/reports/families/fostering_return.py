"""The annual fostering data return (SPEC section 5), laid out as Ofsted's data collection asks.

Enquiries, applications, approvals and withdrawals with their reasons, for mainstream and connected-persons
fostering, laid out as a service enters them in Ofsted's fostering data collection (a row per figure; columns
mainstream, connected persons, total).

SPEC: "the annual fostering data (enquiries, applications, approvals, withdrawals and reasons) as CSV".

The period is any date range (default the financial year, 1 April - 31 March); only live events count. Every
figure but the enquiries is a count of applications, one per household and line: a household applying to adopt
and to foster counts once under fostering (its adoption is not in this return), and a household in both fostering
lines counts once in each, twice in the total. Enquiries are contacts and households, and a contact, or a household,
counts once in the total however many lines it counts under.

Splits: partner authority, team and channel (crm.reports.data.split_keys: the household's authority and team, the
top-level channel of its first contact). Service line is already the columns, and the return is annual: a split by
service line, month or quarter is refused (set the period to the quarter instead).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from crm.enquiries.models import EnquiryContact
from crm.formatting import percent
from crm.funnel.models import StageEvent
from crm.funnel.service_lines import ServiceLineCode
from crm.funnel.stages import EventKind, WithdrawingParty
from crm.households.models import Application, Household
from crm.reports.base import Report, ReportParams, Split
from crm.reports.data.frames import raw, read_frame
from crm.reports.data.london import london_days, received_between
from crm.reports.data.months import as_dates
from crm.reports.data.reasons import REASON, with_reason_names
from crm.reports.data.split_keys import split_values, with_split
from crm.reports.render.charts import Bar, funnel

NAME = "fostering-return"
SPLITS = (Split.PARTNER_AUTHORITY, Split.TEAM, Split.CHANNEL)  # annual and by service line already
LINES = (ServiceLineCode.FOSTERING_MAINSTREAM, ServiceLineCode.FOSTERING_CONNECTED)
TOTAL = "total"
HEADINGS = {ServiceLineCode.FOSTERING_MAINSTREAM: "Mainstream fostering",
            ServiceLineCode.FOSTERING_CONNECTED: "Connected persons (family and friends)", TOTAL: "Total"}
STARTS = (EventKind.STAGE_1, EventKind.STAGE_2)  # an application's start when it has no ROI (connected persons)
DECISIONS = (EventKind.APPROVED, EventKind.NOT_APPROVED, EventKind.WITHDRAWN)
KINDS = (EventKind.REGISTRATION_OF_INTEREST, *STARTS, *DECISIONS)
NO_REASON = "No reason recorded"
REASONS = "withdrawals.by_reason."
LABELS = {
    "enquiries.contacts": "Enquiries (contacts)",
    "enquiries.households": "Enquiries (households)",
    "applications_received": "Applications received",
    "approvals": "Approved",
    "not_approved": "Not approved",
    "withdrawals.total": "Applications withdrawn",
    "withdrawals.by_party.applicant": "Applications withdrawn by the applicant",
    "withdrawals.by_party.service": "Applications withdrawn by the service",
    "withdrawn_before_applying": "Enquiries withdrawn before applying",
    "in_progress_at_end": "Applications in progress at the end of the period",
}
LINE_COLUMNS = ["household_id", "application_id", "contact_id", "service_line", "line", "split", "measure", "on",
                "party", "reason"]
# the drill-down list's columns (crm.reports.drill); not applicable values are None, so they show blank
DRILL_COLUMNS = {"on": "Date", "party": "Withdrawn by", "reason": "Reason"}
SPLIT_HEADINGS = {Split.PARTNER_AUTHORITY: "Partner authority", Split.TEAM: "Team", Split.CHANNEL: "Channel"}


def compute(params: ReportParams) -> Report:
    """The return: figures per line and in total, its tables, and the same figures per split value."""
    counted = lines(params)
    result = figures(counted)
    splits = {}
    if params.by:
        splits = {key: figures(counted[counted["split"] == key]) for key in sorted(counted["split"].unique())}
    return Report(NAME, params, result, tables(result, splits, params.by), splits)


def _refuse_splits(params: ReportParams) -> None:
    if params.by is not None and params.by not in SPLIT_HEADINGS:
        raise ValueError("The fostering return is annual and by service line already, so it cannot be split by "
                         "month, quarter or service line: split it by partner authority, team or channel, or set "
                         "the period to the quarter you need")


# The line-level rows: one per thing counted in each column, so every count is the number of rows its cell selects.

def lines(params: ReportParams) -> pd.DataFrame:
    """One row per counted contact, household or application and column (`line`: a service line, or `total`),
    `measure` the figure's path in the JSON (withdrawals with their `party` and `reason`). Columns: LINE_COLUMNS."""
    _refuse_splits(params)
    made = pd.concat([*_enquiry_lines(params), *_application_lines(params)], ignore_index=True)
    made = made.reindex(columns=LINE_COLUMNS)
    made["split"] = split_values(made["split"].astype(object))
    for column in ("application_id", "contact_id"):  # ints, or None (a total's contact or household; not a contact)
        ids = made[column].astype("Int64").astype(object)
        made[column] = ids.where(ids.notna(), None)
    return made.astype({"party": object, "reason": object})


drill_lines = lines  # the drill-down's rows (ReportModule.drill_lines)


def _with_total(rows: pd.DataFrame, unique: str | None = None) -> list[pd.DataFrame]:
    """The rows under their line, and again under the total: once per application, or once per `unique` value
    (a contact, a household) with no application."""
    if unique is None:
        return [rows, rows.assign(line=TOTAL)]
    return [rows, rows.drop_duplicates(unique).assign(line=TOTAL, application_id=None, service_line=None)]


def _contacts(params: ReportParams) -> pd.DataFrame:
    """The contacts received in the period (by their London date) from households with a fostering application,
    one row per contact and application of the household, with the day the application opened (its first event)."""
    opened = (select(StageEvent.application_id, func.min(StageEvent.occurred_on).label("opened_on"))
              .where(StageEvent.undone_at.is_(None)).group_by(StageEvent.application_id).subquery())
    fostering = select(Application.household_id).where(Application.service_line_code.in_(LINES))
    statement = (select(EnquiryContact.id.label("contact_id"), EnquiryContact.household_id,
                        EnquiryContact.received_at, Application.id.label("application_id"),
                        Application.service_line_code.label("service_line"), raw(opened.c.opened_on, "opened_on"))
                 .join(Household, Household.id == EnquiryContact.household_id)
                 .join(Application, Application.household_id == Household.id)
                 .join(opened, opened.c.application_id == Application.id)
                 .where(received_between(params.date_from, params.date_to),
                        EnquiryContact.household_id.in_(fostering)))
    contacts = read_frame(with_split(statement, params.by))
    contacts["on"] = london_days(contacts.pop("received_at")).astype("datetime64[s]")
    contacts["opened_on"] = as_dates(contacts["opened_on"])
    return contacts.assign(line=contacts["service_line"])


def _enquiry_lines(params: ReportParams) -> list[pd.DataFrame]:
    """A contact counts under a fostering line when the household's application to it had opened by the contact's
    day, or whatever the day when all the household's applications are fostering; households: those contacts'."""
    contacts = _contacts(params)
    fostering = contacts["line"].isin(LINES)
    only_fostering = fostering.groupby(contacts["household_id"]).transform("all").astype(bool)
    counted = contacts[fostering & ((contacts["opened_on"] <= contacts["on"]) | only_fostering)]
    counted = counted.assign(measure="enquiries.contacts")
    households = counted.drop_duplicates(["household_id", "line"]).assign(measure="enquiries.households")
    return [*_with_total(counted, "contact_id"), *_with_total(households, "household_id")]


def _events(params: ReportParams) -> pd.DataFrame:
    """The one query of the applications: the live registrations, assessment starts, decisions and withdrawals of
    fostering applications dated up to the period's end, in event order, with the household and split value."""
    statement = (select(StageEvent.id, StageEvent.application_id, raw(StageEvent.kind), raw(StageEvent.occurred_on),
                        raw(StageEvent.party), REASON, Application.household_id,
                        Application.service_line_code.label("service_line"))
                 .join(Application, Application.id == StageEvent.application_id)
                 .join(Household, Household.id == Application.household_id)
                 .where(StageEvent.undone_at.is_(None), StageEvent.kind.in_(KINDS),
                        StageEvent.occurred_on <= params.date_to, Application.service_line_code.in_(LINES)))
    events = read_frame(with_split(with_reason_names(statement), params.by))
    events["kind"] = events["kind"].map(EventKind)
    events["on"] = as_dates(events.pop("occurred_on"))
    events = events.sort_values(["application_id", "on", "id"], ignore_index=True)
    return events.assign(line=events["service_line"], seq=np.arange(len(events)))


def _starts(events: pd.DataFrame) -> pd.DataFrame:
    """Each application's start: its live ROI, or when it has none (connected persons opened at, or moved straight
    to, assessment) its first live Stage 1 or Stage 2 event. Indexed by application."""
    first = events.drop_duplicates(["application_id", "kind"])
    roi = first[first["kind"] == EventKind.REGISTRATION_OF_INTEREST].set_index("application_id")
    assessed = first[first["kind"].isin(STARTS)].drop_duplicates("application_id").set_index("application_id")
    return roi[["on", "seq"]].combine_first(assessed[["on", "seq"]])


def _application_lines(params: ReportParams) -> list[pd.DataFrame]:
    """Applications received, approved, not approved, withdrawn (after applying, or before) in the period, and in
    progress at its end, each row once in its line's column and once in the total's."""
    events = _events(params)
    started = events.join(_starts(events).add_prefix("start_"), on="application_id")
    starts = started[started["seq"] == started["start_seq"]]
    closed = events.loc[events["kind"].isin(DECISIONS), "application_id"]
    since = pd.Timestamp(params.date_from)
    return _with_total(pd.concat([
        starts[starts["on"] >= since].assign(measure="applications_received"),
        _decisions(started[started["kind"].isin(DECISIONS) & (started["on"] >= since)]),
        starts[~starts["application_id"].isin(closed)].assign(measure="in_progress_at_end")]))


def _decisions(decided: pd.DataFrame) -> pd.DataFrame:
    """Approved, not approved, withdrawn after the application's start (with its reason, or 'No reason recorded'),
    or withdrawn before it (or with no start at all: still an enquiry)."""
    withdrawn = decided["kind"] == EventKind.WITHDRAWN
    applied = decided["start_seq"] < decided["seq"]  # False when there is no start
    measure = decided["kind"].map({EventKind.APPROVED: "approvals", EventKind.NOT_APPROVED: "not_approved"})
    measure = measure.mask(withdrawn & applied, "withdrawals").mask(withdrawn & ~applied, "withdrawn_before_applying")
    reason = decided["reason"].mask(withdrawn & applied, decided["reason"].fillna(NO_REASON))
    return decided.assign(measure=measure, reason=reason)


# The figures: each docstring is the figure's SPEC definition.

def figures(counted: pd.DataFrame) -> dict:
    """The JSON shape (README, Reports): {"fostering_mainstream": {...}, "fostering_connected": {...}, "total": {...}},
    each {...} the `column_figures` of its column."""
    return {line: column_figures(counted[counted["line"] == line]) for line in (*LINES, TOTAL)}


def column_figures(rows: pd.DataFrame) -> dict:
    """{"enquiries": {"contacts", "households"}, "applications_received", "approvals", "not_approved",
    "withdrawals": {"total", "by_party": {"applicant", "service"}, "by_reason"}, "withdrawn_before_applying",
    "in_progress_at_end"}."""
    def measure(name: str) -> pd.DataFrame:
        return rows[rows["measure"] == name]

    return {
        "enquiries": {"contacts": enquiry_contacts(measure("enquiries.contacts")),
                      "households": enquiry_households(measure("enquiries.households"))},
        "applications_received": applications_received(measure("applications_received")),
        "approvals": approvals(measure("approvals")),
        "not_approved": not_approved(measure("not_approved")),
        "withdrawals": withdrawals(measure("withdrawals")),
        "withdrawn_before_applying": withdrawn_before_applying(measure("withdrawn_before_applying")),
        "in_progress_at_end": in_progress_at_end(measure("in_progress_at_end")),
    }


def enquiry_contacts(rows: pd.DataFrame) -> int:
    """Enquiries, contacts: contacts received in the period (by their London date) from a household whose
    application to the line had opened by the contact's day, or whose applications are all fostering (then the
    contact counts under each of its fostering lines). Total: each contact once."""
    return len(rows)


def enquiry_households(rows: pd.DataFrame) -> int:
    """Enquiries, households: the households of those contacts; a household enquiring three times counts once."""
    return len(rows)


def applications_received(rows: pd.DataFrame) -> int:
    """Applications received: live `registration_of_interest` events dated in the period; an application with no
    ROI that reached assessment (connected persons opened at Stage 1 or Stage 2, or moved straight to it from an
    enquiry) is received on its first live `stage_1` or `stage_2` event."""
    return len(rows)


def approvals(rows: pd.DataFrame) -> int:
    """Approved: live `approved` events (the Agency Decision Maker's decision) dated in the period."""
    return len(rows)


def not_approved(rows: pd.DataFrame) -> int:
    """Not approved: live `not_approved` events (the Agency Decision Maker's decision) dated in the period."""
    return len(rows)


def withdrawals(rows: pd.DataFrame) -> dict:
    """Applications withdrawn: live `withdrawn` events dated in the period of applications received before it, by
    who withdrew (applicant or service) and by the reason recorded (most frequent first, then alphabetical)."""
    reasons = rows["reason"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    return {"total": len(rows),
            "by_party": {party.value: int((rows["party"] == party.value).sum()) for party in WithdrawingParty},
            "by_reason": {str(reason): int(n) for reason, n in reasons.items()}}


def withdrawn_before_applying(rows: pd.DataFrame) -> int:
    """Enquiries withdrawn before applying: live `withdrawn` events dated in the period of applications never
    received (withdrawn before an ROI or assessment): not withdrawals of applications, shown so nothing is lost."""
    return len(rows)


def in_progress_at_end(rows: pd.DataFrame) -> int:
    """Applications in progress at the end of the period: received on or before its last day, with no approval,
    no decision not to approve and no withdrawal dated on or before it (paused applications included)."""
    return len(rows)


# Tables, drill-down and charts.

def tables(result: dict, splits: dict[str, dict], by: Split | None) -> dict[str, pd.DataFrame]:
    """`fostering_return` (a row per figure, `Figure` its label) and `withdrawal_reasons` (a row per reason); columns
    the lines and the total (HEADINGS), ready to paste into the collection. With a split, `by_<split>`: the figures
    of `fostering_return` for each split value, a row per value and figure."""
    flats = {None: _flatten(result), **{key: _flatten(split) for key, split in splits.items()}}
    made = {}
    for name, rows in _table_rows(result, splits, by).items():
        frame = pd.DataFrame({HEADINGS[line]: [flats[key][line].get(path, 0) for key, path in rows]
                              for line in HEADINGS}, dtype=int)
        labels = [LABELS.get(path) or path.removeprefix(REASONS) for _, path in rows]
        frame.insert(0, "Reason" if name == "withdrawal_reasons" else "Figure", _text(labels))
        if name.startswith("by_"):
            frame.insert(0, SPLIT_HEADINGS[by], _text([key for key, _ in rows]))
        made[name] = frame
    return made


def _table_rows(result: dict, splits: dict[str, dict], by: Split | None) -> dict[str, list[tuple[str | None, str]]]:
    """Each table's rows in order, as (split value or None, the figure's path in the JSON): what `tables` lays out
    and `drill` selects. Reasons in the total's order: most frequent first."""
    paths = list(_paths(result[TOTAL]))
    made = {"fostering_return": [(None, path) for path in paths if not path.startswith(REASONS)],
            "withdrawal_reasons": [(None, path) for path in paths if path.startswith(REASONS)]}
    if by:
        made[f"by_{by.value}"] = [(key, path) for key in splits for path in LABELS]
    return made


def _text(values: list[str]) -> pd.Series:
    """A text column typed as text even when empty, so the CSV keeps it before the figures."""
    return pd.Series(values, dtype=object)


def _flatten(result: dict) -> dict[str, dict[str, int]]:
    return {line: _paths(figures_) for line, figures_ in result.items()}


def _paths(figures_: dict, prefix: str = "") -> dict[str, int]:
    flat = {}
    for key, value in figures_.items():
        flat.update(_paths(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return flat


def _selector(path: str) -> dict[str, str]:
    """The `lines` rows behind the figure at `path` (in one column)."""
    if path.startswith(REASONS):
        return {"measure": "withdrawals", "reason": path.removeprefix(REASONS)}
    if path.startswith("withdrawals.by_party."):
        return {"measure": "withdrawals", "party": path.removeprefix("withdrawals.by_party.")}
    return {"measure": path.removesuffix(".total")}


def drill(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """(table, row position, column) -> the selector of `lines` rows behind that count (ReportModule.drill)."""
    selectors = {}
    for name, rows in _table_rows(report.figures, report.splits, report.params.by).items():
        for row, (key, path) in enumerate(rows):
            where = {} if key is None else {"split": key}
            for line, heading in HEADINGS.items():
                selectors[(name, row, heading)] = {**_selector(path), "line": line, **where}
    return selectors


def charts(report: Report) -> list[tuple[str, str]]:
    """For each line, the funnel of the year: households enquiring, applications received, approvals."""
    shown = []
    for line in LINES:
        column = report.figures[line]
        steps = [("Enquiries (households)", column["enquiries"]["households"]),
                 ("Applications received", column["applications_received"]), ("Approved", column["approvals"])]
        bars, previous = [], None
        for label, value in steps:
            bars.append(Bar(label, value, f"({percent(value / previous)} of the step before)" if previous else ""))
            previous = value or None
        shown.append((f"{HEADINGS[line]}: enquiries, applications and approvals in the period",
                      funnel(bars, HEADINGS[line])))
    return shown
