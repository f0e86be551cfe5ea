"""The audit log: append-only in the database, searchable by managers, and written by sign-in and by reading it."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from tests.factories import UserFactory

CAPTION = re.compile(r'<caption class="govuk-table__caption[^"]*">\s*(\d+) entr(?:y|ies)\s*</caption>')


def entries(response) -> int:
    """The count in the results table's caption."""
    match = CAPTION.search(response.get_data(as_text=True))
    assert match, "no results caption on the page"
    return int(match.group(1))


def events(db_session, action: str, **where) -> list[AuditEvent]:
    db_session.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(db_session.scalars(query))


def add_event(db_session, action: str, actor_label: str, at: datetime | None = None) -> AuditEvent:
    event = AuditEvent(action=action, actor_label=actor_label, object_type="household", object_id="42")
    if at is not None:
        event.at = at
    db_session.add(event)
    db_session.flush()
    return event


@pytest.fixture
def manager(client, auth):
    user = UserFactory(roles=[Role.MANAGER], email="mo.manager@hearth.example")
    assert auth.login(user).status_code == 302
    return user


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'tampered', actor_label = 'someone else' WHERE id = :id",
    "DELETE FROM audit_events WHERE id = :id",
])
def test_the_database_refuses_to_change_or_delete_an_audit_row(db_session, statement):
    event = add_event(db_session, "exported_report", "ann.author@hearth.example")
    with pytest.raises(DBAPIError, match="append-only"):
        with db_session.begin_nested():
            db_session.execute(text(statement), {"id": event.id})
    db_session.expire_all()
    row = db_session.get(AuditEvent, event.id)
    assert row is not None
    assert (row.action, row.actor_label, row.object_id) == ("exported_report", "ann.author@hearth.example", "42")


def test_the_orm_cannot_edit_an_audit_row_either(db_session):
    event = add_event(db_session, "exported_report", "ann.author@hearth.example")
    with pytest.raises(DBAPIError):
        with db_session.begin_nested():
            event.action = "tampered"
            db_session.flush()
    db_session.expire_all()
    assert db_session.scalar(select(AuditEvent.action).where(AuditEvent.id == event.id)) == "exported_report"


def test_a_manager_sees_the_log_and_can_filter_it(client, db_session, manager):
    for label in ("ann.author@hearth.example", "bob.builder@hearth.example", "ann.author@hearth.example"):
        add_event(db_session, "audit_test_export", label)
    add_event(db_session, "audit_test_other", "ann.author@hearth.example")

    everything = client.get("/audit/")
    page = everything.get_data(as_text=True)
    assert everything.status_code == 200 and "<h1 class=\"govuk-heading-l\">Audit log</h1>" in page
    assert entries(everything) >= 5  # the four above and the manager's sign-in
    assert "mo.manager@hearth.example" in page and "audit_test_other" in page

    by_action = client.get("/audit/?action=audit_test_export")
    assert entries(by_action) == 3
    assert "audit_test_other" not in by_action.get_data(as_text=True)

    by_actor = client.get("/audit/?actor=ANN.AUTHOR")  # a case-insensitive 'contains'
    assert entries(by_actor) == 3
    assert "bob.builder" not in by_actor.get_data(as_text=True)

    both = client.get("/audit/?actor=bob&action=audit_test_export")
    assert entries(both) == 1
    assert "bob.builder@hearth.example" in both.get_data(as_text=True)

    assert entries(client.get("/audit/?actor=100%25")) == 0  # % is a literal character, not a wildcard


def test_filtering_by_date(client, db_session, manager):
    add_event(db_session, "audit_test_dated", "old@hearth.example", at=datetime(2020, 1, 10, 12, tzinfo=timezone.utc))
    add_event(db_session, "audit_test_dated", "mid@hearth.example", at=datetime(2020, 1, 15, 23, 59, tzinfo=timezone.utc))
    add_event(db_session, "audit_test_dated", "new@hearth.example", at=datetime(2020, 1, 16, 0, 1, tzinfo=timezone.utc))
    base = "/audit/?action=audit_test_dated"
    assert entries(client.get(base)) == 3
    assert entries(client.get(base + "&date_from=15&date_from=1&date_from=2020")) == 2
    window = client.get(base + "&date_from=11&date_from=1&date_from=2020&date_to=15&date_to=1&date_to=2020")
    assert entries(window) == 1 and "mid@hearth.example" in window.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "date_from=31&date_from=2",
    "date_from=x&date_from=y&date_from=z",
    "date_from=31&date_from=2&date_from=2026",
    "date_to=1&date_to=1&date_to=99999",
    "date_to=&date_to=3&date_to=2026",
])
def test_a_malformed_date_gets_an_error_message_not_a_crash(client, manager, query):
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "must be a real date, for example 27 3 2026" in page
    assert entries(response) >= 1  # an invalid filter is ignored, not applied


@pytest.mark.parametrize("query", [
    "page=-3", "page=abc", "page=0", "page=999999", "page=99999999999999999999999",
    "date_to=31&date_to=12&date_to=9999", "date_from=1&date_from=1&date_from=0001",
])
def test_odd_but_well_formed_queries_never_crash(client, manager, query):
    response = client.get(f"/audit/?{query}")
    assert response.status_code in (200, 400)
    assert "Sorry, there is a problem with the service" not in response.get_data(as_text=True)


def test_viewing_the_log_is_itself_audited(client, db_session, manager):
    assert client.get("/audit/?action=login&actor=mo.").status_code == 200
    [viewed] = events(db_session, "viewed_audit_log", actor_id=manager.id)
    assert viewed.actor_label == "mo.manager@hearth.example"
    assert viewed.detail == {"filters": {"action": "login", "actor": "mo."}}
    assert viewed.ip_address == "127.0.0.1"


@pytest.mark.parametrize("roles", [[Role.RECRUITMENT_OFFICER], [Role.MARKETING_OFFICER], [Role.ADMINISTRATOR]])
def test_other_roles_are_refused(client, auth, db_session, roles):
    user = UserFactory(roles=roles)
    auth.login(user)
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.get_data(as_text=True)
    assert events(db_session, "viewed_audit_log", actor_id=user.id) == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_signing_in_writes_a_login_row(client, auth, db_session):
    user = UserFactory(email="sam.signin@hearth.example")
    assert auth.login(user).status_code == 302
    [row] = events(db_session, "login", actor_id=user.id)
    assert row.actor_label == "sam.signin@hearth.example" and row.ip_address == "127.0.0.1"
    assert row.at is not None and row.at.tzinfo is not None


def test_a_failed_sign_in_writes_a_login_failed_row(client, auth, db_session):
    user = UserFactory(email="fay.failed@hearth.example")
    assert auth.login(user, password="not the right password at all").status_code == 200
    [row] = events(db_session, "login_failed", actor_id=user.id)
    assert row.actor_label == "fay.failed@hearth.example"
    assert events(db_session, "login", actor_id=user.id) == []

    # What was typed is kept only when it names an account: people type passwords into the email box.
    auth.login(email="Nobody.Here@hearth.example", password="whatever whatever")
    [unknown] = events(db_session, "login_failed", actor_label="unknown account")
    assert unknown.actor_id is None
