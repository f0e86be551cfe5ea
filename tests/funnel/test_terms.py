"""The funnel's shared terms: each one's Python test and SQL condition pick out the same applications."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm import clock
from crm.funnel.machine import CLOSED, live
from crm.funnel.models import StageEvent
from crm.funnel.service_lines import ServiceLineCode
from crm.funnel.stages import OPEN_STATUSES, EventKind, Stage, Status
from crm.funnel.terms import APPROVED_AND_WAITING, is_open
from crm.households.models import Application
from tests.factories import ApplicationFactory

ON = date(2026, 1, 5)


@pytest.fixture
def applications(db_session):
    """One application in each status, and approved ones matched, placed, placed twice and with the match undone."""
    stages = {Status.APPROVED: Stage.APPROVED, Status.NOT_APPROVED: Stage.PANEL}  # the others from Stage 1
    made = {status.value: ApplicationFactory(status=status, stage=stages.get(status, Stage.STAGE_1)) for status in Status}
    for name, kinds in {"matched": [EventKind.MATCHED], "placed": [EventKind.PLACED],
                        "placed_twice": [EventKind.PLACED, EventKind.PLACED], "undone": [EventKind.MATCHED]}.items():
        made[name] = ApplicationFactory(status=Status.APPROVED, stage=Stage.APPROVED,
                                        service_line_code=ServiceLineCode.FOSTERING_MAINSTREAM)
        made[name].events.extend(StageEvent(kind=kind, occurred_on=ON) for kind in kinds)
    made["undone"].events[-1].undone_at = clock.now()
    db_session.flush()
    return made


def _chosen(db_session, condition, applications: dict) -> set[str]:
    ids = set(db_session.scalars(select(Application.id).where(condition)))
    return {name for name, application in applications.items() if application.id in ids}


def test_open_is_active_or_on_hold_in_python_and_in_sql(db_session, applications):
    python = {name for name, application in applications.items() if application.status in OPEN_STATUSES}
    assert python == {"active", "on_hold"}
    assert _chosen(db_session, is_open(), applications) == python
    assert set(CLOSED) == set(Status) - set(OPEN_STATUSES)


def test_approved_and_waiting_ends_at_the_first_live_match_or_placement(db_session, applications):
    python = {name for name, application in applications.items()
              if APPROVED_AND_WAITING.matches(application.status, {e.kind for e in live(application.events)})}
    assert python == {"approved", "undone"}
    assert _chosen(db_session, APPROVED_AND_WAITING.clause(), applications) == python


def test_the_event_that_ends_the_wait_follows_the_service_line():
    assert APPROVED_AND_WAITING.ending_kind(ServiceLineCode.ADOPTION) is EventKind.MATCHED
    assert {APPROVED_AND_WAITING.ending_kind(line) for line in ServiceLineCode if line != ServiceLineCode.ADOPTION} \
        == {EventKind.PLACED}
