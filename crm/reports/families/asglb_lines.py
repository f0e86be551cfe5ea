"""The ASGLB return's line-level rows: one per approval, match or departure after approval, and per application waiting.

Every count of the return (crm.reports.families.asglb) is the number of these rows matching its cell's selector.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage
from crm.funnel.service_lines import ADOPTION_LIKE
from crm.funnel.terms import APPROVED_AND_WAITING
from crm.funnel.timescales import TIMESCALES
from crm.households.models import Application, Household
from crm.reports.base import ReportParams, Split
from crm.reports.data.frames import ordered_events, raw
from crm.reports.data.months import add, period_keys, quarter_key
from crm.reports.data.reasons import REASON, with_reason_names
from crm.reports.data.split_keys import split_values, with_split
from crm.reports.families import snapshot

REGISTRATION = EventKind.STAGE_1  # the agency's acceptance of the ROI
KINDS = (REGISTRATION, EventKind.APPROVED, *APPROVED_AND_WAITING.ended_by, EventKind.WITHDRAWN)
# The statutory time for Stage 1 and for Stage 2 (crm.funnel.timescales, the clock the alerts run): 2 + 4 months.
STATUTORY = {rule.key: rule.allowed for rule in TIMESCALES if rule.lines == ADOPTION_LIKE}
REGISTRATION_TO_APPROVAL = STATUTORY[Stage.STAGE_1.value] + STATUTORY[Stage.STAGE_2.value]
APPROVAL_TO_MATCH = relativedelta(months=3)
NO_REASON = "No reason recorded"
LINE_COLUMNS = ["application_id", "household_id", "service_line", "split", "measure", "quarter", "on", "found",
                "fast_track", "timed", "within", "reason"]


def _refuse_time_splits(params: ReportParams) -> None:
    if params.by in (Split.MONTH, Split.QUARTER):
        raise ValueError("The ASGLB return is by quarter already, so it cannot be split by month or quarter: split "
                         "it by service line, partner authority, team or channel, or set the period to one month")


def quarters(params: ReportParams) -> list[tuple[str, date]]:
    """Each calendar quarter the period touches, in order: its key and the day "approved and waiting" is taken
    (the quarter's last day, or the period's when that is sooner)."""
    keys = period_keys(params.date_from, params.date_to, Split.QUARTER)
    ends = pd.period_range(params.date_from, params.date_to, freq="Q")
    return [(key, min(end.end_time.date(), params.date_to)) for key, end in zip(keys, ends)]


def lines(params: ReportParams) -> pd.DataFrame:
    """One row per approval, match and departure after approval dated in the period (with its quarter), and per
    application approved and waiting at each quarter's end. Selector columns hold text ("yes" / "no" flags, None
    where a flag does not apply). Columns: LINE_COLUMNS."""
    _refuse_time_splits(params)
    approved = _approved_applications(_events(params))
    counted = pd.concat([_approval_lines(approved), _match_lines(approved), _leaver_lines(approved)],
                        ignore_index=True)
    counted = counted[counted["on"].between(pd.Timestamp(params.date_from), pd.Timestamp(params.date_to))]
    counted = counted.assign(quarter=quarter_key(counted["on"]))
    made = pd.concat([counted, _waiting_lines(params)], ignore_index=True).reindex(columns=LINE_COLUMNS)
    made["split"] = split_values(made["split"].astype(object))
    return made.astype({column: object for column in ("found", "fast_track", "timed", "within", "reason")})




def _events(params: ReportParams) -> pd.DataFrame:
    """The one query: the live registrations (Stage 1 starts), approvals, matches / placements and withdrawals dated
    up to the period's end of the adoption and early permanence applications approved by then; in event order."""
    approval = aliased(StageEvent)
    approved = select(approval.application_id).where(approval.undone_at.is_(None),
                                                      approval.kind == EventKind.APPROVED,
                                                      approval.occurred_on <= params.date_to)
    statement = (select(StageEvent.id, StageEvent.application_id, raw(StageEvent.kind), raw(StageEvent.occurred_on),
                        REASON, Application.household_id,
                        Application.service_line_code.label("service_line"), Application.fast_track)
                 .join(Application, Application.id == StageEvent.application_id)
                 .join(Household, Household.id == Application.household_id)
                 .where(StageEvent.undone_at.is_(None), StageEvent.kind.in_(KINDS),
                        StageEvent.occurred_on <= params.date_to, Application.service_line_code.in_(ADOPTION_LIKE),
                        StageEvent.application_id.in_(approved)))
    return ordered_events(with_split(with_reason_names(statement), params.by))


