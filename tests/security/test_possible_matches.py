"""Finding 8: knowing an email address and a surname, an anonymous visitor added a note and opened 3 applications
on someone else's household. A public or API enquiry that looks like a known household is now kept as a household
of its own with a possible match, which an officer settles: the same household (the enquiry joins it) or not."""
from __future__ import annotations

from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.enquiries.models import EnquiryContact, PossibleMatch
from crm.funnel.stages import Stage
from crm.households.models import Application, Household
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory, UserFactory
from tests.helpers import count, post
from tests.public.test_public_form import answers


def known_household(db_session):
    household = HouseholdFactory(email="ada.known@example.com")
    PersonFactory(household=household, first_name="Ada", last_name="Known")
    ApplicationFactory(household=household, service_line_code="adoption", stage=Stage.STAGE_1)
    db_session.flush()
    return household


def send_public(client, **who):
    page = client.get("/enquire").get_data(as_text=True)
    data = answers(page, first_name="Ada", last_name="Known", email="ada.known@example.com",
                   message="Please add me to your list", **who)
    data.setlist("service_lines", ["adoption", "fostering_mainstream", "early_permanence"])
    return client.post("/enquire", data=data)


def test_a_public_enquiry_never_writes_into_a_known_household(client, db_session):
    known = known_household(db_session)
    assert send_public(client).status_code == 302
    db_session.expire_all()
    assert count(db_session, EnquiryContact, EnquiryContact.household_id == known.id) == 0
    assert [a.service_line_code for a in known.applications] == ["adoption"]  # nothing opened on it
    placeholder = db_session.scalars(select(Household).where(Household.id != known.id)).one()
    match = db_session.scalars(select(PossibleMatch)).one()
    assert match.household_id == known.id and match.contact.household_id == placeholder.id
    assert "same email address" in match.reasons and match.resolved_at is None


def test_an_officer_confirms_the_same_household_and_the_enquiry_joins_it(client, auth, db_session):
    known = known_household(db_session)
    send_public(client)
    placeholder = db_session.scalars(select(Household).where(Household.id != known.id)).one()
    match = db_session.scalars(select(PossibleMatch)).one()
    manager = UserFactory(roles=[Role.MANAGER])
    auth.login(manager)
    page = client.get(f"/households/{placeholder.id}").get_data(as_text=True)
    assert "Possible match" in page and known.reference in page
    placeholder_id, known_id = placeholder.id, known.id
    response = post(client, f"/households/{placeholder_id}", f"/enquiries/possible-matches/{match.id}",
                    {"decision": "same"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/households/{known_id}")
    db_session.expire_all()
    assert db_session.get(Household, placeholder_id) is None
    assert count(db_session, EnquiryContact, EnquiryContact.household_id == known_id) == 1
    # Adoption was already the household's own application; the two new lines join it at first contact.
    lines = {a.service_line_code: a.stage for a in db_session.scalars(
        select(Application).where(Application.household_id == known_id))}
    assert lines == {"adoption": Stage.STAGE_1, "fostering_mainstream": Stage.ENQUIRY,
                     "early_permanence": Stage.ENQUIRY}
    merged = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "possible_match_merged")).one()
    assert merged.actor_id == manager.id and merged.detail["merged_household_id"] == placeholder_id
    assert db_session.get(PossibleMatch, match.id).outcome == "same"


def test_not_the_same_household_keeps_both(client, auth, db_session):
    known = known_household(db_session)
    send_public(client)
    placeholder = db_session.scalars(select(Household).where(Household.id != known.id)).one()
    match = db_session.scalars(select(PossibleMatch)).one()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    post(client, f"/households/{placeholder.id}", f"/enquiries/possible-matches/{match.id}", {"decision": "different"})
    db_session.expire_all()
    assert count(db_session, Household) == 2 and db_session.get(PossibleMatch, match.id).outcome == "different"
    assert "Possible match" not in client.get(f"/households/{placeholder.id}").get_data(as_text=True)


def test_only_someone_who_sees_both_households_settles_a_match(client, auth, db_session):
    known = known_household(db_session)  # at Stage 1: beyond a recruitment officer's scope
    send_public(client)
    placeholder = db_session.scalars(select(Household).where(Household.id != known.id)).one()
    match = db_session.scalars(select(PossibleMatch)).one()
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    page = client.get(f"/households/{placeholder.id}").get_data(as_text=True)
    assert "outside your caseload" in page and known.reference not in page
    response = post(client, f"/households/{placeholder.id}", f"/enquiries/possible-matches/{match.id}",
                    {"decision": "same"})
    assert response.status_code == 404
    db_session.expire_all()
    assert count(db_session, Household) == 2 and db_session.get(PossibleMatch, match.id).resolved_at is None


def test_a_placeholder_worked_on_since_is_not_merged(client, auth, db_session):
    known = known_household(db_session)
    send_public(client)
    placeholder = db_session.scalars(select(Household).where(Household.id != known.id)).one()
    db_session.scalars(select(Application).where(Application.household_id == placeholder.id)).first().stage = (
        Stage.INFORMATION_EVENT)
    db_session.flush()
    match = db_session.scalars(select(PossibleMatch)).one()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    response = post(client, f"/households/{placeholder.id}", f"/enquiries/possible-matches/{match.id}",
                    {"decision": "same"})
    assert response.status_code == 302
    assert "has been worked on since the enquiry" in client.get(f"/households/{placeholder.id}").get_data(as_text=True)
    db_session.expire_all()
    assert count(db_session, Household) == 2 and db_session.get(PossibleMatch, match.id).resolved_at is None
