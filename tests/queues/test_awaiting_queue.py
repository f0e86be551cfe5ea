"""The enquiries-awaiting-first-response queue: due soonest first, filters, sort, pagination, SQL cost, audit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.funnel.stages import Stage
from crm.marketing.models import Channel
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.queues.helpers import StatementCounter, application, household_ids, links, page_summary

URL = "/enquiries/awaiting-response"


def contact(db_session, *, due_in_hours: float, received_hours_ago: float = 30, method=ContactMethod.PHONE,
            channel=None, stage=Stage.ENQUIRY, answered=False, **person):
    """An enquiry from a new household, due `due_in_hours` from now (negative: overdue)."""
    now = clock.now()
    household = application(stage=stage, **person).household
    made = EnquiryContact(household=household, method=method, channel=channel,
                          received_at=now - timedelta(hours=received_hours_ago),
                          first_response_due_at=now + timedelta(hours=due_in_hours),
                          first_responded_at=now if answered else None)
    db_session.add(made)
    db_session.flush()
    return made


def shown(client, **query) -> list[int]:
    response = client.get(URL, query_string=query)
    assert response.status_code == 200
    return household_ids(response.get_data(as_text=True), "awaiting-response")


def ids(*contacts) -> list[int]:
    return [c.household_id for c in contacts]


@pytest.fixture
def officer(client, auth):
    user = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    auth.login(user)
    return user


def test_due_soonest_first_so_the_overdue_lead(client, db_session, officer):
    later = contact(db_session, due_in_hours=30)
    overdue = contact(db_session, due_in_hours=-5)
    soon = contact(db_session, due_in_hours=2)
    contact(db_session, due_in_hours=-50, answered=True)
    html = client.get(URL).get_data(as_text=True)
    assert household_ids(html, "awaiting-response") == ids(overdue, soon, later)
    assert "3 enquiries." in html and "1 of them past the time to respond" in html
    assert shown(client, sort="due", order="desc") == ids(later, soon, overdue)


def test_sort_by_received_and_by_household(client, db_session, officer):
    old = contact(db_session, due_in_hours=1, received_hours_ago=60, last_name="Zed")
    new = contact(db_session, due_in_hours=2, received_hours_ago=1, last_name="abbott")
    assert shown(client, sort="received") == ids(new, old)  # newest first on the first click
    assert shown(client, sort="received", order="asc") == ids(old, new)
    assert shown(client, sort="household", order="asc") == ids(new, old)
    assert shown(client, sort="household", order="desc") == ids(old, new)


def test_filter_by_method_channel_and_overdue(client, db_session, officer):
    digital = db_session.scalars(select(Channel).where(Channel.name == "digital", Channel.parent_id.is_(None))).one()
    google = db_session.scalars(select(Channel).where(Channel.name == "Google Ads")).one()
    other = db_session.scalars(select(Channel).where(Channel.parent_id.is_(None), Channel.name != "digital")).first()
    by_phone = contact(db_session, due_in_hours=-1, method=ContactMethod.PHONE, channel=google)
    by_web = contact(db_session, due_in_hours=3, method=ContactMethod.WEB, channel=digital)
    walk_in = contact(db_session, due_in_hours=5, method=ContactMethod.WALK_IN, channel=other)
    assert shown(client, method="phone") == ids(by_phone)
    assert shown(client, method=["web", "walk_in"]) == ids(by_web, walk_in)
    assert shown(client, channel=str(digital.id)) == ids(by_phone, by_web)  # digital takes in Google Ads
    assert shown(client, channel=str(google.id)) == ids(by_phone)
    assert shown(client, overdue="y") == ids(by_phone)
    assert shown(client, overdue="y", method="web") == []
    html = client.get(URL, query_string={"overdue": "y", "method": "web"}).get_data(as_text=True)
    assert "No enquiries awaiting a first response match these filters" in html
    tags = links(html, "moj-filter__tag")
    assert set(tags) == {"Website", "Overdue only"} and "overdue" not in tags["Overdue only"]


def test_pagination_keeps_filters_and_sort(client, db_session, officer):
    made = [contact(db_session, due_in_hours=n, method=ContactMethod.EMAIL) for n in range(26)]
    contact(db_session, due_in_hours=-1, method=ContactMethod.PHONE)
    html = client.get(URL, query_string={"method": "email", "sort": "due", "order": "desc"}).get_data(as_text=True)
    assert page_summary(html) == "Showing 1 to 25 of 26 enquiries."
    assert household_ids(html, "awaiting-response") == ids(*reversed(made[1:]))
    following = links(html, "govuk-link govuk-pagination__link")["Next page"]
    assert all(part in following for part in ("method=email", "sort=due", "order=desc", "page=2"))
    last = client.get(following).get_data(as_text=True)
    assert household_ids(last, "awaiting-response") == ids(made[0])
    assert page_summary(last) == "Showing 26 to 26 of 26 enquiries."
    assert shown(client, method="email", page="40") == ids(made[25])  # past the end: the last page, sorted due first


def test_responding_returns_to_the_same_filtered_page(client, db_session, officer):
    answered = contact(db_session, due_in_hours=1, method=ContactMethod.WEB)
    contact(db_session, due_in_hours=2, method=ContactMethod.WEB)
    html = client.get(URL, query_string={"method": "web", "sort": "received"}).get_data(as_text=True)
    response = client.post(f"/enquiries/{answered.id}/first-response?method=web&sort=received&contact_id=9&_external=1",
                           data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{URL}?method=web&sort=received"
    db_session.refresh(answered)
    assert answered.first_responded_by_id == officer.id


def test_an_officer_does_not_see_enquiries_from_households_beyond_registration_of_interest(client, db_session, officer):
    visible = contact(db_session, due_in_hours=1)
    contact(db_session, due_in_hours=1, stage=Stage.STAGE_1)
    assert shown(client) == ids(visible)


def test_a_page_costs_the_same_statements_whatever_its_length(client, app, db_session, officer):
    google = db_session.scalars(select(Channel).where(Channel.name == "Google Ads")).one()
    for n in range(2):
        contact(db_session, due_in_hours=n, channel=google)
    with StatementCounter(app) as few:
        client.get(URL)
    channels = db_session.scalars(select(Channel).where(Channel.parent_id.is_not(None))).all()
    for n in range(30):
        contact(db_session, due_in_hours=n, channel=channels[n % len(channels)])
    with StatementCounter(app) as many:
        assert len(shown(client)) == 25
    assert many.count == few.count <= 12


def test_viewing_the_queue_is_audited(client, db_session, officer):
    contact(db_session, due_in_hours=1)
    client.get(URL, query_string={"method": "phone"})
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "viewed_work_queue",
                                                        AuditEvent.actor_id == officer.id)).one()
    assert event.detail == {"queue": "awaiting_first_response", "filters": {"method": ["phone"]}, "page": 1,
                            "results": 1}


@pytest.mark.parametrize("query", ["page=-3", "page=abc", "sort=nonsense", "sort=method", "order=up", "method=fax",
                                   "channel=abc", "channel=99999999999999999999999", "overdue=maybe", "channel=%00",
                                   "page=99999999999999999999"])
def test_bad_query_strings_give_a_clear_page(client, db_session, officer, query):
    contact(db_session, due_in_hours=1)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert len(household_ids(response.get_data(as_text=True), "awaiting-response")) == 1
