"""Two administrators deactivating each other at the same moment, on a committed PostgreSQL database of its own:
one of them stays."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from crm import migrate
from crm.auth import accounts
from crm.auth.models import User, UserRole
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.extensions import Database, db
from tests.conftest import fresh_database_url, make_test_app
from tests.factories import PASSWORD_HASH


@pytest.fixture
def committed_app(database_kind, tmp_path_factory):
    if database_kind != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock under test is PostgreSQL's")
    url = fresh_database_url(database_kind, tmp_path_factory, "admin_race")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path_factory.mktemp("instance"))
    yield app
    Database.state(app).engine.dispose()


def test_two_administrators_deactivating_each_other_leave_one(committed_app):
    with committed_app.app_context():
        admins = [User(email=f"admin{n}@hearth.example", full_name=f"Admin {n}", password_hash=PASSWORD_HASH,
                       role_rows=[UserRole(role=Role.ADMINISTRATOR)]) for n in (1, 2)]
        db.session.add_all(admins)
        db.session.commit()
        ids = [admin.id for admin in admins]
    first_checked, outcomes = threading.Event(), {}

    def deactivate(actor_id: int, target_id: int, hold: bool):
        with committed_app.app_context():
            actor, target = db.session.get(User, actor_id), db.session.get(User, target_id)
            if not hold:
                first_checked.wait(5)
            try:
                accounts.deactivate(target, actor=actor)
            except DomainError as error:
                db.session.rollback()
                outcomes[target_id] = error.message
                return
            if hold:
                first_checked.set()
                threading.Event().wait(0.5)  # the other is now blocked on the administrators' rows
            db.session.commit()
            outcomes[target_id] = "deactivated"

    threads = [threading.Thread(target=deactivate, args=(ids[0], ids[1], True)),
               threading.Thread(target=deactivate, args=(ids[1], ids[0], False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert outcomes[ids[1]] == "deactivated"
    assert "last active administrator" in outcomes[ids[0]]
    with committed_app.app_context():
        assert db.session.scalars(select(User.email).where(User.active.is_(True))).all() == ["admin1@hearth.example"]
