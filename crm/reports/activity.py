"""Activity in period (SPEC section 5): enquiries, funnel moves, decisions and withdrawals dated in the period.

Two line-level queries (the contacts received in the period; the live stage events dated in it, with their
application and household) feed pandas. Every figure but the households is a count of events, that is of
applications: a household moving in two service lines counts twice.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from crm.clock import LONDON
from crm.enquiries.models import EnquiryContact
from crm.events.models import AttendanceStageMove
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, WithdrawingParty
from crm.households.models import Application, Household
from crm.marketing.models import Channel
from crm.reports.base import Report, ReportParams, Split
from crm.reports.frames import read_frame
from crm.reports.months import period_key, period_keys
from crm.reports.split_keys import split_values, with_split

NAME = "activity"
NO_REASON = "No reason recorded"
COUNTED_KINDS = (EventKind.INFORMATION_EVENT, EventKind.INITIAL_VISIT, EventKind.REGISTRATION_OF_INTEREST,
                 EventKind.STAGE_1, EventKind.STAGE_1_COMPLETED, EventKind.STAGE_2, EventKind.PANEL,
                 EventKind.PANEL_DEFERRED, EventKind.APPROVED, EventKind.NOT_APPROVED, EventKind.WITHDRAWN)
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


def compute(params: ReportParams) -> Report:
    """The period's activity; with `params.by`, the same figures per split value (see `_splits`)."""
    contacts, events = _contacts(params), _events(params)
    totals = figures(contacts, events)
    splits = _splits(params, contacts, events) if params.by else {}
    return Report(NAME, params, totals, _tables(totals, splits), splits)


def figures(contacts: pd.DataFrame, events: pd.DataFrame) -> dict:
    """The JSON shape of issue 7 (keys in funnel order; later keys were added, never renamed)."""
    return {
        "enquiry_contacts": enquiry_contacts(contacts),
        "enquiry_households": enquiry_households(contacts),
        "information_event_households": information_event_households(events),
        "information_event_sources": information_event_sources(events),
        "initial_visits": initial_visits(events),
        "registrations_of_interest": registrations_of_interest(events),
        "stage_1_starts": stage_1_starts(events),
        "stage_1_completions": stage_1_completions(events),
        "stage_2_starts": stage_2_starts(events),
        "panel_presentations": panel_presentations(events),
        "panel_deferrals": panel_deferrals(events),
        "stage_2_completions": stage_2_completions(events),
        "not_approved": not_approved(events),
        "approvals": {"total": approvals(events), "fast_track": fast_track_approvals(events)},
        "withdrawals": withdrawals(events),
    }


# The figures: each docstring is the figure's SPEC definition.

def enquiry_contacts(contacts: pd.DataFrame) -> int:
    """Enquiries, raw contacts: every contact received in the period, by its date in London (a contact at 23:30
    UTC on 31 March in summer time is on 1 April). A household that enquires three times is 3 contacts."""
    return len(contacts)


def enquiry_households(contacts: pd.DataFrame) -> int:
    """Enquiries, unique households: the households among those contacts. Three contacts from one household: 1."""
    return int(contacts["household_id"].nunique())


def information_event_households(events: pd.DataFrame) -> int:
    """Information-event attendances, in households: households with a live `information_event` event dated in the
    period (an information event attended, or a 1:1 consultation recorded as such). A household that moved in two
    service lines counts once."""
    return int(events.loc[events["kind"] == EventKind.INFORMATION_EVENT, "household_id"].nunique())


def information_event_sources(events: pd.DataFrame) -> dict[str, int]:
    """Those households by what moved them: an information event attended, a 1:1 consultation, or the stage recorded
    on its own (on the household page, or imported). A household moved in two ways counts under both."""
    moved = events[events["kind"] == EventKind.INFORMATION_EVENT]
    return {source: int(moved.loc[moved["source"] == source, "household_id"].nunique()) for source in SOURCES}


def _count(events: pd.DataFrame, *kinds: EventKind) -> int:
    return int(events["kind"].isin(kinds).sum())


def initial_visits(events: pd.DataFrame) -> int:
    """Initial (home) visits completed: live `initial_visit` events dated in the period. Applications, like every
    count of events: a household visited about two service lines counts 2."""
    return _count(events, EventKind.INITIAL_VISIT)


def registrations_of_interest(events: pd.DataFrame) -> int:
    """ROIs received: live `registration_of_interest` events dated in the period (applications)."""
    return _count(events, EventKind.REGISTRATION_OF_INTEREST)


def stage_1_starts(events: pd.DataFrame) -> int:
    """Stage 1 starts (ROI accepted): live `stage_1` events dated in the period (applications)."""
    return _count(events, EventKind.STAGE_1)


