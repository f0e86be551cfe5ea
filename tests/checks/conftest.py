"""Households in Stage 1 built through the funnel services, and helpers for the checks tests."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.auth.roles import Role
from crm.checks.models import CheckInstance, CheckType
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from crm.households.models import PersonRole
from tests.factories import HouseholdFactory, PersonFactory, TeamFactory, UserFactory

TODAY = date(2026, 11, 23)
STAGE_1_ON = date(2026, 3, 2)
# The standard household: who is in it, and what decides their checks.
FAMILY = {
    "Ann": dict(role=PersonRole.APPLICANT, date_of_birth=date(1985, 1, 1), employed=True, lived_abroad_months=7,
                fostered_in_last_12_months=True),
    "Ben": dict(role=PersonRole.APPLICANT, date_of_birth=date(1984, 6, 1), lived_abroad_months=6,
                previous_significant_relationship=True),
    "Cal": dict(role=PersonRole.OTHER_ADULT, date_of_birth=None),
    "Dot": dict(role=PersonRole.CHILD, date_of_birth=date(2015, 5, 5)),
    "Eve": dict(role=PersonRole.CHILD, date_of_birth=date(2008, 4, 15)),  # 18 on 15 April 2026
}


@pytest.fixture
def team(db_session):
    return TeamFactory()


@pytest.fixture
def worker(db_session, team):
    return UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=team.id, full_name="Wendy Worker")


def family(worker, *, names=tuple(FAMILY), **household):
    """A household allocated to the worker (and their team) with the people of FAMILY named."""
    household = HouseholdFactory(team_id=worker.team_id, allocated_worker_id=worker.id, **household)
    for name in names:
        PersonFactory(household=household, first_name=name, last_name="Example", **FAMILY[name])
    return household


def into_stage_1(household, actor, *, line="adoption", fast_track=False, on=STAGE_1_ON):
    """Open an application and take it through the funnel services into Stage 1 on `on`."""
    application = funnel.open_application(household, line, on - timedelta(days=40), actor=actor,
                                          fast_track=fast_track, today=TODAY)
    funnel.advance(application, Stage.INITIAL_VISIT, on - timedelta(days=30), actor=actor, today=TODAY)
    funnel.advance(application, Stage.REGISTRATION_OF_INTEREST, on - timedelta(days=20), actor=actor, today=TODAY)
    funnel.advance(application, Stage.STAGE_1, on, actor=actor, today=TODAY)
    return application


def checks_of(db_session, application) -> set[tuple[str, str | None]]:
    """(check type code, first name of the person or None for the application) of each check."""
    db_session.expire_all()
    checks = db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id))
    return {(check.check_type.code, check.person.first_name if check.person else None) for check in checks}


def check_of(db_session, application, code: str, name: str | None = None) -> CheckInstance:
    query = (select(CheckInstance).join(CheckType)
             .where(CheckInstance.application_id == application.id, CheckType.code == code))
    checks = [c for c in db_session.scalars(query) if (c.person.first_name if c.person else None) == name]
    assert len(checks) == 1, f"{code} for {name}: {len(checks)} checks"
    return checks[0]


def form_date(name: str, day: date) -> dict[str, list[str]]:
    return {name: [str(day.day), str(day.month), str(day.year)]}
