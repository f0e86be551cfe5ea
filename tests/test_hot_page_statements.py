"""Hot pages (SPEC section 10, issue 17): each one's SQL statement count stays the same whatever the number of rows it
shows, and under a cap, so an N+1 query (a statement per row) fails here."""
from __future__ import annotations

from datetime import timedelta

import pytest

from crm import clock
from crm.auth.roles import Role
from crm.checks import services as checks
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.funnel.stages import Stage
from tests.checks.conftest import STAGE_1_ON, TODAY, family, into_stage_1
from tests.events.helpers import make_event
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory, TeamFactory, UserFactory
from tests.helpers import statements_of


@pytest.fixture
def worker(db_session):
    team = TeamFactory()
    return UserFactory(roles=[Role.STAGE_ONE_WORKER, Role.RECRUITMENT_OFFICER, Role.MANAGER], team_id=team.id)


def allocated(worker, count: int, *, surname: str = "Hotpage") -> None:
    """Households allocated to the worker, each with an applicant and an open application at Stage 1."""
    for _ in range(count):
        household = HouseholdFactory(team_id=worker.team_id, allocated_worker_id=worker.id)
        PersonFactory(household=household, last_name=surname)
        ApplicationFactory(household=household, stage=Stage.STAGE_1, stage_entered_on=clock.today() - timedelta(20))


def counts(app, client, url: str, add_rows) -> tuple[int, int]:
    """Statements for url as it is, then after add_rows() has added more rows to it."""
    before = statements_of(app, client, url)
    add_rows()
    # The rows are added in the test's transaction, under no data version yet: the first GET after them counts the
    # home pipeline afresh and moves the version; the next ones read it from the report cache, as before them.
    assert client.get(url).status_code == 200
    return before, statements_of(app, client, url)


@pytest.mark.parametrize("url", ["/", "/caseload", "/households?q=Hotpage"])
def test_the_work_queue_caseload_and_search_do_not_grow_with_their_rows(app, client, auth, services_as, worker, url):
    services_as(lambda: allocated(worker, 2))
    auth.login(worker)
    two, twenty = counts(app, client, url, lambda: services_as(lambda: allocated(worker, 18)))
    assert two == twenty
    assert twenty <= 25


def test_the_check_queue_does_not_grow_with_its_rows(app, client, auth, services_as, worker):
    # One applicant in Stage 1 has 9 open checks; three households fill the page of 25.
    services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker))
    auth.login(worker)
    nine, page = counts(app, client, "/checks", lambda: services_as(lambda: [
        into_stage_1(family(worker, names=("Ann",)), worker) for _ in range(2)]))
    assert client.get("/checks").get_data(as_text=True).count('id="check-row-') == 25
    assert nine == page
    assert page <= 15  # 76 before issue 17


def test_the_household_page_does_not_grow_with_its_people_contacts_and_checks(app, client, auth, services_as,
                                                                                db_session, worker):
    household = family(worker, names=("Ann",))
    services_as(lambda: into_stage_1(household, worker))
    auth.login(worker)

    def more():
        for name in ("Ben", "Cal", "Dan", "Eli"):
            person = PersonFactory(household=household, first_name=name, last_name="Example", employed=True,
                                   lived_abroad_months=0, date_of_birth=TODAY - timedelta(days=40 * 365))
            checks.add_checks_for_person(person, STAGE_1_ON, actor=worker)
        db_session.add_all(EnquiryContact(household=household, received_at=clock.now() - timedelta(days=days),
                                          method=ContactMethod.PHONE) for days in range(1, 11))
    small, large = counts(app, client, f"/households/{household.id}", lambda: services_as(more))
    assert small == large
    assert large <= 45  # 81 before issue 17


def test_the_events_page_does_not_grow_with_its_events(app, client, auth, services_as, worker):
    services_as(lambda: [make_event(worker, starts_in=timedelta(days=days)) for days in (3, -3)])
    auth.login(worker)
    two, twenty = counts(app, client, "/events", lambda: services_as(lambda: [
        make_event(worker, starts_in=timedelta(days=days)) for days in (*range(4, 13), *range(-12, -3))]))
    assert two == twenty
    assert twenty <= 10


def test_an_events_page_does_not_grow_with_its_bookings(app, client, auth, services_as, worker):
    from crm.events import services as events
    from tests.events.helpers import enquiring_household

    event = services_as(lambda: make_event(worker, capacity=30))

    def book(count: int) -> None:
        for _ in range(count):
            events.book(event, enquiring_household(worker), actor=worker)
    services_as(lambda: book(2))
    auth.login(worker)
    two, twenty = counts(app, client, f"/events/{event.id}", lambda: services_as(lambda: book(18)))
    assert two == twenty
    assert twenty <= 15