def stage_1_completions(events: pd.DataFrame) -> int:
    """Stage 1 completions (the decision that the applicant may proceed): live `stage_1_completed` events dated in the
    period (applications)."""
    return _count(events, EventKind.STAGE_1_COMPLETED)


def stage_2_starts(events: pd.DataFrame) -> int:
    """Stage 2 starts (notice to proceed received; fast track: from ROI): live `stage_2` events dated in the period
    (applications)."""
    return _count(events, EventKind.STAGE_2)


def panel_presentations(events: pd.DataFrame) -> int:
    """Presentations to panel: live `panel` events dated in the period (applications)."""
    return _count(events, EventKind.PANEL)


def panel_deferrals(events: pd.DataFrame) -> int:
    """Panel outcomes, deferred: live `panel_deferred` events dated in the period (applications)."""
    return _count(events, EventKind.PANEL_DEFERRED)


def stage_2_completions(events: pd.DataFrame) -> int:
    """Stage 2 completions: the Agency Decision Maker's decisions dated in the period, live `approved` or
    `not_approved` events (applications)."""
    return _count(events, EventKind.APPROVED, EventKind.NOT_APPROVED)


def not_approved(events: pd.DataFrame) -> int:
    """Not approved by the Agency Decision Maker: live `not_approved` events dated in the period (applications)."""
    return _count(events, EventKind.NOT_APPROVED)


def approvals(events: pd.DataFrame) -> int:
    """Approvals by the Agency Decision Maker: live `approved` events dated in the period (applications)."""
    return _count(events, EventKind.APPROVED)


def fast_track_approvals(events: pd.DataFrame) -> int:
    """Of those approvals, the applications that are fast track (second-time adopters, foster carers adopting)."""
    return _count(events[events["fast_track"].astype(bool)], EventKind.APPROVED)


def withdrawals(events: pd.DataFrame) -> dict:
    """Withdrawals: live `withdrawn` events dated in the period (applications), by who withdrew (applicant or
    service) and by the reason recorded (most frequent first)."""
    withdrawn = events[events["kind"] == EventKind.WITHDRAWN]
    reasons = withdrawn["reason"].fillna(NO_REASON).value_counts()
    reasons = reasons.sort_index().sort_values(ascending=False, kind="stable")
    return {"total": len(withdrawn),
            "by_party": {party.value: int((withdrawn["party"] == party).sum()) for party in WithdrawingParty},
            "by_reason": {str(reason): int(n) for reason, n in reasons.items()}}


# The line-level rows.

def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LONDON).astimezone(timezone.utc)


def _received_in_period(params: ReportParams):
    """Contacts whose London date is in the period: from London midnight of the first day to that after the last."""
    end = _london_midnight(params.date_to + timedelta(days=1))
    return (EnquiryContact.received_at >= _london_midnight(params.date_from)) & (EnquiryContact.received_at < end)


def _contacts(params: ReportParams) -> pd.DataFrame:
    """One row per contact received in the period: its household and London day (and `split`, see `_contact_split`)."""
    query = _contact_split(select(EnquiryContact.id, EnquiryContact.household_id, EnquiryContact.received_at)
                           .join(Household, Household.id == EnquiryContact.household_id)
                           .where(_received_in_period(params)), params.by)
    frame = read_frame(query)
    frame.columns = ["contact_id", "household_id", "received_at", *_extra(frame)]
    received = pd.to_datetime(frame.pop("received_at"), utc=True)
    frame["day"] = received.dt.tz_convert(LONDON.key).dt.tz_localize(None).dt.normalize()
    return frame


def _contact_split(statement, by: Split | None):
    """Partner authority and team: the household's. Channel: how this contact heard (its own channel's top level),
    as SPEC section 6 counts contacts per channel. Service line: see `_contacts_by_service_line`."""
    if by in (Split.PARTNER_AUTHORITY, Split.TEAM):
        return with_split(statement, by)
    if by is Split.CHANNEL:
        parent = aliased(Channel, name="parent_channel")
        return (statement.add_columns(func.coalesce(parent.name, Channel.name).label("split"))
                .outerjoin(Channel, Channel.id == EnquiryContact.channel_id)
                .outerjoin(parent, parent.id == Channel.parent_id))
    return statement


def _extra(frame) -> list[str]:
    """A `split` column when the query selected one (always the last)."""
    return ["split"] if "split" in frame.columns else []


def _live_in_period(params: ReportParams) -> tuple:
    return (StageEvent.undone_at.is_(None), StageEvent.kind.in_(COUNTED_KINDS),
            StageEvent.occurred_on >= params.date_from, StageEvent.occurred_on <= params.date_to)


