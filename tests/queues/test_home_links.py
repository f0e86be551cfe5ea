"""The home page leads into the work queues with the right filters and counts."""
from __future__ import annotations

import re
from datetime import timedelta

from crm import clock
from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.funnel.stages import Stage, Status
from tests.factories import TeamFactory, UserFactory
from tests.queues.helpers import application, household_ids, links


def stage_row(html: str, label: str) -> list[str]:
    table = re.search(r'<table class="govuk-table" id="queue-stages">(.*?)</table>', html, re.S).group(1)
    row = re.search(rf'<th scope="row"[^>]*>{label}</th>(.*?)</tr>', table, re.S).group(1)
    return [re.sub(r"<span.*?</span>|<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_a_worker_gets_my_households_my_team_and_counts_per_stage(client, auth):
    team = TeamFactory()
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER], team=team)
    colleague = UserFactory(roles=[Role.STAGE_ONE_WORKER], team=team)
    application(worker, team=team, stage=Stage.STAGE_1)
    application(worker, team=team, stage=Stage.STAGE_1)
    application(worker, team=team, stage=Stage.STAGE_2)
    application(worker, team=team, stage=Stage.STAGE_2, status=Status.WITHDRAWN)
    application(colleague, team=team, stage=Stage.STAGE_1)
    auth.login(worker)
    html = client.get("/").get_data(as_text=True)
    assert 'My households: <a class="govuk-link" href="/queue">3 open applications' in html
    assert 'My team&#39;s households: <a class="govuk-link" href="/queue?scope=team">4 open applications' in html
    assert 'All households you can see: <a class="govuk-link" href="/queue?scope=all">4 open applications' in html
    assert stage_row(html, "Stage 1") == ["2", "3", "3"]
    assert stage_row(html, "Stage 2") == ["1", "1", "1"]
    assert stage_row(html, "Panel") == ["0", "0", "0"]
    stage_1_team = re.search(r'href="([^"]+)">3<span class="govuk-visually-hidden"> in Stage 1, your team', html).group(1)
    assert stage_1_team.replace("&amp;", "&") == "/queue?scope=team&stage=stage_1"
    assert len(household_ids(client.get(stage_1_team.replace("&amp;", "&")).get_data(as_text=True))) == 3


def test_a_manager_gets_everything_and_the_first_response_queue(client, auth, db_session):
    now = clock.now()
    for due in (-3, 5):
        household = application(stage=Stage.ENQUIRY).household
        db_session.add(EnquiryContact(household=household, method=ContactMethod.PHONE, received_at=now,
                                      first_response_due_at=now + timedelta(hours=due)))
    application(stage=Stage.PANEL)
    db_session.flush()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/").get_data(as_text=True)
    assert 'All households you can see: <a class="govuk-link" href="/queue">3 open applications' in html
    assert links(html, "govuk-link")["2, 1 overdue"] == "/enquiries/awaiting-response"
    assert stage_row(html, "Enquiry") == ["0", "2"]  # my households, all
    assert 'href="/queue?stage=panel"' in html


def test_marketing_gets_no_queue_links(client, auth):
    application()
    auth.login(UserFactory(roles=[Role.MARKETING_OFFICER]))
    html = client.get("/").get_data(as_text=True)
    assert "queue-stages" not in html and 'href="/queue' not in html