def _approved_applications(events: pd.DataFrame) -> pd.DataFrame:
    """One row per approved application: its approval, the registration before it, the match or placement and the
    withdrawal after it (each None when there is none)."""
    approvals = events[events["kind"] == EventKind.APPROVED].drop_duplicates("application_id", keep="last")
    approved = approvals.set_index("application_id").rename(columns={"occurred_on": "approved_on",
                                                                     "seq": "approval_seq"})
    order = approved["approval_seq"]
    registered = _beside_approval(events, (REGISTRATION,), order, after=False)
    found = _beside_approval(events, APPROVED_AND_WAITING.ended_by, order, after=True)
    left = _beside_approval(events, (EventKind.WITHDRAWN,), order, after=True)
    approved["fast_track"] = _yes(approved["fast_track"])
    return approved[["household_id", "service_line", "fast_track", "split", "approved_on"]].join(
        [registered["occurred_on"].rename("registered_on"), found["occurred_on"].rename("found_on"),
         found["kind"].rename("found"), left["occurred_on"].rename("left_on"), left["reason"]]).reset_index()


def _beside_approval(events: pd.DataFrame, kinds: tuple, approval_seq: pd.Series, *, after: bool) -> pd.DataFrame:
    """Each application's event of `kinds` in event order after its approval (the first), or before it (the last)."""
    chosen = events[events["kind"].isin(kinds)].join(approval_seq, on="application_id")
    side = chosen["seq"] > chosen["approval_seq"] if after else chosen["seq"] < chosen["approval_seq"]
    return chosen[side].drop_duplicates("application_id", keep="first" if after else "last").set_index(
        "application_id")


def _yes(flags: pd.Series) -> pd.Series:
    return flags.map({True: "yes", False: "no"})


def _approval_lines(approved: pd.DataFrame) -> pd.DataFrame:
    """Approvals; `timed` when not fast track and registered (an approval without a live Stage 1 start before it
    cannot be timed); `within` when timed and approved on or before registration + 6 months."""
    timed = (approved["fast_track"] == "no") & approved["registered_on"].notna()
    within = pd.Series(False, index=approved.index)
    registered = approved[timed]
    within[registered.index] = registered["approved_on"] <= add(registered["registered_on"], REGISTRATION_TO_APPROVAL)
    return approved.assign(measure="approval", on=approved["approved_on"], timed=_yes(timed),
                           within=_yes(within).where(timed, None), found=None, reason=None)


def _match_lines(approved: pd.DataFrame) -> pd.DataFrame:
    """Matches (or early permanence placements); `within` when on or before approval + 3 months."""
    matched = approved[approved["found_on"].notna()]
    within = matched["found_on"] <= add(matched["approved_on"], APPROVAL_TO_MATCH)
    return matched.assign(measure="match", on=matched["found_on"], found=matched["found"].map(str),
                          within=_yes(within), reason=None)


def _leaver_lines(approved: pd.DataFrame) -> pd.DataFrame:
    """Withdrawals after approval, with their reason."""
    left = approved[approved["left_on"].notna()]
    return left.assign(measure="left_after_approval", on=left["left_on"], reason=left["reason"].fillna(NO_REASON))


def _waiting_lines(params: ReportParams) -> pd.DataFrame:
    """The snapshot report's "approved and waiting" adoption and early permanence applications at each quarter's
    end (crm.reports.families.snapshot.lines: approved, no match or placement, not withdrawn, by that day)."""
    made = []
    for key, as_at in quarters(params):
        held = snapshot.lines(ReportParams(as_at, as_at, at=as_at, by=params.by), approved_only=True)
        held = held[(held["category"] == "approved_waiting") & held["service_line"].isin(ADOPTION_LIKE)]
        made.append(held.assign(measure="approved_waiting", quarter=key, on=held["since"]))
    return pd.concat(made, ignore_index=True)
