"""Special-category protection: which roles see a check's outcome, and every view of one in the audit log."""
from __future__ import annotations

from datetime import date

import pytest
from flask import g, render_template
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks import queries, services
from crm.households.models import Household
from tests.checks.conftest import TODAY, check_of, family, into_stage_1
from tests.factories import UserFactory

SEES_OUTCOMES = {Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER, Role.MANAGER}
OPENS_HOUSEHOLDS = SEES_OUTCOMES | {Role.RECRUITMENT_OFFICER}
CONCERN_BADGE = '>Concern</strong>'


@pytest.fixture
def concern(services_as, db_session, worker):
    """Ann's DBS came back with a concern; her health check is still open."""
    def build():
        application = into_stage_1(family(worker, names=("Ann",)), worker)
        dbs = check_of(db_session, application, "dbs", "Ann")
        services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
        services.receive_check(dbs, date(2026, 3, 20), "concern", actor=worker, today=TODAY)
        return dbs
    return services_as(build)


def outcome_views(db_session, check) -> list[AuditEvent]:
    return db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "viewed_check_outcome", AuditEvent.object_type == "check",
        AuditEvent.object_id == str(check.id))).all()


def viewer_for(role, db_session, team, concern):
    """A user of the role in the household's team; a recruitment officer has the household allocated to them."""
    viewer = UserFactory(roles=[role], team_id=team.id)
    if role is Role.RECRUITMENT_OFFICER:
        db_session.get(Household, concern.application.household_id).allocated_worker_id = viewer.id
        db_session.flush()
    return viewer


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_household_checks_show_the_outcome_only_to_its_roles_and_audit_each_view(client, auth, db_session, team,
                                                                                 concern, role):
    viewer = viewer_for(role, db_session, team, concern)
    auth.login(viewer)
    response = client.get(f"/households/{concern.application.household_id}/checks")
    if role not in OPENS_HOUSEHOLDS:
        assert response.status_code == 403
        assert outcome_views(db_session, concern) == []
        return
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Received 20 Mar 2026" in html
    if role in SEES_OUTCOMES:
        assert CONCERN_BADGE in html and ">Outcome<" in html
        views = outcome_views(db_session, concern)
        assert [(v.actor_id, v.detail) for v in views] == [(viewer.id, {"where": "household"})]
    else:
        assert CONCERN_BADGE not in html and ">Outcome<" not in html and "Concern" not in html
        assert outcome_views(db_session, concern) == []


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_the_check_page_is_for_the_outcome_roles_only_and_audits_the_view(client, auth, db_session, team, concern,
                                                                          role):
    viewer = viewer_for(role, db_session, team, concern)
    auth.login(viewer)
    response = client.get(f"/checks/{concern.id}")
    if role not in SEES_OUTCOMES:
        assert response.status_code == 403
        assert outcome_views(db_session, concern) == []
        return
    assert response.status_code == 200 and CONCERN_BADGE in response.get_data(as_text=True)
    assert [(v.actor_id, v.detail) for v in outcome_views(db_session, concern)] == [
        (viewer.id, {"where": "check page"})]


def test_every_change_of_an_outcome_is_audited(db_session, concern, worker):
    actions = db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "check", AuditEvent.object_id == str(concern.id)).order_by(AuditEvent.id)).all()
    assert actions == ["check_created", "check_requested", "check_received"]


def test_the_partial_for_the_household_page(app, db_session, team, concern):
    """household_checks() and the partial, as the household page includes them."""
    household = db_session.get(Household, concern.application.household_id)
    for role, shown in ((Role.ASSESSING_SOCIAL_WORKER, True), (Role.RECRUITMENT_OFFICER, False)):
        viewer = UserFactory(roles=[role], team_id=team.id)
        with app.test_request_context():
            g.hearth_session = db_session
            data = queries.household_checks(household, viewer, today=TODAY)
            html = render_template("checks/_household_checks.html", household_checks=data)
            g.pop("hearth_session")
        assert (data["show_outcomes"], data["outcomes_shown"], CONCERN_BADGE in html) == (shown, int(shown), shown)
        assert len([v for v in outcome_views(db_session, concern) if v.actor_id == viewer.id]) == int(shown)
        assert "Enhanced DBS check" in html and 'id="statutory-checks"' in html
