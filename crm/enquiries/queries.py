"""Reading enquiries for queues."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from crm.enquiries.models import EnquiryContact
from crm.extensions import db
from crm.households.models import Household
from crm.households.visibility import visible_households


def awaiting_first_response(user, *, limit: int = 200) -> list[EnquiryContact]:
    """Contacts not yet answered, due soonest first, among the households this user may see."""
    query = (select(EnquiryContact).join(EnquiryContact.household)
             .where(EnquiryContact.first_responded_at.is_(None), visible_households(user))
             .options(contains_eager(EnquiryContact.household).selectinload(Household.people),
                      selectinload(EnquiryContact.channel))
             .order_by(EnquiryContact.first_response_due_at, EnquiryContact.id).limit(limit))
    return list(db.session.scalars(query).unique())
