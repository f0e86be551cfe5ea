"""The home page's and the check queue's counts, kept per team (or scope) and data version (crm/queues/counting.py):
for every role they equal a count over exactly what the user may see, computed or read from the cache, and the
users of one team share one computation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm import clock
from crm.auth.roles import Role
from crm.checks import queries as checks
from crm.checks.models import CheckInstance
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.funnel.stages import Stage, Status
from crm.funnel.terms import is_open
from crm.households.models import Application, Household
from crm.households.visibility import visible_households
from crm.queues import awaiting, queries
from crm.queues.filters import ALL, MINE, TEAM, AwaitingFilters
from crm.reports.cache import ReportCache
from tests.checks.conftest import TODAY, family, into_stage_1
from tests.factories import ApplicationFactory, HouseholdFactory, TeamFactory, UserFactory

ROLES = {
    "stage one worker": [Role.STAGE_ONE_WORKER],
    "assessing social worker": [Role.ASSESSING_SOCIAL_WORKER],
    "recruitment officer": [Role.RECRUITMENT_OFFICER],
    "officer and worker": [Role.RECRUITMENT_OFFICER, Role.STAGE_ONE_WORKER],
    "manager": [Role.MANAGER],
}


@pytest.fixture
def world(app_context, db_session, travel):
    """Two teams; households of each before and beyond the Registration of Interest, open and closed, some with
    unanswered contacts; each user has a household of the other team allocated to them and owns an open check on
    another, beyond the Registration of Interest."""
    travel(TODAY)
    teams = [TeamFactory(), TeamFactory()]
    users = {name: UserFactory(roles=roles, team_id=teams[0].id) for name, roles in ROLES.items()}
    users["worker without a team"] = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    users["colleague"] = UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=teams[0].id)
    other = UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=teams[1].id)
    for team in teams:
        for stage, status in [(Stage.ENQUIRY, Status.ACTIVE), (Stage.REGISTRATION_OF_INTEREST, Status.ACTIVE),
                              (Stage.STAGE_1, Status.ACTIVE), (Stage.STAGE_2, Status.ON_HOLD),
                              (Stage.STAGE_1, Status.WITHDRAWN), (Stage.ENQUIRY, Status.WITHDRAWN)]:
            _contacted(ApplicationFactory(household=HouseholdFactory(team_id=team.id), stage=stage,
                                          status=status).household)
        into_stage_1(family(other, names=("Ann",)), other)  # the other team's checks
    for number, user in enumerate(users.values()):
        allocated = HouseholdFactory(team_id=teams[1].id, allocated_worker_id=user.id)
        ApplicationFactory(household=allocated, stage=Stage.STAGE_1 if number % 2 else Stage.ENQUIRY)
        _contacted(allocated)
        owned = into_stage_1(family(other, names=("Ann",)), other)
        for check in db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == owned.id)
                                        .order_by(CheckInstance.id).limit(2)):
            check.owner_id = user.id
        _contacted(owned.household)
    db_session.commit()  # the data under a version: the counts below are kept, and read back the second time
    return users


def _contacted(household) -> None:
    from crm.extensions import db

    for hours in (-30, 30):
        db.session.add(EnquiryContact(household=household, received_at=clock.now() - timedelta(hours=1), method=ContactMethod.PHONE,
                       first_response_due_at=clock.now() + timedelta(hours=hours)))


@pytest.mark.parametrize("name", [*ROLES, "worker without a team"])
def test_the_counts_are_exactly_what_the_user_may_see_computed_or_kept(world, db_session, name):
    user = world[name]
    for _ in range(2):  # computed, then read from the cache
        assert queries.scope_counts(user) == _scope_counts(user)
        now = clock.now()
        assert awaiting.awaiting_counts(user, now=now) == awaiting._counts(
            awaiting._conditions(user, AwaitingFilters(), now), now)
        for filters in (checks.QueueFilters(), checks.QueueFilters(owner="mine"), checks.QueueFilters(owner="team"),
                        checks.QueueFilters(overdue=True)):
            page = checks.check_queue(user, filters, 1, TODAY)
            expected = _queue_ids(user, filters)
            assert (page.total, [check.id for check in page.items]) == (len(expected), expected[:25])


def test_the_workers_of_a_team_share_one_computation(world, db_session):
    def kept() -> int:
        return db_session.scalar(select(func.count()).select_from(ReportCache)
                                 .where(ReportCache.name.in_(["home_scope_counts", "check_queue"])))

    before = kept()
    queries.scope_counts(world["stage one worker"])
    checks.check_queue(world["stage one worker"], checks.QueueFilters(), 1, TODAY)
    assert kept() == before + 2
    queries.scope_counts(world["colleague"])
    checks.check_queue(world["colleague"], checks.QueueFilters(), 1, TODAY)
    assert kept() == before + 2  # the colleague's own households are counted afresh; the team's are shared


def _scope_counts(user) -> dict:
    """What the home page counted before the counts were kept per team: one statement over what the user sees."""
    scopes = {ALL: True, MINE: Household.allocated_worker_id == user.id}
    if user.team_id is not None:
        scopes[TEAM] = Household.team_id == user.team_id
    counts = {}
    for scope, condition in scopes.items():
        rows = db_session_of().execute(
            select(Application.stage, func.count()).join(Application.household)
            .where(visible_households(user), is_open(), condition).group_by(Application.stage))
        counts[scope] = {**dict.fromkeys(Stage, 0), **dict(rows.all())}
    return {scope: counts[scope] for scope in queries.scopes(user)}


def _queue_ids(user, filters) -> list[int]:
    from crm.checks.models import CheckType
    from sqlalchemy import case

    return list(db_session_of().scalars(
        select(CheckInstance.id).join(CheckInstance.application).join(Application.household)
        .join(CheckInstance.check_type)
        .where(visible_households(user), *checks._queue_conditions(user, filters, TODAY))
        .order_by(case((CheckInstance.due_on.is_(None), 1), else_=0), CheckInstance.due_on, Household.reference,
                  CheckType.id, CheckInstance.id)))


def db_session_of():
    from crm.extensions import db

    return db.session
