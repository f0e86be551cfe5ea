"""The report cache (crm/reports/cache.py): a report already computed for the same data is answered from the
cache and equals a fresh computation; any write a report may read, however it is made (ORM flush, Core insert,
text(), a bare connection), moves the data version, so the next answer is computed again; writes to the audit
log or the cache itself, and rolled-back writes, do not."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select, text

from crm import dataversion
from crm.audit.services import record_event
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.extensions import db
from crm.funnel import services as funnel
from crm.reports import cache, registry
from crm.reports.base import ReportParams
from crm.auth.roles import Role
from tests.factories import HouseholdFactory, UserFactory

PARAMS = ReportParams(date(2026, 4, 1), date(2027, 3, 31))


def counted(name: str = "activity", params: ReportParams = PARAMS):
    """The report through the cache, and whether it was computed (not read from the cache)."""
    calls = []

    def compute():
        calls.append(1)
        return registry.compute(name, params)
    report = cache.cached(name, params, compute)
    db.session.commit()
    return report, bool(calls)


def enquiry(when: datetime) -> None:
    household = HouseholdFactory()
    funnel.open_application(household, "adoption", when.date(), actor=None, today=when.date())
    db.session.add(EnquiryContact(household=household, received_at=when, method=ContactMethod.PHONE,
                                  recorded_at=when, first_response_due_at=when))


def test_a_cached_report_equals_a_fresh_one_until_the_data_changes(app_context, travel):
    travel(date(2026, 11, 2))
    enquiry(datetime(2026, 5, 4, 10, tzinfo=UTC))
    db.session.commit()
    first, computed = counted()
    assert computed and first.figures["enquiry_contacts"] == 1
    again, computed = counted()
    assert not computed  # from the cache
    assert again.as_json() == first.as_json() == registry.compute("activity", PARAMS).as_json()
    assert counted("activity", ReportParams(date(2025, 4, 1), date(2026, 3, 31)))[1]  # other parameters: computed
    assert counted("timeliness")[1]  # another report: computed

    enquiry(datetime(2026, 6, 4, 10, tzinfo=UTC))  # a write through the ORM
    db.session.commit()
    after, computed = counted()
    assert computed and after.figures["enquiry_contacts"] == 2
    assert after.as_json() == registry.compute("activity", PARAMS).as_json()
    assert not counted()[1]


def test_every_kind_of_write_moves_the_version_and_no_other(app_context):
    def moved(write) -> bool:
        before = cache.current_version(db.session)
        write()
        db.session.commit()
        return cache.current_version(db.session) > before

    household = HouseholdFactory()
    db.session.commit()
    now = datetime(2026, 5, 4, 10, tzinfo=UTC)
    assert moved(lambda: db.session.execute(insert(EnquiryContact), [  # a Core bulk insert, as the imports do
        {"household_id": household.id, "received_at": now, "method": ContactMethod.EMAIL, "recorded_at": now,
         "first_response_due_at": now}]))
    assert moved(lambda: db.session.execute(text("UPDATE households SET town = 'Leeds' WHERE id = :id"),
                                            {"id": household.id}))
    assert moved(lambda: db.session.connection().exec_driver_sql("DELETE FROM enquiry_contacts"))
    assert moved(lambda: setattr(household, "town", "York"))  # an ORM flush
    assert moved(lambda: dataversion.wrote(db.session))  # past SQLAlchemy: the bench generator's COPY says so
    assert not moved(lambda: None)  # nothing written
    assert not moved(lambda: record_event(db.session, "report_viewed", actor=None, object_type="report",
                                          object_id=None, detail={}))  # the audit log is no report's data
    assert not moved(lambda: counted())  # storing a report in the cache

    before = cache.current_version(db.session)
    household.town = "Hull"
    db.session.flush()
    db.session.rollback()  # a write rolled back
    assert cache.current_version(db.session) == before


def test_the_statements_that_count_as_writes():
    writes = ["INSERT INTO households (id) VALUES (1)", '  update "applications" SET stage = 1',
              "DELETE FROM stage_events", "COPY people (id) FROM STDIN", "INSERT OR REPLACE INTO checks VALUES (1)",
              "WITH x AS (SELECT 1) UPDATE households SET town = NULL", "ALTER TABLE households ADD x int",
              "TRUNCATE TABLE enquiry_contacts"]
    reads = ["SELECT * FROM households", "INSERT INTO audit_events (id) VALUES (1)",
             "INSERT INTO report_cache (key) VALUES ('a')", "UPDATE data_version SET version = version + 1",
             "SELECT 1 FOR UPDATE", "SAVEPOINT sa_1", "BEGIN IMMEDIATE",
             # signing in and out: the users' bookkeeping columns only, as SQLAlchemy writes them
             "UPDATE users SET failed_login_count=?, last_login_at=? WHERE users.id = ?",
             "UPDATE users SET failed_login_count=CASE WHEN (users.failed_login_count + ? >= ?) THEN ? ELSE "
             "users.failed_login_count + ? END, locked_until=CASE WHEN (users.failed_login_count + ? >= ?) THEN ? "
             "ELSE users.locked_until END WHERE users.id = ?",
             "UPDATE users SET session_token=%(session_token)s WHERE users.id = %(users_id)s",
             "UPDATE users SET last_login_at=coalesce(?, full_name=?) WHERE users.id = ?"]  # "=" inside: compared
    # a column a report may read, beside or inside the bookkeeping ones, or any other table: a write
    writes += ["UPDATE users SET full_name=?, last_login_at=? WHERE users.id = ?",
               "UPDATE users SET team_id=? WHERE users.id = ?", "UPDATE users SET active=?",
               "UPDATE users SET last_login_at=(SELECT x FROM y WHERE z), full_name=? WHERE id = 1",
               "UPDATE households SET last_login_at=? WHERE id = 1", "DELETE FROM users WHERE id = 1",
               "INSERT INTO users (failed_login_count) VALUES (1)"]
    assert all(dataversion.writes_versioned_data(statement) for statement in writes)
    assert not any(dataversion.writes_versioned_data(statement) for statement in reads)


def test_signing_in_and_out_keeps_what_is_cached(client, auth, db_session):
    """A busy morning's sign-ins would otherwise recompute every report and home page count each time."""
    user = UserFactory(roles=[Role.MANAGER])
    db_session.commit()
    before = cache.current_version(db_session)
    assert auth.login(user, password="not the password").status_code == 200  # a failed attempt is counted
    assert auth.login(user).status_code == 302
    assert auth.logout().status_code == 302  # the session token is rotated
    db_session.expire_all()
    assert user.last_login_at is not None and user.failed_login_count == 0
    assert cache.current_version(db_session) == before
    user.full_name = "Renamed Manager"  # a name a report or a page may show
    db_session.commit()
    assert cache.current_version(db_session) > before


def test_the_report_page_is_answered_from_the_cache_and_never_stale(client, auth, db_session, services_as, travel):
    travel(date(2026, 11, 2))
    auth.login(UserFactory(roles=[Role.MANAGER]))
    url = "/reports/activity?date_from=2026-04-01&date_to=2027-03-31"

    def computed_at():
        return db_session.scalar(select(cache.ReportCache.computed_at))

    assert client.get(url).status_code == 200
    assert db_session.scalar(select(func.count()).select_from(cache.ReportCache)) == 1
    first = computed_at()
    travel(datetime(2026, 11, 2, 12, 5, tzinfo=UTC))
    assert client.get(url).status_code == 200
    assert computed_at() == first  # answered from the cache
    services_as(lambda: enquiry(datetime(2026, 5, 4, 10, tzinfo=UTC)))
    db_session.commit()
    assert client.get(url).status_code == 200
    assert computed_at() > first  # computed again after the write
    assert db_session.scalar(select(cache.ReportCache.data_version)) == cache.current_version(db_session)
