"""Touchpoints (SPEC section 6): each contact's campaign and rule-named channel, and every household's journey.

A touch is an enquiry contact (its day in England, its channel and campaign), an information-event attendance or a
1:1 consultation (both on the channel `event > information event`, no campaign). An application's journey is its
household's touches in time order up to the day it reached the outcome, that day included: for `roi` the first
Registration of Interest still standing (not undone), for `approval` the approval. The applications of one
household share its touches. Applications that have not reached the outcome have journeys too (all their
household's touches): the markov model learns from them.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from datetime import date, time

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from crm import clock
from crm.enquiries.models import EnquiryContact
from crm.events.models import Attendance, Consultation, EventBooking, InformationEvent
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind
from crm.households.models import Application, Household
from crm.marketing.attribution.methods.base import Journey, Touch
from crm.marketing.attribution.rules import apply_rules, chunks, run_update
from crm.marketing.models import Campaign, Channel

OUTCOMES = {"roi": EventKind.REGISTRATION_OF_INTEREST, "approval": EventKind.APPROVED}
EVENT_CHANNEL = ("event", "information event")  # the channel of attendances and consultations
HOUSEHOLDS_PER_CHUNK = 5000


def resolve_contacts(session: Session, *, contact_ids=None) -> dict[str, int]:
    """Set each contact's campaign (the campaign whose name is its `campaign`, else whose code is its
    `utm_campaign`, without regard to case) and, where no person recorded one, its channel from the UTM rules.
    Every contact, or only `contact_ids`; in SQL, a few statements whatever the number. Returns the rows changed."""
    return {"campaigns": _resolve_campaigns(session, contact_ids),
            "channels": apply_rules(session, contact_ids=contact_ids)}


def resolve_contact(session: Session, contact: EnquiryContact) -> None:
    """A contact just logged (and flushed): its campaign and rule-named channel, if it names or carries any."""
    if any((contact.campaign, contact.utm_source, contact.utm_medium, contact.utm_campaign, contact.referrer)):
        resolve_contacts(session, contact_ids=[contact.id])


def _resolve_campaigns(session: Session, contact_ids) -> int:
    by_name = _campaign_keys(Campaign.name)
    by_code = _campaign_keys(Campaign.code)
    contact = aliased(EnquiryContact)
    found = (select(contact.id.label("contact_id"),
                    func.coalesce(by_name.c.campaign_id, by_code.c.campaign_id).label("campaign_id"))
             .select_from(contact)
             .outerjoin(by_name, by_name.c.key == func.lower(contact.campaign))
             .outerjoin(by_code, by_code.c.key == func.lower(contact.utm_campaign))
             .where(or_(contact.campaign.is_not(None), contact.utm_campaign.is_not(None),
                        contact.campaign_id.is_not(None))))
    if contact_ids is None:
        return run_update(session, _set_campaigns(found))
    return sum(run_update(session, _set_campaigns(found.where(contact.id.in_(chunk)))) for chunk in chunks(contact_ids))


def _campaign_keys(column):
    """Each campaign name (or code) in lower case, with its campaign."""
    return (select(func.lower(column).label("key"), func.min(Campaign.id).label("campaign_id"))
            .where(column.is_not(None)).group_by(func.lower(column)).subquery())


def _set_campaigns(found):
    found = found.subquery("found")
    return (update(EnquiryContact)
            .where(EnquiryContact.id == found.c.contact_id,
                   EnquiryContact.campaign_id.is_distinct_from(found.c.campaign_id))
            .values(campaign_id=found.c.campaign_id)
            .execution_options(synchronize_session=False))


def journeys(session: Session, outcome: str, *, date_from: date | None = None,
             date_to: date | None = None) -> Iterator[Journey]:
    """Every application's journey towards `outcome` ('roi' or 'approval'), a chunk of households at a time.

    With `date_to`, as things stood that day: later touches are left out, and an outcome reached after it is not
    reached yet. With either date, only journeys ending in the range are given: at their outcome, or (not reached)
    at their last touch."""
    if outcome not in OUTCOMES:
        raise ValueError(f"no outcome '{outcome}': one of {', '.join(OUTCOMES)}")
    event_channel = _event_channel_id(session)
    for first, last in _household_ranges(session):
        touches = _touches(session, first, last, event_channel)
        reached = _reached(session, OUTCOMES[outcome], first, last)
        for application_id, household_id in _applications(session, first, last):
            journey = _journey(touches.get(household_id, ()), reached.get(application_id), date_to,
                               application_id, household_id)
            if _ends_in_range(journey, date_from, date_to):
                yield journey


def _applications(session: Session, first: int, last: int) -> list[tuple[int, int]]:
    """(application id, household id) of the households' applications: read in full, as the caller writes between
    journeys."""
    return session.connection().execute(
        select(Application.id, Application.household_id)
        .where(Application.household_id.between(first, last)).order_by(Application.id)).all()


def _journey(touches, outcome_on: date | None, date_to: date | None, application_id: int,
             household_id: int) -> Journey:
    if outcome_on is not None and date_to is not None and outcome_on > date_to:
        outcome_on = None
    end = outcome_on or date_to
    cut = touches if end is None else touches[:bisect_right(touches, end, key=lambda touch: touch.on)]
    return Journey(tuple(cut), outcome_on, application_id, household_id)


def _ends_in_range(journey: Journey, date_from: date | None, date_to: date | None) -> bool:
    if date_from is None and date_to is None:
        return True
    end = journey.outcome_on or (journey.touches[-1].on if journey.touches else None)
    return end is not None and (date_from is None or end >= date_from)


def _event_channel_id(session: Session) -> int | None:
    parent = aliased(Channel)
    return session.scalar(select(Channel.id).join(parent, parent.id == Channel.parent_id)
                          .where(func.lower(parent.name) == EVENT_CHANNEL[0],
                                 func.lower(Channel.name) == EVENT_CHANNEL[1]).order_by(Channel.id).limit(1))


def _household_ranges(session: Session) -> Iterator[tuple[int, int]]:
    """(first id, last id) of each run of HOUSEHOLDS_PER_CHUNK households."""
    ids = session.scalars(select(Household.id).order_by(Household.id)).all()
    for start in range(0, len(ids), HOUSEHOLDS_PER_CHUNK):
        yield ids[start], ids[min(start + HOUSEHOLDS_PER_CHUNK, len(ids)) - 1]


def _touches(session: Session, first: int, last: int, event_channel: int | None) -> dict[int, list[Touch]]:
    """The households' touches, each household's in time order: by day, then time of day (a consultation, which
    has no time, after the day's contacts and events), then the order they were recorded in. Read as plain rows
    (Core, not ORM): a night's run reads every contact."""
    keyed: dict[int, list[tuple]] = {}
    for source in (_contact_touches(session, first, last), _event_touches(session, first, last, event_channel),
                   _consultation_touches(session, first, last, event_channel)):
        for household_id, key, touch in source:
            keyed.setdefault(household_id, []).append((key, touch))
    return {household_id: [touch for _, touch in sorted(rows, key=lambda row: row[0])]
            for household_id, rows in keyed.items()}


def _contact_touches(session: Session, first: int, last: int) -> Iterator[tuple[int, tuple, Touch]]:
    for household_id, id_, at, channel_id, campaign_id in session.connection().execute(
            select(EnquiryContact.household_id, EnquiryContact.id, EnquiryContact.received_at,
                   EnquiryContact.channel_id, EnquiryContact.campaign_id)
            .where(EnquiryContact.household_id.between(first, last))):
        local = clock.in_london(at)
        yield household_id, (local.date(), local.timestamp(), 0, id_), Touch(local.date(), channel_id, campaign_id)


def _event_touches(session: Session, first: int, last: int,
                   channel_id: int | None) -> Iterator[tuple[int, tuple, Touch]]:
    for household_id, id_, on, starts_at in session.connection().execute(
            select(EventBooking.household_id, EventBooking.id, EventBooking.attended_on, InformationEvent.starts_at)
            .join(InformationEvent, InformationEvent.id == EventBooking.event_id)
            .where(EventBooking.household_id.between(first, last), EventBooking.attendance == Attendance.ATTENDED,
                   EventBooking.attended_on.is_not(None))):
        yield household_id, (on, starts_at.timestamp(), 1, id_), Touch(on, channel_id, None, "event")


def _consultation_touches(session: Session, first: int, last: int,
                          channel_id: int | None) -> Iterator[tuple[int, tuple, Touch]]:
    for household_id, id_, on in session.connection().execute(
            select(Consultation.household_id, Consultation.id, Consultation.held_on)
            .where(Consultation.household_id.between(first, last))):
        end_of_day = clock.london_time(on, time.max).timestamp()
        yield household_id, (on, end_of_day, 2, id_), Touch(on, channel_id, None, "consultation")


def _reached(session: Session, kind: EventKind, first: int, last: int) -> dict[int, date]:
    """The day each application first reached the outcome, among its events still standing."""
    return dict(session.connection().execute(
        select(StageEvent.application_id, func.min(StageEvent.occurred_on))
        .join(Application, Application.id == StageEvent.application_id)
        .where(Application.household_id.between(first, last), StageEvent.kind == kind,
               StageEvent.undone_at.is_(None))
        .group_by(StageEvent.application_id)).all())
