"""An application in Stage 1 with its reference checks, referees named through the services, and the test SMTP
server of the escalation tests."""
from __future__ import annotations

import re
from datetime import date

import pytest

from crm.references import services
from crm.references.services import RefereeDetails
from tests.checks.conftest import STAGE_1_ON, TODAY, check_of, family, into_stage_1, team, worker  # noqa: F401
from tests.jobs.conftest import mail_to, smtp_server  # noqa: F401

LINK = re.compile(r"/reference/([A-Za-z0-9_\-]+)")
ANSWERS = {"years_known": "6", "how_known": "Neighbours for years", "with_children": "Kind and patient with my kids",
           "home": "Warm and tidy", "relationships": "Close and supportive", "has_concerns": "no",
           "willing_to_be_contacted": "yes", "declaration": "y"}


def details(name: str = "Rita Referee", *, family_member: bool = False, email: str | None = None) -> RefereeDetails:
    return RefereeDetails(name=name, email=email or f"{name.split()[0].lower()}@referee.example", phone=None,
                          relationship_to_applicant="friend", is_family=family_member, years_known=5)


def name_personal(check, worker, count: int = 3, family_count: int = 0):  # noqa: F811
    return [services.name_referee(check, details(f"Person{index} Ref", family_member=index < family_count),
                                  actor=worker) for index in range(count)]


def token_in(body: str) -> str:
    match = LINK.search(body)
    assert match, body
    return match.group(1)


@pytest.fixture
def application(db_session, services_as, worker, travel):  # noqa: F811
    travel(TODAY)
    return services_as(lambda: into_stage_1(family(worker, names=("Ann", "Ben")), worker))


def requested(check, worker, on: date = STAGE_1_ON):  # noqa: F811
    from crm.checks.services import request_check
    request_check(check, on, worker, actor=worker, today=TODAY)
    return check
