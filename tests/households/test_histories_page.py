"""The household page offers and records the histories of SPEC section 2 after approval and at panel (issue 19)."""
from __future__ import annotations

from datetime import date

from crm.auth.roles import Role
from crm.funnel import machine
from crm.funnel.stages import EventKind, Stage, Status
from crm.households.models import Application
from tests.factories import HouseholdFactory, PersonFactory, UserFactory
from tests.helpers import post

TODAY = date(2026, 11, 23)


def household_with(db_session, line: str, *events) -> tuple:
    household = HouseholdFactory()
    PersonFactory(household=household)
    application = Application(service_line_code=line, fast_track=False)
    household.applications.append(application)
    machine.record(application, EventKind.ENQUIRY, date(2025, 4, 1), today=TODAY)
    machine.record(application, EventKind.STAGE_2, date(2025, 10, 1), today=TODAY, imported=True)
    for kind, on, *reason in events:
        machine.record(application, kind, on, today=TODAY, reason=reason[0] if reason else None)
    db_session.flush()
    return household, application


def record(client, household, application, kind: str, on: date, **more):
    return post(client, f"/households/{household.id}", f"/applications/{application.id}/events",
                [("kind", kind), ("occurred_on", str(on.day)), ("occurred_on", str(on.month)),
                 ("occurred_on", str(on.year)), *more.items()])


def kinds(db_session, application) -> list[EventKind]:
    db_session.expire_all()
    return [e.kind for e in machine.live(db_session.get(Application, application.id).events)]


def test_an_approved_household_is_put_on_hold_resumed_matched_and_placed_from_the_page(client, auth, db_session,
                                                                                         travel):
    travel(TODAY)
    household, application = household_with(db_session, "adoption", (EventKind.PANEL, date(2026, 2, 16)),
                                            (EventKind.APPROVED, date(2026, 3, 2)))
    auth.login(UserFactory(roles=[Role.MANAGER]))
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert 'value="on_hold"' in page and 'value="matched"' in page and 'value="resumed"' not in page
    refused = record(client, household, application, "on_hold", date(2026, 4, 10))
    assert refused.status_code == 400 and "Give a reason" in refused.get_data(as_text=True)
    assert record(client, household, application, "on_hold", date(2026, 4, 10), reason="House move").status_code == 302
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "On hold since 10 April 2026" in page and 'value="resumed"' in page and 'value="matched"' not in page
    refused = record(client, household, application, "matched", date(2026, 4, 12))
    assert refused.status_code == 400 and "resumed first" in refused.get_data(as_text=True)
    assert record(client, household, application, "resumed", date(2026, 6, 1)).status_code == 302
    assert record(client, household, application, "matched", date(2026, 7, 6)).status_code == 302
    assert record(client, household, application, "placed", date(2026, 8, 3)).status_code == 302
    assert kinds(db_session, application)[-4:] == [EventKind.ON_HOLD, EventKind.RESUMED, EventKind.MATCHED,
                                                   EventKind.PLACED]
    assert db_session.get(Application, application.id).status is Status.APPROVED


def test_a_fostering_household_placed_twice_and_an_early_permanence_one_placed_then_matched(client, auth,
                                                                                            db_session, travel):
    travel(TODAY)
    fostering_household, fostering = household_with(db_session, "fostering_mainstream",
                                                    (EventKind.PANEL, date(2026, 2, 16)),
                                                    (EventKind.APPROVED, date(2026, 3, 2)))
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert record(client, fostering_household, fostering, "placed", date(2026, 4, 1)).status_code == 302
    assert record(client, fostering_household, fostering, "placed", date(2026, 9, 7)).status_code == 302
    assert kinds(db_session, fostering)[-2:] == [EventKind.PLACED, EventKind.PLACED]
    early_household, early = household_with(db_session, "early_permanence", (EventKind.PANEL, date(2026, 2, 16)),
                                            (EventKind.APPROVED, date(2026, 3, 2)))
    assert record(client, early_household, early, "placed", date(2026, 4, 1)).status_code == 302
    assert record(client, early_household, early, "matched", date(2026, 9, 7)).status_code == 302
    assert kinds(db_session, early)[-2:] == [EventKind.PLACED, EventKind.MATCHED]


def test_a_second_panel_after_a_deferral_and_undo_from_the_page(client, auth, db_session, travel):
    travel(TODAY)
    household, application = household_with(db_session, "adoption", (EventKind.PANEL, date(2026, 2, 16)))
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert 'value="panel"' not in client.get(f"/households/{household.id}").get_data(as_text=True)
    assert record(client, household, application, "panel_deferred", date(2026, 2, 16),
                  reason="Second referee needed").status_code == 302
    assert 'value="panel"' in client.get(f"/households/{household.id}").get_data(as_text=True)
    assert record(client, household, application, "panel", date(2026, 4, 20)).status_code == 302
    db_session.expire_all()
    stored = db_session.get(Application, application.id)
    assert (stored.stage, stored.stage_entered_on) == (Stage.PANEL, date(2026, 4, 20))
    undone = post(client, f"/households/{household.id}", f"/applications/{application.id}/undo",
                  [("reason", "Wrong panel date")])
    assert undone.status_code == 302
    db_session.expire_all()
    assert db_session.get(Application, application.id).stage_entered_on == date(2026, 2, 16)
    assert record(client, household, application, "panel", date(2026, 4, 27)).status_code == 302
