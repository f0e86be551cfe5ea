"""Allocation services: the hand-overs, taking an enquiry, reallocating one household or all of a worker's cases."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.allocation import services
from crm.allocation.models import Allocation, AllocationReason
from crm.audit.models import AuditEvent
from crm.checks.models import CheckInstance
from crm.errors import DomainError
from crm.funnel import services as funnel
from crm.funnel.stages import EventKind, Stage
from crm.households.visibility import may_see
from tests.allocation.conftest import STAGE_1_ON, TODAY, household_at_roi, owners
from tests.factories import UserFactory
from tests.helpers import count


def start_stage_1(application, worker, actor, team_id=None):
    return services.hand_over(application, EventKind.STAGE_1, STAGE_1_ON, worker, team_id, actor=actor, today=TODAY)


def test_stage_1_hands_the_household_and_its_new_checks_to_the_stage_one_worker(app_context, db_session, people):
    household, application = household_at_roi(people["officer"])
    start_stage_1(application, people["sam"], people["manager"])
    assert (household.allocated_worker_id, household.team_id) == (people["sam"].id, people["team_a"].id)
    assert application.stage is Stage.STAGE_1
    assert owners(db_session, application) == {people["sam"].id}
    row = db_session.scalar(select(Allocation).where(Allocation.household_id == household.id))
    assert (row.reason, row.previous_worker_id, row.worker_id, row.changed_by_id) == (
        AllocationReason.STAGE_1, people["officer"].id, people["sam"].id, people["manager"].id)
    assert row.checks_moved == count(db_session, CheckInstance, CheckInstance.application_id == application.id) > 0
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "household_allocated"))
    assert audit.detail["to_worker_id"] == people["sam"].id and audit.object_id == str(household.id)


def test_the_team_defaults_to_the_workers_and_may_be_chosen(app_context, db_session, people):
    household, application = household_at_roi(people["officer"])
    start_stage_1(application, people["tess"], people["manager"])
    assert household.team_id == people["team_b"].id
    other, second = household_at_roi(people["officer"], line="fostering_mainstream")
    start_stage_1(second, people["tess"], people["manager"], team_id=people["team_a"].id)
    assert other.team_id == people["team_a"].id


@pytest.mark.parametrize("who, message", [
    (None, "Choose the stage-one worker"),
    ("officer", "is not a stage-one worker"),
    ("asw", "is not a stage-one worker"),
    ("inactive", "account is not active"),
])
def test_stage_1_refuses_a_worker_who_cannot_run_it_and_changes_nothing(app_context, db_session, people, who,
                                                                        message):
    household, application = household_at_roi(people["officer"])
    if who == "inactive":
        people["inactive"] = UserFactory(roles=["stage_one_worker"], active=False, team_id=people["team_a"].id)
    with pytest.raises(DomainError, match=message) as error:
        start_stage_1(application, people.get(who), people["manager"])
    assert error.value.field == "worker"
    assert application.stage is Stage.REGISTRATION_OF_INTEREST
    assert household.allocated_worker_id == people["officer"].id
    assert count(db_session, CheckInstance) == 0 and count(db_session, Allocation) == 0


def test_a_date_refusal_comes_before_the_worker(app_context, people):
    _household, application = household_at_roi(people["officer"])
    with pytest.raises(DomainError, match="today or in the past"):
        services.hand_over(application, EventKind.STAGE_1, TODAY + timedelta(days=1), None, None,
                           actor=people["manager"], today=TODAY)


def test_a_worker_without_a_team_needs_one_chosen(app_context, people):
    loner = UserFactory(roles=["stage_one_worker"], full_name="Lone Worker")
    household, application = household_at_roi(people["officer"])
    household.team_id = None
    with pytest.raises(DomainError, match="Choose the team") as error:
        start_stage_1(application, loner, people["manager"])
    assert error.value.field == "team"


def test_stage_2_hands_over_to_the_assessing_social_worker_with_the_open_checks(app_context, db_session, people):
    household, application = household_at_roi(people["officer"])
    start_stage_1(application, people["sam"], people["manager"])
    checks = db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id)).all()
    checks[0].received_on, checks[0].outcome = STAGE_1_ON, "clear"  # received: stays with who did it
    checks[1].owner_id = people["tess"].id  # deliberately given to a colleague: stays with her
    funnel.record(application, EventKind.STAGE_1_COMPLETED, STAGE_1_ON + timedelta(days=30), actor=people["sam"],
                  today=TODAY)
    with pytest.raises(DomainError, match="is not an assessing social worker"):
        services.hand_over(application, EventKind.STAGE_2, STAGE_1_ON + timedelta(days=40), people["sam"], None,
                           actor=people["manager"], today=TODAY)
    services.hand_over(application, EventKind.STAGE_2, STAGE_1_ON + timedelta(days=40), people["asw"], None,
                       actor=people["manager"], today=TODAY)
    db_session.expire_all()
    assert db_session.get(CheckInstance, checks[0].id).owner_id == people["sam"].id
    assert db_session.get(CheckInstance, checks[1].id).owner_id == people["tess"].id
    assert owners(db_session, application) == {people["sam"].id, people["tess"].id, people["asw"].id}
    assert household.allocated_worker_id == people["asw"].id


def test_an_officer_takes_an_enquiry_once_and_only_up_to_roi(app_context, db_session, people):
    household, application = household_at_roi(people["officer"])
    household.allocated_worker_id = household.team_id = None
    second = UserFactory(roles=["recruitment_officer"], team_id=people["team_b"].id)
    services.take_enquiry(household, actor=second)
    assert (household.allocated_worker_id, household.team_id) == (second.id, people["team_b"].id)
    with pytest.raises(DomainError, match="already allocated to you"):
        services.take_enquiry(household, actor=second)
    services.take_enquiry(household, actor=people["officer"])  # one officer takes over from another
    assert household.allocated_worker_id == people["officer"].id
    start_stage_1(application, people["sam"], people["manager"])
    with pytest.raises(DomainError, match="up to its Registration of Interest"):
        services.take_enquiry(household, actor=second)
    reasons = db_session.scalars(select(Allocation.reason).where(Allocation.household_id == household.id)
                                 .order_by(Allocation.id)).all()
    assert reasons == [AllocationReason.TAKEN, AllocationReason.TAKEN, AllocationReason.STAGE_1]


def test_a_manager_reallocates_one_household_and_its_checks_follow(app_context, db_session, people):
    household, application = household_at_roi(people["officer"])
    start_stage_1(application, people["sam"], people["manager"])
    services.reallocate(household, people["tess"], None, actor=people["manager"])
    assert (household.allocated_worker_id, household.team_id) == (people["tess"].id, people["team_b"].id)
    assert owners(db_session, application) == {people["tess"].id}
    assert not may_see(people["sam"], household.id) and may_see(people["tess"], household.id)
    with pytest.raises(DomainError, match="already allocated to this worker"):
        services.reallocate(household, people["tess"], None, actor=people["manager"])
    marketing = UserFactory(roles=["marketing_officer"], team_id=people["team_a"].id)
    with pytest.raises(DomainError, match="is not a worker"):
        services.reallocate(household, marketing, None, actor=people["manager"])


def test_a_closed_household_is_not_reallocated(app_context, people):
    household, application = household_at_roi(people["officer"])
    funnel.withdraw(application, TODAY, "applicant", "Moved away",
                                                                actor=people["officer"], today=TODAY)
    with pytest.raises(DomainError, match="no open application"):
        services.reallocate(household, people["sam"], None, actor=people["manager"])


def test_all_of_a_leaving_workers_cases_and_checks_move_in_one_audited_action(app_context, db_session, people):
    first, first_application = household_at_roi(people["officer"])
    second, second_application = household_at_roi(people["officer"])
    start_stage_1(first_application, people["sam"], people["manager"])
    start_stage_1(second_application, people["sam"], people["manager"])
    elsewhere, elsewhere_application = household_at_roi(people["officer"])
    start_stage_1(elsewhere_application, people["tess"], people["manager"])
    lent = db_session.scalars(select(CheckInstance).where(
        CheckInstance.application_id == elsewhere_application.id)).first()
    lent.owner_id = people["sam"].id  # one of Tess's household's checks is Sam's to chase
    db_session.flush()
    plan = services.plan_caseload_move(people["sam"], people["asw"])
    checks = count(db_session, CheckInstance, CheckInstance.owner_id == people["sam"].id)
    assert (set(plan.household_ids), len(plan.check_ids)) == ({first.id, second.id}, checks)
    people["sam"].active = False  # a leaver's account may already be closed
    done = services.move_caseload(people["sam"], people["asw"], actor=people["manager"],
                                  expected=(2, checks))
    assert done.household_ids == plan.household_ids
    assert count(db_session, CheckInstance, CheckInstance.owner_id == people["sam"].id) == 0
    assert first.allocated_worker_id == second.allocated_worker_id == people["asw"].id
    assert elsewhere.allocated_worker_id == people["tess"].id
    assert db_session.get(CheckInstance, lent.id).owner_id == people["asw"].id
    assert count(db_session, Allocation, Allocation.reason == AllocationReason.WORKER_LEAVING) == 2
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "caseload_reallocated"))
    assert audit.detail == {"to_worker_id": people["asw"].id, "households": 2, "checks": checks}


@pytest.mark.parametrize("case, field, message", [
    ("nothing", "leaving", "has no open applications or open checks"),
    ("same", "to", "different worker"),
    ("inactive", "to", "not active"),
    ("no_role", "to", "is not a worker"),
    ("nobody", "leaving", "Choose whose cases"),
    ("changed", "leaving", "changed since you looked"),
])
def test_moving_a_caseload_refuses_bad_choices_and_moves_nothing(app_context, db_session, people, case, field,
                                                                 message):
    _household, application = household_at_roi(people["officer"])
    start_stage_1(application, people["sam"], people["manager"])
    leaving, to, expected = people["sam"], people["tess"], None
    if case == "nothing":
        leaving = people["asw"]
    elif case == "same":
        to = leaving
    elif case == "inactive":
        to = UserFactory(roles=["stage_one_worker"], active=False)
    elif case == "no_role":
        to = UserFactory(roles=["marketing_officer"])
    elif case == "nobody":
        leaving = None
    elif case == "changed":
        expected = (5, 0)
    with pytest.raises(DomainError, match=message) as error:
        services.move_caseload(leaving, to, actor=people["manager"], expected=expected)
    assert error.value.field == field
    assert count(db_session, Allocation, Allocation.reason == AllocationReason.WORKER_LEAVING) == 0


def test_checks_owned_by_someone_who_cannot_own_them_follow_but_an_officer_gets_none(app_context, db_session,
                                                                                      people):
    household, application = household_at_roi(people["officer"])
    # Recorded without a hand-over (an import, the API): nobody owns the checks rather than the officer.
    funnel.advance(application, Stage.STAGE_1, STAGE_1_ON, actor=people["officer"], today=TODAY)
    assert owners(db_session, application) == {None}
    services.reallocate(household, people["sam"], None, actor=people["manager"])
    assert owners(db_session, application) == {people["sam"].id}


def test_owning_an_open_check_shows_the_household_while_its_application_is_open(app_context, db_session, people):
    household, application = household_at_roi(people["officer"])
    start_stage_1(application, people["sam"], people["manager"])
    assert not may_see(people["tess"], household.id)
    check = db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id)).first()
    check.owner_id = people["tess"].id
    db_session.flush()
    assert may_see(people["tess"], household.id)
    funnel.hold(application, TODAY, "A family illness", actor=people["sam"], today=TODAY)
    assert may_see(people["tess"], household.id)  # on hold is still open
    funnel.withdraw(application, TODAY, "applicant", "Moved away", actor=people["sam"], today=TODAY)
    assert not may_see(people["tess"], household.id)


def test_undoing_the_stage_1_start_gives_the_household_back_to_who_had_it(app_context, db_session, people):
    household, application = household_at_roi(people["officer"])
    officer_team = household.team_id
    start_stage_1(application, people["tess"], people["manager"])
    assert household.allocated_worker_id == people["tess"].id
    event = funnel.undo(application, "Started on the wrong household", actor=people["manager"])
    back = services.undo_hand_over(application, event, actor=people["manager"])
    assert (back.worker_id, back.previous_worker_id, back.reason) == (
        people["officer"].id, people["tess"].id, AllocationReason.REALLOCATED)
    assert (household.allocated_worker_id, household.team_id) == (people["officer"].id, officer_team)
    assert application.stage is Stage.REGISTRATION_OF_INTEREST


def test_an_undo_leaves_the_allocation_alone_once_a_manager_has_moved_the_household_since(app_context, db_session,
                                                                                           people):
    household, application = household_at_roi(people["officer"])
    start_stage_1(application, people["tess"], people["manager"])
    services.reallocate(household, people["sam"], None, actor=people["manager"])
    event = funnel.undo(application, "Started too soon", actor=people["manager"])
    assert services.undo_hand_over(application, event, actor=people["manager"]) is None
    assert household.allocated_worker_id == people["sam"].id


def test_an_undo_leaves_the_allocation_alone_when_who_had_it_has_left(app_context, db_session, people):
    household, application = household_at_roi(people["officer"])
    start_stage_1(application, people["tess"], people["manager"])
    people["officer"].active = False
    event = funnel.undo(application, "Started too soon", actor=people["manager"])
    assert services.undo_hand_over(application, event, actor=people["manager"]) is None
    assert household.allocated_worker_id == people["tess"].id


def test_undoing_an_event_that_hands_nothing_over_changes_no_allocation(app_context, db_session, people):
    household, application = household_at_roi(people["officer"])
    allocations = count(db_session, Allocation)
    event = funnel.undo(application, "Recorded by mistake", actor=people["manager"])
    assert event.kind is not EventKind.STAGE_1
    assert services.undo_hand_over(application, event, actor=people["manager"]) is None
    assert count(db_session, Allocation) == allocations
