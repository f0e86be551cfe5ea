"""Which households a user may see (SPEC section 1): the record-level half of the access policy.

One SQL condition serves the lists (search, queues), the single household page and its checks. What a worker sees
follows the allocation (crm/allocation): the households allocated to them, and those where they own an open check.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, false, or_, select, true, union
from sqlalchemy.orm import aliased

from crm.auth.roles import Role
from crm.checks.models import CheckInstance
from crm.extensions import db
from crm.funnel.stages import OPEN_STATUSES, Stage
from crm.households.models import Application, Household

BEYOND_ROI = [s for s in Stage if s.order > Stage.REGISTRATION_OF_INTEREST.order]


@dataclass(frozen=True)
class Scope:
    """What a user may see, in two parts. `shared` is the same for everyone with the same roles and team: the
    households with nothing beyond the Registration of Interest for officers, the team's for workers. `own` is the
    user's: the households allocated to them or where they own an open check. Counts over the shared part can be
    computed once for all who share it (crm/queues/counting.py); the own part is a few households, read by index."""

    everything: bool = False
    before_roi: bool = False
    team_id: int | None = None
    user_id: int | None = None

    def key(self) -> dict:
        """What the shared part depends on: the cache key of a count over it."""
        return {"everything": self.everything, "before_roi": self.before_roi, "team": self.team_id}


def scope_of(user) -> Scope:
    roles = user.roles
    if Role.MANAGER in roles:
        return Scope(everything=True)
    workers = bool(roles & {Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER})
    officer = Role.RECRUITMENT_OFFICER in roles
    return Scope(before_roi=officer, team_id=user.team_id if workers else None,
                 user_id=user.id if officer or workers else None)


def visible_households(user):
    """A condition on Household: true for the households this user may see."""
    scope = scope_of(user)
    if scope.everything:
        return true()
    if scope.user_id is None:
        return false()
    return or_(own_households(scope), shared_households(scope))


def shared_households(scope: Scope):
    """The shared part of a scope (never NULL, so its negation is exact): false when it has none."""
    if scope.everything:
        return true()
    clauses = []
    if scope.before_roi:
        # Officers work with households up to and including the Registration of Interest.
        # An alias, correlated to Household only: a query listing applications must still ask about
        # every application of the household, not just the row in hand.
        other = _alias("beyond")
        beyond = select(other.id).where(other.household_id == Household.id,
                                        other.stage.in_(BEYOND_ROI)).correlate(Household)
        clauses.append(~beyond.exists())
    if scope.team_id is not None:
        clauses.append(and_(Household.team_id.is_not(None), Household.team_id == scope.team_id))
    return or_(*clauses) if clauses else false()


def own_households(scope: Scope):
    """The households allocated to the user or where they own an open check: false for a scope with no user."""
    if scope.user_id is None:
        return false()
    return or_(Household.allocated_worker_id == scope.user_id, _owns_open_check(scope.user_id))


def own_household_ids(scope: Scope):
    """The same as a select of ids, for a query over the own part alone: `Household.id IN (this)` is a semi-join the
    planner starts from (two index reads), where the OR above, outside an OR with the shared part, scans every
    household."""
    allocated = select(Household.id).where(Household.allocated_worker_id == scope.user_id)
    return union(allocated, _open_check_households(scope.user_id))


def _owns_open_check(user_id: int):
    """The user owns an open check of one of the household's open applications (a check reassigned to them); the
    checks a reallocation moves (crm/allocation) are these."""
    # Not correlated: the planner finds the user's few households once (ix_checks_owner_id) and tests each household
    # against that set, where a correlated EXISTS ran once per household (17,000 times on a national check queue).
    return Household.id.in_(_open_check_households(user_id))


def _open_check_households(user_id: int):
    application = _alias("owned")
    return (select(application.household_id).join(CheckInstance, application.id == CheckInstance.application_id)
            .where(application.status.in_(OPEN_STATUSES), CheckInstance.owner_id == user_id, CheckInstance.is_open))


@cache
def _alias(name: str):
    """An alias of Application, made once: making one costs more than the rest of building a query (a millisecond or
    two on every page that asks what the user may see)."""
    return aliased(Application, name=name)


def may_see(user, household_id: int) -> bool:
    query = select(Household.id).where(Household.id == household_id, visible_households(user))
    return db.session.scalar(query) is not None
