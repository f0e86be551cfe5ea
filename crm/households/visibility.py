"""Which households a user may see (SPEC section 1): the record-level half of the access policy.

One SQL condition serves the lists (search, queues), the single household page and its checks. What a worker sees
follows the allocation (crm/allocation): the households allocated to them, and those where they own an open check.
"""
from __future__ import annotations

from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import aliased

from crm.auth.roles import Role
from crm.checks.models import CheckInstance
from crm.extensions import db
from crm.funnel.stages import OPEN_STATUSES, Stage
from crm.households.models import Application, Household

BEYOND_ROI = [s for s in Stage if s.order > Stage.REGISTRATION_OF_INTEREST.order]


def visible_households(user):
    """A condition on Household: true for the households this user may see."""
    roles = user.roles
    if Role.MANAGER in roles:
        return true()
    mine = or_(Household.allocated_worker_id == user.id, _owns_open_check(user.id))
    team = Household.team_id == user.team_id if user.team_id is not None else false()
    clauses = []
    if Role.RECRUITMENT_OFFICER in roles:
        # Officers work with households up to and including the Registration of Interest.
        # An alias, correlated to Household only: a query listing applications must still ask about
        # every application of the household, not just the row in hand.
        other = aliased(Application)
        beyond = select(other.id).where(other.household_id == Household.id,
                                        other.stage.in_(BEYOND_ROI)).correlate(Household)
        clauses.append(or_(mine, ~beyond.exists()))
    if roles & {Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER}:
        clauses.append(or_(mine, team))
    return or_(*clauses) if clauses else false()


def _owns_open_check(user_id: int):
    """The user owns an open check of one of the household's open applications (a check reassigned to them); the
    checks a reallocation moves (crm/allocation) are these."""
    application = aliased(Application)
    # Not correlated: the planner finds the user's few households once (ix_checks_owner_id) and tests each household
    # against that set, where a correlated EXISTS ran once per household (17,000 times on a national check queue).
    owned = (select(application.household_id).join(CheckInstance, application.id == CheckInstance.application_id)
             .where(application.status.in_(OPEN_STATUSES), CheckInstance.owner_id == user_id, CheckInstance.is_open))
    return Household.id.in_(owned)


def may_see(user, household_id: int) -> bool:
    query = select(Household.id).where(Household.id == household_id, visible_households(user))
    return db.session.scalar(query) is not None
