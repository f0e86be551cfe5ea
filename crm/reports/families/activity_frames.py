"""The activity report's two sets of rows, with each row's split value: read line by line for the drill-down, counted
in the database for the figures (crm.reports.families.activity_counts).

The contacts received in the period, and the live stage events dated in it with their application and household.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from crm.enquiries.models import EnquiryContact
from crm.events.models import AttendanceStageMove
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind
from crm.households.models import Application, Household
from crm.marketing.models import Channel
from crm.reports.base import ReportParams, Split
from crm.reports.data.frames import read_frame
from crm.reports.data.london import london_days, received_between
from crm.reports.data.months import period_key
from crm.reports.data.reasons import REASON, with_reason_names
from crm.reports.data.split_keys import split_values, with_split

COUNTED_KINDS = (EventKind.INFORMATION_EVENT, EventKind.INITIAL_VISIT, EventKind.REGISTRATION_OF_INTEREST,
                 EventKind.STAGE_1, EventKind.STAGE_1_COMPLETED, EventKind.STAGE_2, EventKind.PANEL,
                 EventKind.PANEL_DEFERRED, EventKind.APPROVED, EventKind.NOT_APPROVED, EventKind.WITHDRAWN)


def _received_in_period(params: ReportParams):
    """Contacts whose London date is in the period."""
    return received_between(params.date_from, params.date_to)


def contact_rows(params: ReportParams):
    """The contacts received in the period: `id`, `household_id`, `received_at` (and `split`, see `_contact_split`).
    The drill-down reads them (`contacts`); the figures count them (crm.reports.families.activity_counts)."""
    return _contact_split(select(EnquiryContact.id, EnquiryContact.household_id, EnquiryContact.received_at)
                          .join(Household, Household.id == EnquiryContact.household_id)
                          .where(_received_in_period(params)), params.by)


def contacts(params: ReportParams) -> pd.DataFrame:
    """One row per contact received in the period: its household and London day (and `split`, see `_contact_split`)."""
    frame = read_frame(contact_rows(params))
    frame.columns = ["contact_id", "household_id", "received_at", *_extra(frame)]
    frame["day"] = london_days(frame.pop("received_at"))
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


def event_rows(params: ReportParams):
    """The live events the report counts, dated in the period: `id`, `kind`, `occurred_on`, `party`, `reason`,
    `application_id`, the application's `household_id` and `fast_track`, what moved it (`source`, for information
    events) and its `split` value (crm.reports.data.split_keys: the application's service line; the household's
    authority, team, or first contact's top-level channel). The drill-down reads them (`events`); the figures count
    them (crm.reports.families.activity_counts)."""
    source = case((AttendanceStageMove.booking_id.is_not(None), "event"),
                  (AttendanceStageMove.consultation_id.is_not(None), "consultation"), else_="recorded")
    query = (select(StageEvent.id, StageEvent.kind, StageEvent.occurred_on, StageEvent.party, REASON,
                    StageEvent.application_id, Application.household_id, Application.fast_track,
                    source.label("source"))
             .join(Application, Application.id == StageEvent.application_id)
             .join(Household, Household.id == Application.household_id)
             .outerjoin(AttendanceStageMove, AttendanceStageMove.stage_event_id == StageEvent.id)
             .where(*_live_in_period(params)))
    return with_split(with_reason_names(query), params.by)


def events(params: ReportParams) -> pd.DataFrame:
    """One row per live event the report counts, dated in the period (`event_rows`)."""
    frame = read_frame(event_rows(params))
    frame.columns = ["event_id", "kind", "day", "party", "reason", "application_id", "household_id", "fast_track",
                     "source", *_extra(frame)]
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def keyed(params: ReportParams, contacts_: pd.DataFrame, events_: pd.DataFrame):
    """Both frames with a `split` column of labels: the split value each row counts under. Months (`2026-04`) and
    quarters (calendar, `2026 Q2 (Apr-Jun)`): each thing by its own date; other splits: a missing authority, team
    or channel as `Not recorded`."""
    if params.by in (Split.MONTH, Split.QUARTER):
        return (contacts_.assign(split=period_key(contacts_["day"], params.by)),
                events_.assign(split=period_key(events_["day"], params.by)))
    if params.by is Split.SERVICE_LINE:
        contacts_ = _contacts_by_service_line(params, contacts_)
    return (contacts_.assign(split=split_values(contacts_["split"])),
            events_.assign(split=split_values(events_["split"])))


def opened_applications():
    """Each application that has an event, its household and service line and the day it opened (its first event)."""
    opened = (select(StageEvent.application_id, func.min(StageEvent.occurred_on).label("opened_on"))
              .group_by(StageEvent.application_id).subquery())
    return (select(Application.id, Application.household_id, Application.service_line_code, opened.c.opened_on)
            .join(opened, opened.c.application_id == Application.id))


def _contacts_by_service_line(params: ReportParams, contacts_: pd.DataFrame) -> pd.DataFrame:
    """A contact has no service line of its own: it counts under each line the household had applied to by the
    contact's date (an application opens on its first event), so a household that enquires about two lines counts
    under both and the lines add up to more than the total. A contact before any application is `Not recorded`."""
    opened = opened_applications().subquery()
    query = (select(EnquiryContact.id, opened.c.service_line_code, opened.c.opened_on)
             .join(opened, opened.c.household_id == EnquiryContact.household_id)
             .where(_received_in_period(params)))
    lines = pd.DataFrame(db.session.execute(query).all(), columns=["contact_id", "split", "opened_on"])
    pairs = contacts_.merge(lines, on="contact_id")
    pairs = pairs[pd.to_datetime(pairs["opened_on"]) <= pairs["day"]].drop(columns="opened_on")
    before_any = contacts_[~contacts_["contact_id"].isin(pairs["contact_id"])].assign(split=None)
    return pd.concat([pairs, before_any], ignore_index=True)
