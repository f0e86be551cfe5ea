"""Two officers booking the last place at the same moment, on a committed PostgreSQL database of its own."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm import clock, migrate
from crm.auth.models import User, UserRole
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.events import services
from crm.events.models import EventBooking, InformationEvent
from crm.extensions import Database, db
from crm.households.models import Household
from tests.conftest import fresh_database_url, make_test_app
from tests.factories import PASSWORD_HASH


@pytest.fixture
def committed_app(database_kind, tmp_path_factory):
    if database_kind != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock under test is PostgreSQL's")
    url = fresh_database_url(database_kind, tmp_path_factory, "events_race")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path_factory.mktemp("instance"))
    yield app
    Database.state(app).engine.dispose()


def seed(app) -> tuple[int, int, list[int]]:
    """An officer, an event with one place, and two households; committed."""
    with app.app_context():
        officer = User(email="racer@hearth.example", full_name="Race Officer", password_hash=PASSWORD_HASH,
                       role_rows=[UserRole(role=Role.RECRUITMENT_OFFICER)])
        households = [Household(reference=f"RACE{n}", first_enquiry_on=clock.today()) for n in (1, 2)]
        db.session.add_all([officer, *households])
        db.session.flush()
        starts = clock.now() + timedelta(days=3)
        event = services.create_event(services.EventDetails(
            "Last place", starts, starts + timedelta(hours=2), capacity=1, venue="Library"), actor=officer)
        db.session.commit()
        return officer.id, event.id, [h.id for h in households]


def test_the_last_place_goes_to_one_household_only(committed_app):
    officer_id, event_id, household_ids = seed(committed_app)
    first_holds_lock, second_waiting = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def book(name: str, household_id: int, before_commit=None, before_booking=None):
        with committed_app.app_context():
            if before_booking:
                before_booking()
            officer, event = db.session.get(User, officer_id), db.session.get(InformationEvent, event_id)
            try:
                services.book(event, db.session.get(Household, household_id), actor=officer)
            except DomainError as error:
                db.session.rollback()
                outcomes[name] = str(error)
                return
            if before_commit:
                before_commit()
            db.session.commit()
            outcomes[name] = "booked"

    def hold_the_lock_a_moment():
        first_holds_lock.set()
        second_waiting.wait(5)
        threading.Event().wait(0.5)  # the second officer is now blocked on the row lock, not yet counting

    def start_after_the_first():
        first_holds_lock.wait(5)
        second_waiting.set()

    threads = [threading.Thread(target=book, args=("first", household_ids[0]), kwargs={"before_commit": hold_the_lock_a_moment}),
               threading.Thread(target=book, args=("second", household_ids[1]), kwargs={"before_booking": start_after_the_first})]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcomes == {"first": "booked", "second": "The event is full: all 1 places are booked"}
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EventBooking)) == 1
