"""The queue of enquiries awaiting a first response, in SQL: filters, overdue count, one sorted page."""
from __future__ import annotations

from array import array
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from crm.enquiries.models import EnquiryContact
from crm.extensions import db
from crm.households.models import Household
from crm.households.visibility import visible_households
from crm.marketing.models import Channel
from crm.pagination import Page, paginate
from crm.queues.counting import shared_and_own
from crm.queues.filters import AwaitingFilters
from crm.queues.queries import first_applicant
from crm.queues.sorting import ASCENDING, DESCENDING, Column, Sort

COLUMNS = [
    Column("household", "Household"),
    Column("received", "Received", DESCENDING),
    Column("method", "How", sortable=False),
    Column("due", "Due by"),
    Column("action", "Action", sortable=False, label_hidden=True),
]
DEFAULT_SORT = Sort("due", ASCENDING)  # soonest due first, so the overdue lead


@dataclass(frozen=True)
class AwaitingQueue:
    page: Page
    overdue: int


def awaiting_queue(user, filters: AwaitingFilters, sort: Sort, number: int, *, now: datetime) -> AwaitingQueue:
    """Unanswered contacts among the households this user may see, a page at a time."""
    where = _conditions(user, filters, now)
    total, overdue = _counts(where, now)
    query = (
        select(EnquiryContact).join(EnquiryContact.household).where(*where)
        .options(contains_eager(EnquiryContact.household).selectinload(Household.people),
                 selectinload(EnquiryContact.channel).selectinload(Channel.parent))
        .order_by(*_order(sort), EnquiryContact.id)
    )
    return AwaitingQueue(paginate(query, number, total=total), overdue)


def awaiting_counts(user, *, now: datetime) -> tuple[int, int]:
    """How many unanswered contacts this user may see, and how many of them are overdue (for the home page).

    The shared part of the user's scope (crm/queues/counting.py) is kept per data version as the sorted due times of
    its unanswered contacts, so that it is counted against the present moment, never a stale one; their own
    households are counted afresh."""
    unanswered = EnquiryContact.first_responded_at.is_(None)
    (total, dues), own = shared_and_own("home_awaiting", user, lambda where: _due_times(unanswered, where))
    overdue = bisect_left(dues, now.timestamp())
    if own is not None:
        own_total, own_dues = own
        total, overdue = total + own_total, overdue + bisect_left(own_dues, now.timestamp())
    return total, overdue


def _due_times(*where) -> tuple[int, array]:
    """How many contacts meet `where`, and their response due times (seconds since the epoch), sorted."""
    due = list(db.session.scalars(select(EnquiryContact.first_response_due_at).join(EnquiryContact.household)
                                  .where(*where)))
    return len(due), array("d", sorted(at.timestamp() for at in due if at is not None))


def _counts(where: list, now: datetime) -> tuple[int, int]:
    overdue = func.count(case((EnquiryContact.first_response_due_at < now, 1)))
    return tuple(db.session.execute(select(func.count(), overdue).select_from(EnquiryContact)
                                    .join(EnquiryContact.household).where(*where)).one())


def _conditions(user, filters: AwaitingFilters, now: datetime) -> list:
    clauses = [EnquiryContact.first_responded_at.is_(None), visible_households(user)]
    if filters.methods:
        clauses.append(EnquiryContact.method.in_(filters.methods))
    if filters.channel is not None:
        # A top-level channel takes in the channels within it (digital: Google Ads, Facebook, ...).
        within = select(Channel.id).where(or_(Channel.id == filters.channel, Channel.parent_id == filters.channel))
        clauses.append(EnquiryContact.channel_id.in_(within))
    if filters.overdue:
        clauses.append(EnquiryContact.first_response_due_at < now)
    return clauses


SORT_KEYS = {
    "household": (first_applicant(), Household.reference),
    "received": (EnquiryContact.received_at,),
    "due": (EnquiryContact.first_response_due_at,),
}


def _order(sort: Sort) -> list:
    return [(e.desc() if sort.descending else e.asc()).nulls_last() for e in SORT_KEYS[sort.key]]
