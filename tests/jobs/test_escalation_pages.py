"""Escalations in the work queue: each person sees their own; a manager can see the whole service's."""
from __future__ import annotations

from datetime import date

from markupsafe import escape
from sqlalchemy import select

from crm.auth.roles import Role
from crm.households.models import Application, Household
from tests.factories import UserFactory
from tests.jobs.conftest import make_check, make_service


def test_each_person_sees_their_own_escalations_and_managers_everyones(runner, client, auth, db_session):
    service = make_service()
    check = make_check(db_session, service.owner, due_on=date(2026, 11, 2))
    reference = db_session.scalar(select(Household.reference).join(Application)
                                  .where(Application.id == check.application_id))
    result = runner.invoke(args=["jobs", "run-once", "check_escalations", "--today", "2026-11-03"])
    assert result.exit_code == 0, result.output  # on 3 November only the owner's rung has fired

    auth.login(service.owner)
    home = client.get("/").get_data(as_text=True)
    assert "You have 1 open escalation</a>:" in home and "1 check overdue." in home
    mine = client.get("/escalations/").get_data(as_text=True)
    assert "1 open" in mine and f"household {reference}: due 2 November 2026, not received" in mine
    auth.logout()

    auth.login(service.team_manager)
    assert "No open escalations." in client.get("/escalations/").get_data(as_text=True)
    assert 'id="home-escalations"' not in client.get("/").get_data(as_text=True)
    everyone = client.get("/escalations/?everyone=1").get_data(as_text=True)
    assert "1 open" in everyone and escape(service.owner.full_name) in everyone and "check_escalations" in everyone
    auth.logout()

    auth.login(UserFactory(roles=[Role.MARKETING_OFFICER]))
    assert client.get("/escalations/").status_code == 403
