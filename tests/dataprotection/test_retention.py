"""Retention rules (SPEC section 8): which households fall due when, under which rule; the periods an administrator
sets; anonymising in place; the nightly job exactly once; legal hold; erasure and its refusals."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.dataprotection import retention
from crm.dataprotection.erasure import erase_household
from crm.dataprotection.holds import clear_legal_hold, set_legal_hold
from crm.dataprotection.models import Erasure
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel.stages import Stage, Status
from crm.households.models import RecordChange
from jobs.retention import retention_nightly
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory, UserFactory

ENQUIRED = date(2021, 5, 10)


def household(stage=Stage.ENQUIRY, status=Status.ACTIVE, on=ENQUIRED, **fields):
    made = HouseholdFactory(first_enquiry_on=ENQUIRED, phone="07700 900123", address_line_1="1 Test Street",
                            town="Testham", **fields)
    PersonFactory(household=made, first_name="Zebedee", last_name="Quartermaine", date_of_birth=date(1980, 7, 14),
                  ethnicity="White: British", disability="No")
    ApplicationFactory(household=made, stage=stage, status=status, stage_entered_on=on)
    return made


def due(today):
    return {row.reference: row.rule for row in db.session.execute(retention.due_query(today))}


def test_the_defaults_are_seeded(app_context):
    assert retention.rule_periods() == {"enquiry_no_roi": 2, "withdrawn_or_not_approved": 3, "approved": None}


def test_an_enquiry_that_never_reached_roi_is_due_two_years_after_its_last_contact(app_context):
    made = household(Stage.INITIAL_VISIT)
    assert due(date(2023, 5, 9)) == {}
    assert due(date(2023, 5, 10)) == {made.reference: "enquiry_no_roi"}
    db.session.add(EnquiryContact(household_id=made.id, method=ContactMethod.PHONE,
                                  received_at=datetime(2022, 1, 3, 23, 30, tzinfo=clock.LONDON)))
    db.session.flush()
    assert due(date(2024, 1, 2)) == {}
    assert due(date(2024, 1, 3)) == {made.reference: "enquiry_no_roi"}
    [row] = retention.preview(date(2024, 6, 1), 1).items
    assert (row.reference, row.rule, row.due_on) == (made.reference, "enquiry_no_roi", date(2024, 1, 3))


def test_a_withdrawn_application_after_roi_is_due_three_years_after_the_withdrawal(app_context):
    made = household(Stage.STAGE_1, Status.WITHDRAWN, on=date(2022, 3, 1))
    refused = household(Stage.PANEL, Status.NOT_APPROVED, on=date(2022, 9, 1))
    assert due(date(2025, 2, 28)) == {}
    assert due(date(2025, 3, 1)) == {made.reference: "withdrawn_or_not_approved"}
    assert due(date(2025, 9, 1)) == {made.reference: "withdrawn_or_not_approved",
                                     refused.reference: "withdrawn_or_not_approved"}
    [row, _] = retention.preview(date(2025, 9, 1), 1).items
    assert row.due_on == date(2025, 3, 1)


def test_approved_open_and_held_households_are_never_due(app_context):
    household(Stage.APPROVED, Status.APPROVED)
    household(Stage.STAGE_2)
    held = household(Stage.ENQUIRY)
    set_legal_hold(held, "Court proceedings", actor=None)
    mixed = household(Stage.STAGE_1, Status.WITHDRAWN)
    ApplicationFactory(household=mixed, service_line_code="fostering_mainstream", stage=Stage.ENQUIRY,
                       stage_entered_on=ENQUIRED)
    assert due(date(2070, 1, 1)) == {}
    clear_legal_hold(held, actor=None)
    assert due(date(2070, 1, 1)) == {held.reference: "enquiry_no_roi"}


def test_periods_are_validated_and_audited(app_context):
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    for periods in ({"enquiry_no_roi": 0}, {"withdrawn_or_not_approved": 101}, {"approved": 5},
                    {"enquiry_no_roi": 5, "approved": 5}):
        with pytest.raises(DomainError):
            retention.set_periods(periods, actor=admin)
    assert retention.rule_periods()["enquiry_no_roi"] == 2
    assert retention.set_periods({"enquiry_no_roi": 5, "withdrawn_or_not_approved": 3}, actor=admin) == \
        ["enquiry_no_roi"]
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention_rule_changed"))
    assert (entry.object_id, entry.detail) == ("enquiry_no_roi", {"before_years": 2, "after_years": 5})
    made = household()
    assert due(date(2025, 1, 1)) == {}
    assert due(date(2026, 5, 10)) == {made.reference: "enquiry_no_roi"}
    retention.set_periods({"enquiry_no_roi": None}, actor=admin)
    assert due(date(2070, 1, 1)) == {}


def test_the_job_anonymises_in_place_once(app_context, travel):
    travel(date(2024, 6, 1))
    made = household()
    kept = household(Stage.APPROVED, Status.APPROVED)
    db.session.add(EnquiryContact(household_id=made.id, method=ContactMethod.PHONE, notes="Zebedee rang back",
                                  received_at=datetime(2021, 5, 10, 9, tzinfo=clock.LONDON)))
    db.session.add(RecordChange(household_id=made.id, action="contact_details", changes={"email": ["a", "b"]}))
    db.session.flush()
    assert retention_nightly(date(2024, 6, 1)) == {"anonymised": 1, "enquiry_no_roi": 1}
    db.session.expire_all()
    person = made.people[0]
    assert (person.first_name, person.last_name, person.date_of_birth, person.ethnicity, person.disability) == \
        ("Anonymised", "Anonymised", date(1980, 1, 1), None, None)
    assert (made.email, made.phone, made.phone_normalised, made.address_line_1, made.town, made.postcode) == \
        (None, None, None, None, None, None)
    assert made.anonymised_rule == "enquiry_no_roi" and made.anonymised_at is not None
    assert db.session.scalar(select(EnquiryContact.notes).where(EnquiryContact.household_id == made.id)) is None
    assert db.session.scalars(select(RecordChange).where(RecordChange.household_id == made.id)).all() == []
    assert kept.people[0].first_name == "Zebedee"
    assert len(made.applications[0].events) == 1
    assert retention_nightly(date(2024, 6, 1)) == {"anonymised": 0}
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(made.id),
                                                                 AuditEvent.object_type == "household")).all()
    assert actions.count("household_anonymised") == 1


def test_erasure_is_refused_with_the_reason_where_the_rules_do_not_allow_it(app_context):
    manager = UserFactory(roles=[Role.MANAGER])
    approved = household(Stage.APPROVED, Status.APPROVED)
    open_one = household(Stage.STAGE_1)
    held = household(Stage.ENQUIRY, Status.WITHDRAWN)
    set_legal_hold(held, "Litigation", actor=manager)
    for target, words in ((approved, "reached approval"), (open_one, "open application"), (held, "legal hold")):
        with pytest.raises(DomainError, match=words):
            erase_household(target, "Request of 1 December", actor=manager)
    with pytest.raises(DomainError, match="reason"):
        erase_household(open_one, "  ", actor=manager)
    assert db.session.scalars(select(Erasure)).all() == []
    assert approved.people[0].first_name == "Zebedee"


def test_erasure_leaves_a_tombstone_and_keeps_the_rows(app_context):
    manager = UserFactory(roles=[Role.MANAGER])
    made = household(Stage.STAGE_1, Status.WITHDRAWN)
    tombstone = erase_household(made, "Erasure request received by letter", actor=manager)
    assert (tombstone.reference, tombstone.erased_by_id, tombstone.reason) == \
        (made.reference, manager.id, "Erasure request received by letter")
    assert made.anonymised_rule == "erasure" and made.people[0].first_name == "Anonymised"
    assert len(made.applications[0].events) == 6  # enquiry to Stage 1 and the withdrawal: all still counted
    with pytest.raises(DomainError, match="already been erased"):
        erase_household(made, "Again", actor=manager)
