"""People in two teams, and a household at its Registration of Interest allocated to the officer who took it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.auth.roles import Role
from crm.checks.models import CheckInstance
from crm.funnel import services as funnel
from crm.funnel.stages import EventKind
from crm.households.models import PersonRole
from tests.factories import HouseholdFactory, PersonFactory, TeamFactory, UserFactory

TODAY = date(2026, 11, 23)
ROI_ON = date(2026, 10, 1)
STAGE_1_ON = date(2026, 10, 12)


@pytest.fixture
def people(db_session):
    """officer, stage-one workers sam (team A) and tess (team B), assessing social worker asw, and a manager."""
    team_a, team_b = TeamFactory(name="North team"), TeamFactory(name="South team")
    return {
        "team_a": team_a, "team_b": team_b,
        "officer": UserFactory(roles=[Role.RECRUITMENT_OFFICER], team_id=team_a.id, full_name="Olive Officer"),
        "sam": UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=team_a.id, full_name="Sam Stageone"),
        "tess": UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=team_b.id, full_name="Tess Transfer"),
        "asw": UserFactory(roles=[Role.ASSESSING_SOCIAL_WORKER], team_id=team_a.id, full_name="Ada Assessor"),
        "manager": UserFactory(roles=[Role.MANAGER], full_name="Mia Manager"),
    }


def household_at_roi(officer, *, line="adoption"):
    """A household of one applicant, allocated to the officer, its application at ROI (through the services)."""
    household = HouseholdFactory(team_id=officer.team_id, allocated_worker_id=officer.id)
    PersonFactory(household=household, role=PersonRole.APPLICANT, first_name="Ann", last_name="Example",
                  date_of_birth=date(1985, 1, 1))
    application = funnel.open_application(household, line, ROI_ON - timedelta(days=30), actor=officer, today=TODAY)
    funnel.record(application, EventKind.INITIAL_VISIT, ROI_ON - timedelta(days=10), actor=officer, today=TODAY)
    funnel.record(application, EventKind.REGISTRATION_OF_INTEREST, ROI_ON, actor=officer, today=TODAY)
    return household, application


def owners(db_session, application) -> set[int | None]:
    db_session.expire_all()
    return set(db_session.scalars(select(CheckInstance.owner_id).where(CheckInstance.application_id == application.id)))
