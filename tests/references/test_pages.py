"""The worker's referee pages and buttons on the check page, and the applicant's /my/referees: who may use them,
bad input, another household's ids."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.auth.roles import Role
from crm.references import links, services
from crm.references.models import Referee, RefereeLink
from tests.conftest import csrf_token
from tests.factories import TeamFactory, UserFactory
from tests.portal.helpers import portal_applicant, sign_in
from tests.references.conftest import ANSWERS, check_of, details, token_in

GOOD = {"name": "Rita Referee", "email": "rita@referee.example", "phone": "07700 900 982",
        "relationship_to_applicant": "friend", "is_family": "no", "years_known": "5"}


def referees(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Referee))


@pytest.fixture
def personal(db_session, application):
    return check_of(db_session, application, "personal_references")


def post_form(client, url, data):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))})


def test_a_worker_names_a_referee_and_sends_the_link_from_the_check_page(client, auth, db_session, worker, personal,
                                                                         mail_to):
    auth.login(worker)
    response = post_form(client, f"/checks/{personal.id}/referees/new", GOOD)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/checks/{personal.id}#referees")
    page = client.get(f"/checks/{personal.id}").get_data(as_text=True)
    assert "Rita Referee" in page and "Not sent" in page and "Name at least 3 personal referees: 1 named" in page
    referee = db_session.scalar(select(Referee))
    token = csrf_token(page)
    assert client.post(f"/referees/{referee.id}/send", data={"csrf_token": token}).status_code == 302
    assert "Sent 23 November 2026, expires 23 December 2026" in client.get(f"/checks/{personal.id}").get_data(
        as_text=True)
    assert mail_to.to("rita@referee.example")
    client.post(f"/referees/{referee.id}/revoke", data={"csrf_token": token})
    assert "Revoked 23 November 2026" in client.get(f"/checks/{personal.id}").get_data(as_text=True)
    client.post(f"/referees/{referee.id}/resend", data={"csrf_token": token})
    db_session.expire_all()
    assert [bool(link.revoked_at) for link in db_session.scalars(select(RefereeLink).order_by(RefereeLink.id))] \
        == [True, False]


def test_the_worker_sees_the_answers_on_the_check_page(client, auth, db_session, worker, personal, services_as,
                                                       mail_to):
    services_as(lambda: links.send_link(services.name_referee(personal, details("Rita Referee"), actor=worker),
                                        actor=worker))
    token = token_in(mail_to.bodies[0])
    form = client.get(f"/reference/{token}").get_data(as_text=True)
    client.post(f"/reference/{token}", data={**ANSWERS, "csrf_token": csrf_token(form)})
    auth.login(worker)
    page = client.get(f"/checks/{personal.id}").get_data(as_text=True)
    assert "Reference from Rita Referee" in page and "Kind and patient with my kids" in page
    assert "Submitted 23 November 2026" in page
    from crm.audit.models import AuditEvent
    viewed = db_session.execute(select(AuditEvent.actor_id, AuditEvent.object_type).where(
        AuditEvent.action == "viewed_reference")).all()
    assert viewed == [(worker.id, "referee")]


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": ""}, "Enter the referee&#39;s full name"),
    ({"email": "not an email"}, "Enter an email address in the correct format"),
    ({"is_family": "perhaps"}, "Choose yes if the referee is a member of your family"),
    ({"years_known": "-3"}, "Enter a number of years from 0 to 99"),
    ({"phone": "call me"}, "Enter a phone number"),
    ({"name": "x" * 201}, "The name must be 200 characters or fewer"),
])
def test_bad_referee_details_are_refused_and_nothing_stored(client, auth, db_session, worker, personal, changes,
                                                           message):
    auth.login(worker)
    response = post_form(client, f"/checks/{personal.id}/referees/new", {**GOOD, **changes})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert referees(db_session) == 0


def test_a_check_without_referees_has_no_referee_page(client, auth, db_session, worker, application):
    auth.login(worker)
    assert client.get(f"/checks/{check_of(db_session, application, 'dbs', 'Ann').id}/referees/new").status_code == 404


@pytest.mark.parametrize("role", [Role.RECRUITMENT_OFFICER, Role.MARKETING_OFFICER, Role.ADMINISTRATOR])
def test_roles_that_do_not_work_on_checks_are_refused(client, auth, db_session, worker, personal, services_as, role):
    referee = services_as(lambda: services.name_referee(personal, details(), actor=worker))
    auth.login(UserFactory(roles=[role]))
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.get(f"/checks/{personal.id}/referees/new").status_code == 403
    assert client.get(f"/referees/{referee.id}/edit").status_code == 403
    for action in ("send", "resend", "revoke", "remove"):
        assert client.post(f"/referees/{referee.id}/{action}", data={"csrf_token": token}).status_code == 403


def test_a_worker_of_another_team_gets_404(client, auth, db_session, worker, personal, services_as):
    referee = services_as(lambda: services.name_referee(personal, details(), actor=worker))
    auth.login(UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=TeamFactory().id))
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.get(f"/checks/{personal.id}/referees/new").status_code == 404
    assert client.get(f"/referees/{referee.id}/edit").status_code == 404
    assert client.post(f"/referees/{referee.id}/send", data={"csrf_token": token}).status_code == 404
    assert client.get("/referees/999999/edit").status_code == 404
    assert db_session.scalar(select(func.count()).select_from(RefereeLink)) == 0


def test_a_refused_action_is_a_message_and_changes_nothing(client, auth, db_session, worker, personal, services_as):
    referee = services_as(lambda: services.name_referee(personal, details(), actor=worker))
    auth.login(worker)
    token = csrf_token(client.get(f"/checks/{personal.id}").get_data(as_text=True))
    response = client.post(f"/referees/{referee.id}/revoke", data={"csrf_token": token}, follow_redirects=True)
    assert "This referee has no link to revoke" in response.get_data(as_text=True)
    assert client.post(f"/referees/{referee.id}/send", data={}).status_code == 400  # no CSRF token


# The applicant's pages

def test_an_applicant_names_referees_and_the_task_follows(client, db_session, personal, worker):
    account = portal_applicant(db_session, household=personal.application.household)
    assert sign_in(client, account).status_code == 302
    assert "Cannot start yet" not in client.get("/my/").get_data(as_text=True).split("Name your referees")[1][:400]
    page = client.get("/my/referees").get_data(as_text=True)
    assert "Name at least 3 personal referees: 0 named so far" in page
    for index, family in enumerate(("yes", "no", "no")):
        response = post_form(client, f"/my/referees/new/{personal.id}",
                             {**GOOD, "name": f"Person{index} Ref", "is_family": family})
        assert response.status_code == 302
    assert "In progress" in client.get("/my/").get_data(as_text=True).split("Name your referees")[1][:400]
    application = personal.application
    for check in (check_of(db_session, application, "employer_reference", "Ann"),
                  check_of(db_session, application, "ex_partner_reference", "Ben")):
        assert post_form(client, f"/my/referees/new/{check.id}", GOOD).status_code == 302
    index_page = client.get("/my/").get_data(as_text=True)
    assert "Completed" in index_page.split("Name your referees")[1][:400]
    referee = db_session.scalar(select(Referee).where(Referee.name == "Person0 Ref"))
    assert referee.named_by_account_id == account.id and referee.is_family
    assert post_form(client, f"/my/referees/{referee.id}/edit", {**GOOD, "name": "Renamed"}).status_code == 302
    db_session.expire_all()
    assert referee.name == "Renamed"


def test_an_applicant_cannot_change_a_referee_once_the_link_is_sent(client, db_session, personal, worker,
                                                                    services_as):
    account = portal_applicant(db_session, household=personal.application.household)
    referee = services_as(lambda: services.name_referee(personal, details(), account=account))
    services_as(lambda: links.send_link(referee, actor=worker))
    sign_in(client, account)
    assert f"/my/referees/{referee.id}/edit" not in client.get("/my/referees").get_data(as_text=True)
    response = post_form(client, f"/my/referees/{referee.id}/edit", {**GOOD, "name": "Too Late"})
    assert response.status_code == 400 and "contact your social worker" in response.get_data(as_text=True)
    db_session.expire_all()
    assert referee.name == "Rita Referee"


def test_an_applicant_still_sees_a_received_reference_check_and_its_referee(client, db_session, application, worker,
                                                                          services_as, mail_to):
    """A reference completing its check (an employer's, one referee) received it; the check leaves the open ones, but
    the applicant's page still shows the referee with 'Reference received', and nothing to add or change."""
    employer = check_of(db_session, application, "employer_reference", "Ann")
    account = portal_applicant(db_session, household=application.household)
    referee = services_as(lambda: services.name_referee(employer, details("Erin Employer"), account=account))
    services_as(lambda: links.send_link(referee, actor=worker))
    token = token_in(mail_to.bodies[-1])
    form = client.get(f"/reference/{token}").get_data(as_text=True)
    assert client.post(f"/reference/{token}", data={**ANSWERS, "csrf_token": csrf_token(form)}).status_code == 200
    db_session.expire_all()
    assert employer.received_on is not None
    sign_in(client, account)
    page = client.get("/my/referees").get_data(as_text=True)
    section = page.split(f'id="check-{employer.id}"')[1].split("<h2")[0]
    assert "Erin Employer" in section and "Reference received" in section and "received. Thank you." in section
    assert f"/my/referees/new/{employer.id}" not in page and f"/my/referees/{referee.id}/" not in page


def test_another_households_referee_and_check_answer_404_to_an_applicant(client, db_session, personal, worker,
                                                                         services_as):
    referee = services_as(lambda: services.name_referee(personal, details(), actor=worker))
    stranger = portal_applicant(db_session)
    sign_in(client, stranger)
    token = csrf_token(client.get("/my/referees").get_data(as_text=True))
    assert client.get(f"/my/referees/{referee.id}/edit").status_code == 404
    assert client.post(f"/my/referees/{referee.id}/remove", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/my/referees/new/{personal.id}").status_code == 404
    assert client.get("/my/referees/999999/edit").status_code == 404
    assert referees(db_session) == 1


def test_staff_are_sent_to_the_portal_sign_in(client, auth, worker, db_session):
    auth.login(worker)
    response = client.get("/my/referees")
    assert response.status_code == 302 and "/my/sign-in" in response.headers["Location"]


def test_the_check_page_and_my_referees_do_not_grow_with_the_referees(app, client, auth, db_session, worker,
                                                                      personal, services_as):
    from tests.helpers import statements_of

    def name(count: int, start: int):
        def add():
            for index in range(start, start + count):
                referee = services.name_referee(personal, details(f"Person{index} Ref"), actor=worker)
                if index % 2:
                    links.send_link(referee, actor=worker)
        services_as(add)

    name(1, 0)
    auth.login(worker)
    one = statements_of(app, client, f"/checks/{personal.id}")
    name(5, 1)
    assert statements_of(app, client, f"/checks/{personal.id}") == one
    auth.logout()
    sign_in(client, portal_applicant(db_session, household=personal.application.household))
    mine = statements_of(app, client, "/my/referees")
    services_as(lambda: services.remove_referee(services.referees_of([personal.id])[0], actor=worker))
    assert statements_of(app, client, "/my/referees") == mine
