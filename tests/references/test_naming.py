"""Naming referees: 3 personal referees, 2 of them not family; one for each other reference check; the limits."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.errors import DomainError
from crm.references import links, rules, services
from crm.references.models import Referee, RefereeKind
from tests.portal.helpers import portal_applicant
from tests.references.conftest import check_of, details, name_personal


@pytest.fixture
def personal(app_context, db_session, application):
    return check_of(db_session, application, "personal_references")


def test_the_reference_checks_of_an_application_take_their_kind_of_referee(app_context, db_session, application):
    found = {(section.check.check_type.code, section.kind) for section in services.reference_checks(application)}
    assert found == {("personal_references", RefereeKind.PERSONAL), ("employer_reference", RefereeKind.EMPLOYER),
                     ("ex_partner_reference", RefereeKind.EX_PARTNER)}  # adoption: no previous fostering check


def test_personal_referees_need_three_of_whom_two_are_not_family(personal, worker):
    assert rules.naming_problems(RefereeKind.PERSONAL, []) == [
        "Name at least 3 personal referees: 0 named so far",
        "At least 2 personal referees must not be family members: 0 named so far"]
    named = name_personal(personal, worker, 3, family_count=2)
    assert services.check_referees(personal).problems == [
        "At least 2 personal referees must not be family members: 1 named so far"]
    services.change_referee(named[1], details("Person1 Ref", family_member=False), actor=worker)
    assert services.check_referees(personal).problems == []


def test_an_employer_check_takes_one_referee_never_family(app_context, db_session, application, worker):
    employer = check_of(db_session, application, "employer_reference", "Ann")
    referee = services.name_referee(employer, details("Boss Person", family_member=True), actor=worker)
    assert referee.kind is RefereeKind.EMPLOYER and referee.is_family is False
    with pytest.raises(DomainError, match="already has 1 referee"):
        services.name_referee(employer, details("Second Boss"), actor=worker)


def test_no_more_than_six_personal_referees_and_none_for_other_checks(app_context, db_session, personal, worker,
                                                                      application):
    name_personal(personal, worker, 6)
    with pytest.raises(DomainError, match="already has 6 referees"):
        services.name_referee(personal, details(), actor=worker)
    dbs = check_of(db_session, application, "dbs", "Ann")
    with pytest.raises(DomainError, match="does not take referees"):
        services.name_referee(dbs, details(), actor=worker)
    assert db_session.scalar(select(func.count()).select_from(Referee)) == 6


def test_an_applicant_cannot_change_a_referee_once_a_link_is_sent(personal, worker, db_session):
    household = personal.application.household
    account = portal_applicant(db_session, household=household)
    referee = services.name_referee(personal, details(), account=account)
    assert referee.named_by_account_id == account.id and referee.named_by_user_id is None
    services.change_referee(referee, details("Rita Changed"), account=account)
    links.send_link(referee, actor=worker)
    with pytest.raises(DomainError, match="can no longer change here"):
        services.change_referee(referee, details("Too Late"), account=account)
    with pytest.raises(DomainError, match="revoke it instead"):
        services.remove_referee(referee, account=account)
    services.change_referee(referee, details("Worker Fix"), actor=worker)  # a worker may, then re-sends
    staff = db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "referee",
                                                              AuditEvent.object_id == str(referee.id))).all()
    assert staff == ["referee_link_sent", "referee_changed"]
    applicant = db_session.execute(select(AuditEvent.action, AuditEvent.actor_label).where(
        AuditEvent.object_type == "household", AuditEvent.object_id == str(household.id),
        AuditEvent.action.like("referee%"))).all()
    assert applicant == [("referee_named", account.audit_label), ("referee_changed", account.audit_label)]


def test_a_received_check_takes_no_more_referees(personal, worker):
    from crm.checks.services import receive_check
    from tests.references.conftest import STAGE_1_ON, TODAY, requested
    receive_check(requested(personal, worker), STAGE_1_ON, "clear", actor=worker, today=TODAY)
    with pytest.raises(DomainError, match="has been received or withdrawn"):
        services.name_referee(personal, details(), actor=worker)


def test_a_referee_needs_a_name_and_an_email_address(personal, worker, db_session):
    from dataclasses import replace
    with pytest.raises(DomainError) as refused:
        services.name_referee(personal, replace(details(), name=" ", email=""), actor=worker)
    assert refused.value.problems == [("name", "Enter the referee's full name"),
                                      ("email", "Enter the referee's email address")]
    with pytest.raises(DomainError) as refused:
        services.name_referee(personal, replace(details(), email=" "), actor=worker)
    assert refused.value.problems == [("email", "Enter the referee's email address")]
    assert db_session.scalar(select(func.count()).select_from(Referee)) == 0
