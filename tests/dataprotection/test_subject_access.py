"""Subject access (SPEC section 8): a manager's zip of everything held about a household or one person, each section
holding exactly that household's rows, an escaped summary, audited with counts only, at a fixed statement cost."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import false, select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks import services as checks
from crm.checks.models import CheckInstance, CheckType
from crm.enquiries.models import ContactMethod, EnquiryContact, PossibleMatch
from crm.escalations.models import Escalation, EscalationKind
from crm.enquiries.services import EnquiryDetails, log_enquiry
from crm.events.models import ConsultationMethod
from crm.events.services import ConsultationDetails, EventDetails, book, create_event, record_consultation
from crm.extensions import db
from crm.funnel import services as funnel
from crm.funnel.reasons.models import WithdrawalReason
from crm.funnel.stages import Stage
from crm.allocation.services import reallocate
from crm.households.models import PersonRole
from crm.households.records import update_monitoring
from tests.factories import PersonFactory, TeamFactory, UserFactory
from tests.queues.helpers import StatementCounter

TODAY = date(2026, 11, 23)
NASTY = "<script>alert(1)</script>"


@pytest.fixture
def staff(db_session):
    team = TeamFactory()
    return {"manager": UserFactory(roles=[Role.MANAGER], full_name="Mona Manager"),
            "worker": UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=team.id, full_name="Wendy Worker"),
            "officer": UserFactory(roles=[Role.RECRUITMENT_OFFICER], full_name="Olly Officer"),
            "team": team}


def enquire(officer, first_name, *, notes, contacts=1, on=datetime(2026, 1, 10, 10, 0, tzinfo=clock.LONDON)):
    """A household from a phone enquiry for adoption and mainstream fostering, with `contacts` contacts."""
    details = EnquiryDetails(first_name=first_name, last_name="Thackeray", method=ContactMethod.PHONE,
                             service_lines=["adoption", "fostering_mainstream"], notes=notes, received_at=on,
                             email=f"{first_name.lower()[:8]}@example.org",
                             utm={"source": "facebook", "medium": "social", "campaign": "winter"})
    household = log_enquiry(details, actor=officer).household
    for index in range(1, contacts):
        log_enquiry(EnquiryDetails(first_name=first_name, last_name="Thackeray", method=ContactMethod.EMAIL,
                                   service_lines=["adoption"], notes=f"Follow-up {index}",
                                   received_at=on + timedelta(days=index)), actor=officer, household=household)
    return household


def build(staff, first_name=NASTY, *, contacts=2, event=None):
    """A household with equality answers, contacts, an application into Stage 1 with its checks (one received,
    chased, a part done), a withdrawn application with its reason, a booking and a reallocation."""
    manager, worker, officer = staff["manager"], staff["worker"], staff["officer"]
    household = enquire(officer, first_name, notes=f"Asked about {first_name}", contacts=contacts)
    applicant = household.people[0]
    child = PersonFactory(household=household, role=PersonRole.CHILD, date_of_birth=date(2015, 5, 5))
    update_monitoring(applicant, {"ethnicity": "White: Irish", "religion": "Buddhist",
                                  "sexual_orientation": "Bisexual", "disability": "No disability",
                                  "relationship_status": "Single"}, actor=manager)
    reallocate(household, worker, staff["team"].id, actor=manager)
    adoption, fostering = sorted(household.applications, key=lambda a: a.service_line_code)
    funnel.advance(adoption, Stage.INITIAL_VISIT, date(2026, 2, 1), actor=worker, today=TODAY)
    funnel.advance(adoption, Stage.REGISTRATION_OF_INTEREST, date(2026, 2, 10), actor=worker, today=TODAY)
    funnel.advance(adoption, Stage.STAGE_1, date(2026, 3, 2), actor=worker, today=TODAY)
    reason = select(WithdrawalReason).where(WithdrawalReason.active).order_by(WithdrawalReason.position)
    funnel.withdraw(fostering, date(2026, 2, 5), "applicant", "Chose adoption instead", actor=worker, today=TODAY,
                    withdrawal_reason=db.session.scalars(reason).first())
    dbs = db.session.scalar(select(CheckInstance).join(CheckType).where(
        CheckInstance.application_id == adoption.id, CheckInstance.person_id == applicant.id, CheckType.code == "dbs"))
    checks.request_check(dbs, date(2026, 3, 3), worker, actor=worker, today=TODAY)
    checks.chase_check(dbs, date(2026, 3, 20), "Rang the DBS unit", actor=worker, today=TODAY)
    checks.complete_part(dbs.parts[0], date(2026, 3, 4), actor=worker, today=TODAY)
    checks.receive_check(dbs, date(2026, 3, 25), "clear", actor=worker, today=TODAY)
    if event is None:
        evening = datetime(2026, 12, 3, 19, 0, tzinfo=clock.LONDON)
        event = create_event(EventDetails(title="Adoption evening", starts_at=evening,
                                          ends_at=evening + timedelta(hours=2), capacity=20, venue="Town hall"),
                             actor=manager)
    book(event, household, actor=officer)
    record_consultation(household, ConsultationDetails(ConsultationMethod.PHONE, date(2026, 11, 20), worker.id,
                                                       notes=f"Talked with {first_name}"), actor=worker, today=TODAY)
    db.session.add(Escalation(kind=EscalationKind.CHECK_OVERDUE, subject_type="check", subject_id=dbs.id,
                              step="owner", recipient_id=worker.id, household_id=household.id,
                              summary=f"DBS overdue for {first_name}", due_on=TODAY))
    db.session.flush()
    return household, applicant, child, event


@pytest.fixture
def households(staff, services_as, travel):
    travel(TODAY)

    def make():
        first, applicant, child, event = build(staff)
        second, *_ = build(staff, "Zebedee", event=event)
        # The second household's enquiry looked like the first: a possible match that concerns both.
        contact = db.session.scalar(select(EnquiryContact).where(EnquiryContact.household_id == second.id).limit(1))
        db.session.add(PossibleMatch(contact_id=contact.id, household_id=first.id, reasons="same surname"))
        db.session.flush()
        return first, applicant, child, second
    return services_as(make)


@pytest.fixture
def manager(auth, staff):
    auth.login(staff["manager"])
    return staff["manager"]


def opened(response) -> tuple[dict, str]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert sorted(archive.namelist()) == ["data.json", "summary.html"]
        return json.loads(archive.read("data.json")), archive.read("summary.html").decode()


def ids(data, section, key="id"):
    return sorted(row[key] for row in data[section])


def test_every_section_holds_exactly_the_households_rows(client, db_session, households, manager):
    first, applicant, child, second = households
    data, _summary = opened(client.get(f"/households/{first.id}/subject-access.zip"))
    assert data["export"]["household_reference"] == first.reference and data["export"]["person_id"] is None
    assert [row["reference"] for row in data["household"]] == [first.reference]
    assert ids(data, "people") == sorted([applicant.id, child.id])
    person = next(row for row in data["people"] if row["id"] == applicant.id)
    assert (person["first_name"], person["ethnicity"], person["religion"], person["sexual_orientation"]) == (
        NASTY, "White: Irish", "Buddhist", "Bisexual")
    assert data["household"][0]["relationship_status"] == "Single"
    assert {row["household_id"] for row in data["contacts"]} == {first.id} and len(data["contacts"]) == 2
    assert {row["notes"] for row in data["contacts"]} == {f"Asked about {NASTY}", "Follow-up 1"}
    assert {row["utm_source"] for row in data["contacts"]} == {"facebook", None}
    assert ids(data, "applications") == sorted(a.id for a in first.applications)
    assert {row["application_id"] for row in data["stage_events"]} == {a.id for a in first.applications}
    assert len(data["stage_events"]) == 6  # two enquiries, initial visit, ROI, Stage 1, withdrawn
    [withdrawal] = data["withdrawal_reasons"]
    assert withdrawal["note"] == "Chose adoption instead" and withdrawal["party"] == "applicant"
    assert withdrawal["reason"] == db_session.scalar(select(WithdrawalReason.name).where(
        WithdrawalReason.active).order_by(WithdrawalReason.position).limit(1))
    first_checks = db_session.scalars(select(CheckInstance.id).join(CheckInstance.application)
                                      .where(CheckInstance.application.has(household_id=first.id))).all()
    assert ids(data, "checks") == sorted(first_checks)
    received = [row for row in data["checks"] if row["outcome"]]
    assert [(r["check_type"], r["outcome"], r["received_on"]) for r in received] == [
        (received[0]["check_type"], "clear", "2026-03-25")]
    assert [row["note"] for row in data["check_chases"]] == ["Rang the DBS unit"]
    assert {row["check_id"] for row in data["check_parts"]} == {received[0]["id"]}
    assert len(data["check_parts"]) == 3 and sum(1 for p in data["check_parts"] if p["completed_on"]) == 1
    assert [(b["household_id"], b["event_title"]) for b in data["event_bookings"]] == [(first.id, "Adoption evening")]
    assert [(c["household_id"], c["notes"]) for c in data["consultations"]] == [(first.id, f"Talked with {NASTY}")]
    assert [(e["household_id"], e["kind"]) for e in data["escalations"]] == [(first.id, "check_overdue")]
    [match] = data["possible_matches"]
    assert match["household_id"] == first.id and match["reasons"] == "same surname"
    second_data, _ = opened(client.get(f"/households/{second.id}/subject-access.zip"))
    assert ids(second_data, "possible_matches") == [match["id"]]  # their enquiry was the one that matched
    assert NASTY not in json.dumps(second_data) and first.reference not in json.dumps(second_data)
    assert [(a["household_id"], a["reason"]) for a in data["allocations"]] == [(first.id, "reallocated")]
    assert {row["household_id"] for row in data["record_changes"]} == {first.id}
    assert any(row["action"] == "equality_monitoring_changed" for row in data["record_changes"])
    audit = data["audit_events"]
    assert audit and all((row["object_type"], row["object_id"]) != ("household", str(second.id)) for row in audit)
    assert {"enquiry_logged", "stage_event_recorded", "check_created"} <= {row["action"] for row in audit}
    assert "Wendy Worker" in {row["full_name"] for row in data["staff"]}
    everything = json.dumps(data)
    assert "Zebedee" not in everything and second.reference not in everything


def test_dates_are_iso_and_the_keys_stable(client, households, manager):
    first, *_ = households
    data, _ = opened(client.get(f"/households/{first.id}/subject-access.zip"))
    assert list(data) == sorted(data)
    assert set(data["export"]["sections"]) | {"export"} == set(data)
    assert datetime.fromisoformat(data["contacts"][0]["received_at"]).tzinfo is not None
    assert date.fromisoformat(data["household"][0]["first_enquiry_on"])


def test_the_summary_is_self_contained_and_escapes_names(client, households, manager):
    first, *_ = households
    _, summary = opened(client.get(f"/households/{first.id}/subject-access.zip"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary and NASTY not in summary
    assert "<script" not in summary and "src=" not in summary and "<link" not in summary
    assert "White: Irish" in summary and "Rang the DBS unit" in summary and "Zebedee" not in summary


def test_a_persons_export_holds_their_own_rows(client, households, manager):
    first, applicant, child, _second = households
    data, _ = opened(client.get(f"/households/{first.id}/people/{child.id}/subject-access.zip"))
    assert data["export"]["person_id"] == child.id and ids(data, "people") == [child.id]
    assert data["household"] == [{"id": first.id, "reference": first.reference}]  # not the applicants' details
    assert data["contacts"] == [] and data["stage_events"] == [] and data["allocations"] == []
    assert {row["person_id"] for row in data["checks"]} == {child.id} and data["checks"]
    assert NASTY not in json.dumps(data)
    data, _ = opened(client.get(f"/households/{first.id}/people/{applicant.id}/subject-access.zip"))
    assert ids(data, "people") == [applicant.id] and len(data["contacts"]) == 2
    assert data["household"][0]["email"] == first.email and data["household"][0]["relationship_status"] == "Single"
    assert {row["person_id"] for row in data["checks"]} == {applicant.id}
    assert {row["person_id"] for row in data["record_changes"]} <= {applicant.id, None}


def test_the_export_is_audited_with_counts_never_values(client, db_session, households, manager):
    first, applicant, *_ = households
    client.get(f"/households/{first.id}/subject-access.zip")
    client.get(f"/households/{first.id}/people/{applicant.id}/subject-access.zip")
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_access_export")
                                .order_by(AuditEvent.id)).all()
    assert [(e.object_type, e.object_id, e.actor_id) for e in events] == [("household", str(first.id), manager.id)] * 2
    assert events[0].detail["sections"]["contacts"] == 2 and "person_id" not in events[0].detail
    assert events[1].detail["person_id"] == applicant.id
    assert NASTY not in json.dumps(events[0].detail)


@pytest.mark.parametrize("role", [Role.RECRUITMENT_OFFICER, Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER,
                                  Role.ADMINISTRATOR])
def test_only_managers_may_export(client, auth, db_session, households, role):
    first, applicant, *_ = households
    auth.login(UserFactory(roles=[role]))
    assert client.get(f"/households/{first.id}/subject-access.zip").status_code == 403
    assert client.get(f"/households/{first.id}/people/{applicant.id}/subject-access.zip").status_code == 403
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "subject_access_export")) is None


def test_signed_out_is_sent_to_sign_in(client, households):
    first, *_ = households
    assert client.get(f"/households/{first.id}/subject-access.zip").status_code in (302, 401)


def test_an_unknown_household_or_a_person_of_another_is_not_found(client, households, manager):
    first, applicant, _child, second = households
    assert client.get("/households/999999/subject-access.zip").status_code == 404
    assert client.get(f"/households/{second.id}/people/{applicant.id}/subject-access.zip").status_code == 404


def test_a_household_out_of_the_users_scope_is_not_found(client, auth, households, monkeypatch):
    """Managers see every household today; should that change, the export follows the visibility rule."""
    from crm.households import services as household_services
    first, *_ = households
    auth.login(UserFactory(roles=[Role.MANAGER]))
    monkeypatch.setattr(household_services, "visible_households", lambda user: false())  # sees none of them
    assert client.get(f"/households/{first.id}/subject-access.zip").status_code == 404


def test_the_statement_count_does_not_grow_with_the_contacts_and_events(app, client, staff, services_as, travel,
                                                                        manager):
    travel(TODAY)
    small = services_as(lambda: build(staff, "Small", contacts=1)[0])
    with StatementCounter(app) as few:
        opened(client.get(f"/households/{small.id}/subject-access.zip"))

    def bigger():
        household, applicant, *_ = build(staff, "Large", contacts=12)
        adoption = next(a for a in household.applications if a.service_line_code == "adoption")
        for day in range(5, 15):
            funnel.hold(adoption, date(2026, 4, day * 2), "A pause", actor=staff["worker"], today=TODAY)
            funnel.resume(adoption, date(2026, 4, day * 2 + 1), actor=staff["worker"], today=TODAY)
        return household
    large = services_as(bigger)
    with StatementCounter(app) as many:
        data, _ = opened(client.get(f"/households/{large.id}/subject-access.zip"))
    assert len(data["contacts"]) == 12 and len(data["stage_events"]) > 20
    assert many.count == few.count <= 40
    print(f"subject access export: {many.count} statements")


def test_the_household_page_offers_the_download_to_managers_only(client, auth, households, manager):
    first, *_ = households
    link = f'href="/households/{first.id}/subject-access.zip"'
    assert link in client.get(f"/households/{first.id}").get_data(as_text=True)
    auth.logout()
    auth.login(UserFactory(roles=[Role.STAGE_ONE_WORKER]))
    page = client.get(f"/households/{first.id}")
    assert "Download everything held" not in page.get_data(as_text=True)


def test_the_command_writes_the_zip(runner, db_session, households, tmp_path, app):
    first, applicant, *_ = households
    output = tmp_path / "export.zip"
    result = runner.invoke(args=["subject-access", first.reference, "--output", str(output),
                                 "--person", str(applicant.id)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(output) as archive:
        data = json.loads(archive.read("data.json"))
    assert ids(data, "people") == [applicant.id]
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "subject_access_export"))
    assert event.actor_label == "command line" and event.detail["person_id"] == applicant.id


def test_the_command_refuses_an_unknown_reference(runner, db_session, tmp_path, app):
    result = runner.invoke(args=["subject-access", "NOPE", "--output", str(tmp_path / "x.zip")])
    assert result.exit_code != 0 and 'no household with the reference "NOPE"' in result.output
