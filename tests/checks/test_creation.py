"""Which checks start, for whom: per person kind, circumstance rule, service line, fast track, turning 18."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks import catalogue, services
from crm.checks.models import CheckInstance, CheckPart, CheckType
from crm.checks.services import Circumstances
from crm.errors import DomainError
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from crm.households.models import Person, PersonRole
from tests.checks.conftest import STAGE_1_ON, TODAY, check_of, checks_of, family, into_stage_1
from tests.factories import PersonFactory, UserFactory
from tests.helpers import count

ADULT_CHECKS = {"dbs", "la_checks", "probation_nspcc"}
APPLICANT_CHECKS = {"health", "ofsted"}


def expected_family_checks(*, fostering=False) -> set[tuple[str, str | None]]:
    ann = ADULT_CHECKS | APPLICANT_CHECKS | {"overseas", "employer_reference"} | (
        {"previous_fostering_reference"} if fostering else set())
    ben = ADULT_CHECKS | APPLICANT_CHECKS | {"ex_partner_reference"}
    return ({("personal_references", None), ("financial_home_pet", None)}
            | {(code, "Ann") for code in ann} | {(code, "Ben") for code in ben}
            | {(code, "Cal") for code in ADULT_CHECKS}
            | {("child_health_visitor_school", "Dot"), ("child_health_visitor_school", "Eve")})


def test_entering_stage_1_starts_each_persons_checks(app_context, db_session, worker):
    application = into_stage_1(family(worker), worker)
    # Ann lived abroad 7 months (> 6) and is employed; Ben 6 months (not more than 6) and had a previous
    # relationship; Cal's date of birth is unknown (an adult); Eve is 17 on the day; adoption has no fostering
    # reference even though Ann fostered recently.
    assert checks_of(db_session, application) == expected_family_checks()
    assert len(expected_family_checks()) == 20


def test_checks_start_unrequested_owned_by_the_allocated_worker_and_audited(app_context, db_session, worker):
    application = into_stage_1(family(worker), worker)
    checks = db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id)).all()
    assert {(c.requested_on, c.due_on, c.received_on, c.outcome, c.owner_id) for c in checks} == {
        (None, None, None, None, worker.id)}
    created = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "check_created")).all()
    assert sorted(int(e.object_id) for e in created) == sorted(c.id for c in checks)
    assert {e.object_type for e in created} == {"check"}


def test_dbs_has_its_three_parts(app_context, db_session, worker):
    application = into_stage_1(family(worker, names=("Ann",)), worker)
    dbs = db_session.scalar(select(CheckInstance).join(CheckType).where(
        CheckInstance.application_id == application.id, CheckType.code == "dbs"))
    assert [part.name for part in dbs.parts] == [
        "Applicant completed the online application", "Agency verified the identity documents",
        "HR submitted the application"]
    assert count(db_session, CheckPart) == 3  # no other check of Ann's has parts


def test_fostering_applications_get_the_previous_fostering_reference(app_context, db_session, worker):
    application = into_stage_1(family(worker), worker, line="fostering_mainstream")
    assert checks_of(db_session, application) == expected_family_checks(fostering=True)


def test_entering_stage_1_again_after_an_undo_reopens_the_checks_and_adds_nothing(app_context, db_session, worker):
    manager = UserFactory(roles=[Role.MANAGER])
    application = into_stage_1(family(worker, names=("Ann",)), worker)
    dbs = check_of(db_session, application, "dbs", "Ann")
    services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    before = count(db_session, CheckInstance)
    funnel.undo(application, "Recorded too early", actor=manager)
    funnel.advance(application, Stage.STAGE_1, date(2026, 3, 3), actor=worker, today=TODAY)
    assert count(db_session, CheckInstance) == before == 9  # Ann's 7 and the application's 2
    assert count(db_session, CheckInstance, CheckInstance.is_open) == 9
    assert count(db_session, AuditEvent, AuditEvent.action == "check_reopened") == 9
    assert dbs.requested_on == date(2026, 3, 2) and dbs.due_on is not None  # as it was left
    services.receive_check(dbs, date(2026, 3, 20), "clear", actor=worker, today=TODAY)


def test_undoing_the_stage_1_start_withdraws_its_checks_and_keeps_them(app_context, db_session, worker):
    manager = UserFactory(roles=[Role.MANAGER])
    application = into_stage_1(family(worker, names=("Ann",)), worker)
    funnel.undo(application, "Recorded on the wrong application", actor=manager)
    checks = db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id)).all()
    assert len(checks) == 9 and all(check.withdrawn_at is not None and not check.is_open for check in checks)
    assert count(db_session, CheckInstance, CheckInstance.is_open) == 0
    withdrawn = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "check_withdrawn")).all()
    assert sorted(int(e.object_id) for e in withdrawn) == sorted(c.id for c in checks)
    assert {e.detail["reason"] for e in withdrawn} == {"Recorded on the wrong application"}
    dbs = check_of(db_session, application, "dbs", "Ann")
    with pytest.raises(DomainError, match="withdrawn"):
        services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    assert dbs.requested_on is None


def test_undoing_a_later_stage_leaves_the_checks_open(app_context, db_session, worker):
    manager = UserFactory(roles=[Role.MANAGER])
    application = into_stage_1(family(worker, names=("Ann",)), worker)
    funnel.advance(application, Stage.STAGE_1_COMPLETED, date(2026, 5, 1), actor=worker, today=TODAY)
    funnel.undo(application, "Not decided yet", actor=manager)
    assert count(db_session, CheckInstance, CheckInstance.is_open) == 9


def test_other_stages_start_no_checks(app_context, db_session, worker):
    household = family(worker)
    application = funnel.open_application(household, "adoption", date(2026, 1, 5), actor=worker, today=TODAY)
    funnel.advance(application, Stage.INITIAL_VISIT, date(2026, 1, 10), actor=worker, today=TODAY)
    funnel.advance(application, Stage.REGISTRATION_OF_INTEREST, date(2026, 1, 20), actor=worker, today=TODAY)
    assert checks_of(db_session, application) == set()


def test_fast_track_starts_only_the_checks_the_worker_chooses(app_context, db_session, worker):
    household = family(worker, names=("Ann", "Dot"))
    application = into_stage_1(household, worker, fast_track=True)
    assert checks_of(db_session, application) == set()
    missing = services.missing_checks(application, STAGE_1_ON)
    assert len(missing) == 10  # Ann: 3 adult + 2 applicant + overseas + employer; Dot: 1; the application: 2
    ann = next(p for p in household.people if p.first_name == "Ann")
    dbs = next(n for n in missing if n.check_type.code == "dbs")
    references = next(n for n in missing if n.check_type.code == "personal_references")
    services.start_checks(application, {dbs.key, references.key}, STAGE_1_ON, actor=worker)
    assert checks_of(db_session, application) == {("dbs", "Ann"), ("personal_references", None)}
    assert dbs.key == (dbs.check_type.id, ann.id)
    assert len(services.missing_checks(application, STAGE_1_ON)) == 8


def test_starting_checks_refuses_bad_choices_and_stores_nothing(app_context, db_session, worker):
    application = into_stage_1(family(worker, names=("Ann",)), worker, fast_track=True)
    dbs = next(n for n in services.missing_checks(application, STAGE_1_ON) if n.check_type.code == "dbs")
    with pytest.raises(DomainError, match="Choose at least one check"):
        services.start_checks(application, set(), STAGE_1_ON, actor=worker)
    with pytest.raises(DomainError, match="choose again"):
        services.start_checks(application, {dbs.key, (dbs.check_type.id, 999_999)}, STAGE_1_ON, actor=worker)
    services.start_checks(application, {dbs.key}, STAGE_1_ON, actor=worker)
    with pytest.raises(DomainError, match="choose again"):  # already started
        services.start_checks(application, {dbs.key}, STAGE_1_ON, actor=worker)
    assert checks_of(db_session, application) == {("dbs", "Ann")}


def test_checks_cannot_start_before_stage_1_or_once_withdrawn(app_context, db_session, worker):
    household = family(worker, names=("Ann",))
    application = funnel.open_application(household, "adoption", date(2026, 1, 5), actor=worker, today=TODAY)
    dbs = next(n for n in services.missing_checks(application, STAGE_1_ON) if n.check_type.code == "dbs")
    with pytest.raises(DomainError, match="only while the application is open in Stage 1 or Stage 2"):
        services.start_checks(application, {dbs.key}, STAGE_1_ON, actor=worker)
    application = into_stage_1(family(worker, names=("Ann",)), worker, fast_track=True)
    funnel.withdraw(application, date(2026, 4, 1), "applicant", "Moved abroad", actor=worker, today=TODAY)
    with pytest.raises(DomainError, match="only while"):
        services.start_checks(application, {dbs.key}, STAGE_1_ON, actor=worker)


def test_lived_abroad_threshold_is_configuration(app_context, db_session, worker):
    overseas = db_session.scalar(select(CheckType).where(CheckType.code == "overseas"))
    overseas.rule_months = 5
    db_session.flush()
    application = into_stage_1(family(worker, names=("Ann", "Ben")), worker)
    assert {name for code, name in checks_of(db_session, application) if code == "overseas"} == {"Ann", "Ben"}


def test_inactive_check_types_and_service_line_limits_are_respected(app_context, db_session, worker):
    types = {t.code: t for t in db_session.scalars(select(CheckType))}
    types["ofsted"].active = False
    types["la_checks"].service_lines = [line for line in catalogue.service_lines()
                                        if line.code == "fostering_mainstream"]
    db_session.flush()
    adoption = into_stage_1(family(worker, names=("Ann",)), worker)
    fostering = into_stage_1(family(worker, names=("Ann",)), worker, line="fostering_mainstream")
    adoption_codes = {code for code, _ in checks_of(db_session, adoption)}
    fostering_codes = {code for code, _ in checks_of(db_session, fostering)}
    assert "ofsted" not in adoption_codes | fostering_codes
    assert ("la_checks" in adoption_codes, "la_checks" in fostering_codes) == (False, True)


@pytest.mark.parametrize(("born", "on", "adult"), [
    (date(2008, 4, 15), date(2026, 4, 14), False),
    (date(2008, 4, 15), date(2026, 4, 15), True),
    (date(2008, 2, 29), date(2026, 2, 28), False),  # a leap-day birthday counts from 1 March
    (date(2008, 2, 29), date(2026, 3, 1), True),
])
def test_adulthood_by_date_of_birth(born, on, adult):
    person = Person(role=PersonRole.CHILD, first_name="X", last_name="Y", date_of_birth=born)
    assert catalogue.is_adult(person, on) is adult
    assert catalogue.is_child(person, on) is not adult


def test_unknown_date_of_birth_is_adult_for_adults_and_child_for_children():
    assert catalogue.is_adult(Person(role=PersonRole.OTHER_ADULT, date_of_birth=None), TODAY) is True
    assert catalogue.is_adult(Person(role=PersonRole.APPLICANT, date_of_birth=None), TODAY) is True
    assert catalogue.is_child(Person(role=PersonRole.CHILD, date_of_birth=None), TODAY) is True


def test_someone_turning_18_gets_the_adult_checks_once(app_context, db_session, worker):
    application = into_stage_1(family(worker), worker)
    before = checks_of(db_session, application)
    assert services.add_checks_for_new_adults(date(2026, 4, 14)) == 0
    assert services.add_checks_for_new_adults(date(2026, 4, 15)) == 3
    assert checks_of(db_session, application) == before | {(code, "Eve") for code in ADULT_CHECKS}
    assert services.add_checks_for_new_adults(date(2026, 4, 15)) == 0
    assert services.add_checks_for_new_adults(date(2026, 6, 1)) == 0
    labels = db_session.scalars(select(AuditEvent.actor_label).where(
        AuditEvent.action == "check_created", AuditEvent.actor_id.is_(None))).all()
    assert labels == ["daily job"] * 3


def test_turning_18_leaves_alone_adults_whose_checks_were_chosen_and_closed_applications(app_context, db_session,
                                                                                           worker):
    chosen = into_stage_1(family(worker, names=("Ann",)), worker, fast_track=True)
    health = next(n for n in services.missing_checks(chosen, STAGE_1_ON) if n.check_type.code == "health")
    services.start_checks(chosen, {health.key}, STAGE_1_ON, actor=worker)  # DBS not repeated for Ann
    withdrawn = into_stage_1(family(worker, names=("Ann", "Eve")), worker)
    funnel.withdraw(withdrawn, date(2026, 4, 1), "applicant", "Changed their mind", actor=worker, today=TODAY)
    assert services.add_checks_for_new_adults(date(2026, 5, 1)) == 0
    assert checks_of(db_session, chosen) == {("health", "Ann")}


def test_a_child_born_after_checks_began_is_not_an_adult(app_context, db_session, worker):
    household = family(worker, names=("Ann",))
    PersonFactory(household=household, first_name="Fay", role=PersonRole.CHILD, date_of_birth=date(2010, 1, 1))
    into_stage_1(household, worker)
    assert services.add_checks_for_new_adults(TODAY) == 0


def test_recording_circumstances_adds_the_checks_they_call_for(app_context, db_session, worker):
    household = family(worker, names=("Ann", "Ben"))
    application = into_stage_1(household, worker)
    ben = next(p for p in household.people if p.first_name == "Ben")
    created = services.record_circumstances(ben, Circumstances(13, True, True, None), actor=worker, today=TODAY)
    assert sorted(c.check_type.code for c in created) == ["employer_reference", "overseas"]
    assert {("employer_reference", "Ben"), ("overseas", "Ben")} <= checks_of(db_session, application)
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "person_circumstances_changed"))
    assert audit.detail["before"]["lived_abroad_months"] == 6 and audit.detail["after"]["lived_abroad_months"] == 13
    assert services.record_circumstances(ben, Circumstances(13, True, True, None), actor=worker, today=TODAY) == []


def test_circumstances_on_fast_track_add_nothing_and_bad_months_store_nothing(app_context, db_session, worker):
    household = family(worker, names=("Ann",))
    application = into_stage_1(household, worker, fast_track=True)
    ann = household.people[0]
    assert services.record_circumstances(ann, Circumstances(40, True, True, True), actor=worker, today=TODAY) == []
    assert checks_of(db_session, application) == set()
    with pytest.raises(DomainError, match="between 0 and 1200"):
        services.record_circumstances(ann, Circumstances(-1, None, None, None), actor=worker, today=TODAY)
    db_session.expire_all()
    assert db_session.get(Person, ann.id).lived_abroad_months == 40


def test_the_application_level_checks_are_unique_too(app_context, db_session, worker):
    from sqlalchemy.exc import IntegrityError

    application = into_stage_1(family(worker, names=("Ann",)), worker)
    references = db_session.scalar(select(CheckType).where(CheckType.code == "personal_references"))
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(CheckInstance(application_id=application.id, person_id=None, check_type_id=references.id))
        db_session.flush()
    assert count(db_session, CheckInstance, CheckInstance.check_type_id == references.id) == 1