def _events(params: ReportParams) -> pd.DataFrame:
    """One row per live event the report counts, dated in the period: its kind, party and reason, its application's
    household and fast track, what moved it (information events), and its split value (crm.reports.split_keys: the
    application's service line; the household's authority, team, or first contact's top-level channel)."""
    source = case((AttendanceStageMove.booking_id.is_not(None), "event"),
                  (AttendanceStageMove.consultation_id.is_not(None), "consultation"), else_="recorded")
    query = (select(StageEvent.id, StageEvent.kind, StageEvent.occurred_on, StageEvent.party, StageEvent.reason,
                    Application.household_id, Application.fast_track, source)
             .join(Application, Application.id == StageEvent.application_id)
             .join(Household, Household.id == Application.household_id)
             .outerjoin(AttendanceStageMove, AttendanceStageMove.stage_event_id == StageEvent.id)
             .where(*_live_in_period(params)))
    frame = read_frame(with_split(query, params.by))
    frame.columns = ["event_id", "kind", "day", "party", "reason", "household_id", "fast_track", "source",
                     *_extra(frame)]
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


# Splits.

def _splits(params: ReportParams, contacts: pd.DataFrame, events: pd.DataFrame) -> dict[str, dict]:
    """The figures per split value. Months (`2026-04`) and quarters (calendar, `2026 Q2 (Apr-Jun)`): every one the
    period touches, in order, each thing by its own date; other splits: the values found, in alphabetical order,
    a missing authority, team or channel as `Not recorded`."""
    contacts, events = _keyed(params, contacts, events)
    if params.by in (Split.MONTH, Split.QUARTER):
        keys = period_keys(params.date_from, params.date_to, params.by)
    else:
        keys = sorted(set(contacts["split"]) | set(events["split"]))
    contact_groups, event_groups = dict(list(contacts.groupby("split"))), dict(list(events.groupby("split")))
    return {key: figures(contact_groups.get(key, contacts.iloc[:0]), event_groups.get(key, events.iloc[:0]))
            for key in keys}


def _keyed(params: ReportParams, contacts: pd.DataFrame, events: pd.DataFrame):
    """Both frames with a `split` column of labels: the split value each row counts under."""
    if params.by in (Split.MONTH, Split.QUARTER):
        return (contacts.assign(split=period_key(contacts["day"], params.by)),
                events.assign(split=period_key(events["day"], params.by)))
    if params.by is Split.SERVICE_LINE:
        contacts = _contacts_by_service_line(params, contacts)
    return contacts.assign(split=split_values(contacts["split"])), events.assign(split=split_values(events["split"]))


def _contacts_by_service_line(params: ReportParams, contacts: pd.DataFrame) -> pd.DataFrame:
    """A contact has no service line of its own: it counts under each line the household had applied to by the
    contact's date (an application opens on its first event), so a household that enquires about two lines counts
    under both and the lines add up to more than the total. A contact before any application is `Not recorded`."""
    opened = (select(StageEvent.application_id, func.min(StageEvent.occurred_on).label("opened_on"))
              .group_by(StageEvent.application_id).subquery())
    query = (select(EnquiryContact.id, Application.service_line_code, opened.c.opened_on)
             .join(Application, Application.household_id == EnquiryContact.household_id)
             .join(opened, opened.c.application_id == Application.id)
             .where(_received_in_period(params)))
    lines = pd.DataFrame(db.session.execute(query).all(), columns=["contact_id", "split", "opened_on"])
    pairs = contacts.merge(lines, on="contact_id")
    pairs = pairs[pd.to_datetime(pairs["opened_on"]) <= pairs["day"]].drop(columns="opened_on")
    before_any = contacts[~contacts["contact_id"].isin(pairs["contact_id"])].assign(split=None)
    return pd.concat([pairs, before_any], ignore_index=True)


# Tables.

def _tables(totals: dict, splits: dict[str, dict]) -> dict[str, pd.DataFrame]:
    """`activity` (one row per figure) and `withdrawal_reasons`; columns `measure` (the figure's path in the JSON),
    `label`, `total`, then one per split value."""
    flat = _flatten(totals)
    columns = {"total": flat, **{_column(key): _flatten(split) for key, split in splits.items()}}
    frame = pd.DataFrame(columns, index=list(flat)).fillna(0).astype(int)
    frame.insert(0, "label", [LABELS.get(path) or path.removeprefix(REASONS) for path in flat])
    frame = frame.rename_axis("measure").reset_index()
    is_reason = frame["measure"].str.startswith(REASONS)
    return {"activity": frame[~is_reason].reset_index(drop=True),
            "withdrawal_reasons": frame[is_reason].reset_index(drop=True)}


def _column(key: str) -> str:
    """A split value as a column name that cannot take the place of `measure`, `label` or `total` (a team called
    "total" becomes "total (split)")."""
    return f"{key} (split)" if key in ("measure", "label", "total") else key


def _flatten(figures_: dict, prefix: str = "") -> dict[str, int]:
    flat = {}
    for key, value in figures_.items():
        flat.update(_flatten(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return flat
