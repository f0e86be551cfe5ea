"""The applications work queue: scopes, filters, search, sort, pagination, visibility, SQL cost, bad input, access."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage, Status
from tests.factories import ApplicationFactory, PartnerAuthorityFactory, TeamFactory, UserFactory
from tests.queues.helpers import (StatementCounter, application, household_ids, links, page_summary,
                                  stage_counts)


def ids(*applications) -> list[int]:
    return [a.household.id for a in applications]


def shown(client, **query) -> list[int]:
    response = client.get("/queue", query_string=query)
    assert response.status_code == 200
    return household_ids(response.get_data(as_text=True))


@pytest.fixture
def team_of_two(db_session):
    team = TeamFactory()
    return team, UserFactory(roles=[Role.STAGE_ONE_WORKER], team=team), UserFactory(roles=[Role.STAGE_ONE_WORKER], team=team)


def test_a_worker_starts_from_my_households_and_can_widen_to_the_team(client, auth, team_of_two):
    team, worker, colleague = team_of_two
    mine_old = application(worker, team=team, days=40)
    mine_new = application(worker, team=team, days=5)
    application(worker, team=team, status=Status.WITHDRAWN)
    theirs = application(colleague, team=team, days=20)
    application(UserFactory(roles=[Role.STAGE_ONE_WORKER], team=TeamFactory()), days=90)  # another team's
    auth.login(worker)
    assert shown(client) == ids(mine_old, mine_new)  # longest in stage first
    assert shown(client, scope="team") == ids(mine_old, theirs, mine_new)
    assert shown(client, scope="all") == ids(mine_old, theirs, mine_new)  # all they may see is their team's


def test_a_manager_starts_from_everything(client, auth, team_of_two):
    team, worker, colleague = team_of_two
    first = application(worker, team=team, days=30)
    second = application(colleague, team=team, days=20)
    unallocated = application(None, days=10)
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert shown(client) == ids(first, second, unallocated)
    assert shown(client, scope="mine") == []


@pytest.fixture
def mixed(db_session):
    """Seven applications spread over stages, service lines, statuses and partner authorities."""
    north, south = PartnerAuthorityFactory(name="North Council"), PartnerAuthorityFactory(name="South Council")
    made = {
        "enquiry": application(stage=Stage.ENQUIRY, days=70, partner_authority=north),
        "stage1_adoption": application(stage=Stage.STAGE_1, days=60, partner_authority=north),
        "stage1_fostering": application(stage=Stage.STAGE_1, line="fostering_mainstream", days=50, partner_authority=south),
        "stage1_on_hold": application(stage=Stage.STAGE_1, status=Status.ON_HOLD, days=40, partner_authority=south),
        "stage2": application(stage=Stage.STAGE_2, line="fostering_mainstream", days=30),
        "withdrawn": application(stage=Stage.STAGE_1, status=Status.WITHDRAWN, days=20, partner_authority=north),
        "approved": application(stage=Stage.APPROVED, status=Status.APPROVED, days=10),
    }
    made["authorities"] = (north, south)
    return made


def test_each_filter_narrows_the_list(client, auth, mixed):
    north, south = mixed["authorities"]
    auth.login(UserFactory(roles=[Role.MANAGER]))
    m = mixed
    assert shown(client) == ids(m["enquiry"], m["stage1_adoption"], m["stage1_fostering"], m["stage1_on_hold"], m["stage2"])
    assert shown(client, stage="stage_1") == ids(m["stage1_adoption"], m["stage1_fostering"], m["stage1_on_hold"])
    assert shown(client, stage=["stage_2", "enquiry"]) == ids(m["enquiry"], m["stage2"])
    assert shown(client, service_line="fostering_mainstream") == ids(m["stage1_fostering"], m["stage2"])
    assert shown(client, status="on_hold") == ids(m["stage1_on_hold"])
    assert shown(client, status=["withdrawn", "approved"]) == ids(m["withdrawn"], m["approved"])
    assert len(shown(client, status="")) == 7  # any status
    assert shown(client, authority=str(north.id)) == ids(m["enquiry"], m["stage1_adoption"])
    assert shown(client, authority=str(south.id), stage="stage_1", status="active") == ids(m["stage1_fostering"])


def test_the_stage_counts_follow_every_filter_but_the_stage_and_link_to_their_stage(client, auth, mixed):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/queue", query_string={"stage": "stage_2", "service_line": "fostering_mainstream"}).get_data(as_text=True)
    counts = stage_counts(html)
    assert counts["All stages"] == 2 and counts["Stage 1"] == 1 and counts["Stage 2"] == 1 and counts["Enquiry"] == 0
    assert page_summary(html) == "1 application."
    stage_1 = links(html, "moj-sub-navigation__link")["Stage 1 (1)"]
    assert "stage=stage_1" in stage_1 and "service_line=fostering_mainstream" in stage_1 and "stage_2" not in stage_1
    assert 'aria-current="page">Stage 2 (1)' in html


def test_selected_filters_show_as_tags_that_remove_themselves(client, auth, mixed):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/queue", query_string={"stage": ["stage_1", "stage_2"], "q": "x"}).get_data(as_text=True)
    tags = links(html, "moj-filter__tag")
    assert set(tags) == {"Stage 1", "Stage 2", "“x”", "Active", "On hold"}
    assert "stage=stage_2" in tags["Stage 1"] and "stage=stage_1" not in tags["Stage 1"]
    assert "q=" not in tags["“x”"]
    assert "status=on_hold" in tags["Active"]
    clear = links(html, "govuk-link govuk-link--no-visited-state")["Clear filters"]
    assert "stage" not in clear and "status=" in clear
    assert len(shown(client, **{"status": ""})) == 7


@pytest.mark.parametrize("query", ["Zebedee", "zebedee quill", "QUILL", "REFQ1", "refq1", "zq@example.org", "ZQ@EXAMPLE",
                                   "01632 960 123", "01632960123", "+44 1632 960123", "+44 (0)1632 960-123", "960123",
                                   "AB12CD", "ab1 2cd", "ab12cd"])
def test_search_by_name_reference_email_phone_and_postcode(client, auth, query):
    wanted = application(first_name="Zebedee", last_name="Quill", reference="REFQ1", email="zq@example.org",
                         phone="+44 1632 960123", postcode="AB1 2CD")
    application(first_name="Someone", last_name="Else", reference="REFZZ", email="se@example.org",
                phone="07700 900999", postcode="ZZ9 9ZZ")
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert shown(client, q=query) == ids(wanted)


def test_search_finds_a_number_stored_the_national_way_from_the_international_one(client, auth):
    wanted = application(phone="(01632) 960-123")
    application(phone="01632 960 999")
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert shown(client, q="+441632960123") == ids(wanted)
    assert shown(client, q="%") == [] and shown(client, q="_") == []  # LIKE wildcards are just characters


def test_sorting_each_way(client, auth, db_session):
    team_a, team_b = TeamFactory(name="Alpha team"), TeamFactory(name="Beta team")
    ann = UserFactory(roles=[Role.STAGE_ONE_WORKER], full_name="Ann Able", team=team_a)
    bob = UserFactory(roles=[Role.STAGE_ONE_WORKER], full_name="Bob Brown", team=team_b)
    young = application(ann, team=team_a, stage=Stage.STAGE_2, days=5, last_name="Young", line="fostering_mainstream")
    adams = application(bob, team=team_b, stage=Stage.ENQUIRY, days=50, last_name="adams")
    mid = application(None, stage=Stage.INITIAL_VISIT, days=20, last_name="Middleton", line="early_permanence")
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert shown(client) == ids(adams, mid, young)  # default: days in stage, longest first
    assert shown(client, sort="days", order="asc") == ids(young, mid, adams)
    assert shown(client, sort="household", order="asc") == ids(adams, mid, young)  # case-insensitive surname
    assert shown(client, sort="household", order="desc") == ids(young, mid, adams)
    assert shown(client, sort="stage", order="asc") == ids(adams, mid, young)  # funnel order, not alphabetical
    assert shown(client, sort="stage", order="desc") == ids(young, mid, adams)
    assert shown(client, sort="service_line", order="asc") == ids(adams, mid, young)  # Adoption, Early p., Mainstream
    assert shown(client, sort="worker", order="asc") == ids(young, adams, mid)  # not allocated goes last
    assert shown(client, sort="worker", order="desc") == ids(adams, young, mid)
    assert shown(client, sort="activity", order="desc") == ids(young, mid, adams)
    assert shown(client, sort="activity", order="asc") == ids(adams, mid, young)


def test_sorted_headers_say_so_and_link_the_other_way(client, auth):
    application()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/queue", query_string={"sort": "household", "order": "asc", "stage": "stage_1"}).get_data(as_text=True)
    assert html.count('aria-sort="ascending"') == 1 and html.count('aria-sort="descending"') == 0
    header = links(html, "govuk-link govuk-link--no-visited-state")
    assert "sort=household" in header["Household ▲"] and "order=desc" in header["Household ▲"]
    assert "stage=stage_1" in header["Household ▲"]  # filters survive a change of sort
    assert "sort=" not in header["Days in stage"]  # longest first on the first click: the default sort


def test_last_activity_counts_events_and_contacts(client, auth, db_session):
    quiet = application(days=40)
    called = application(days=40)
    db_session.add(EnquiryContact(household=called.household, method=ContactMethod.PHONE,
                                  received_at=clock.now() - timedelta(days=2)))
    moved = application(days=40)
    moved.events.append(StageEvent(kind=EventKind.ON_HOLD, occurred_on=clock.today() - timedelta(days=5), reason="x"))
    undone = application(days=40)
    undone.events.append(StageEvent(kind=EventKind.ON_HOLD, occurred_on=clock.today(), reason="x",
                                    undone_at=clock.now()))
    db_session.flush()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert shown(client, sort="activity", order="desc")[:2] == ids(called, moved)
    assert set(shown(client, sort="activity", order="desc")[2:]) == set(ids(quiet, undone))


def test_days_in_stage_against_the_timescale(client, auth, travel):
    travel(date(2026, 11, 23))  # Stage 1 entered 70 days before, on 14 September: two months are 61 days
    application(stage=Stage.STAGE_1, days=70)  # adoption Stage 1: 2 months, so overdue
    application(stage=Stage.STAGE_1, days=50)  # past 75% of about 61 days
    application(stage=Stage.STAGE_1, days=5)
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/queue").get_data(as_text=True)
    assert len(re.findall(r'govuk-tag--red[^"]*">Overdue<', html)) == 1
    assert len(re.findall(r'govuk-tag--orange[^"]*">At risk<', html)) == 1
    assert "day 70 of 61" in html and "day 5 of 61" in html


def test_pagination_boundaries(client, auth):
    made = [application(days=100 - n) for n in range(26)]
    auth.login(UserFactory(roles=[Role.MANAGER]))
    first = client.get("/queue").get_data(as_text=True)
    assert household_ids(first) == ids(*made[:25])
    assert page_summary(first) == "Showing 1 to 25 of 26 applications."
    pages = links(first, "govuk-link govuk-pagination__link")
    assert "page=2" in pages["Next page"] and "Previous page" not in pages
    last = client.get("/queue", query_string={"page": 2}).get_data(as_text=True)
    assert household_ids(last) == ids(made[25])
    assert page_summary(last) == "Showing 26 to 26 of 26 applications."
    assert household_ids(client.get("/queue?page=99").get_data(as_text=True)) == ids(made[25])  # past the end: the last
    for bad in ("-3", "abc", "0", ""):
        assert household_ids(client.get(f"/queue?page={bad}").get_data(as_text=True)) == ids(*made[:25])


def test_exactly_one_page_has_no_pagination(client, auth):
    for n in range(25):
        application(days=n)
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/queue").get_data(as_text=True)
    assert page_summary(html) == "25 applications." and "govuk-pagination" not in html
    assert len(household_ids(html)) == 25


def test_filters_and_sort_survive_paging(client, auth):
    for n in range(30):
        application(days=n, line="fostering_mainstream" if n % 10 else "adoption")
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/queue", query_string={"service_line": "fostering_mainstream", "sort": "days", "order": "asc"}).get_data(as_text=True)
    assert page_summary(html) == "Showing 1 to 25 of 27 applications."
    following = links(html, "govuk-link govuk-pagination__link")["Next page"]
    assert all(part in following for part in ("service_line=fostering_mainstream", "sort=days", "order=asc", "page=2"))
    assert page_summary(client.get(following).get_data(as_text=True)) == "Showing 26 to 27 of 27 applications."


def test_a_recruitment_officer_sees_nothing_beyond_registration_of_interest(client, auth):
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    roi = application(stage=Stage.REGISTRATION_OF_INTEREST)
    application(stage=Stage.STAGE_1)
    # One household, two applications: its fostering one in Stage 1 hides the whole household.
    both = application(stage=Stage.REGISTRATION_OF_INTEREST)
    ApplicationFactory(household=both.household, stage=Stage.STAGE_1, service_line_code="fostering_mainstream")
    own = application(officer, stage=Stage.STAGE_1)
    auth.login(officer)
    assert shown(client) == ids(own)
    assert set(shown(client, scope="all", status="")) == set(ids(roi, own))
    assert shown(client, q=both.household.reference, scope="all") == []


def test_my_households_are_only_mine(client, auth, team_of_two):
    team, worker, colleague = team_of_two
    mine = application(worker, team=team)
    application(colleague, team=team)
    auth.login(worker)
    assert shown(client, scope="mine", status="") == ids(mine)


def test_a_page_costs_the_same_statements_whatever_its_length(client, app, auth):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    for n in range(3):
        application(days=n)
    with StatementCounter(app) as few:
        client.get("/queue")
    for n in range(40):
        team = TeamFactory()
        application(UserFactory(roles=[Role.STAGE_ONE_WORKER], team=team), team=team, days=n,
                    partner_authority=PartnerAuthorityFactory())
    with StatementCounter(app) as many:
        html = client.get("/queue").get_data(as_text=True)
    assert len(household_ids(html)) == 25
    assert many.count == few.count <= 12


@pytest.mark.parametrize("query", [
    "page=-3", "page=abc", "page=99999999999999999999999", "sort=nonsense", "sort=days&order=sideways",
    "stage=bogus", "stage=", "service_line=knitting", "status=gone", "authority=abc", "authority=99999999999999999999999",
    "scope=everyone", "scope=team", "q=%25", "q=%00", "q=" + "x" * 5000, "q=';drop table households;--",
    "stage=stage_1&stage=stage_1&page=2", "sort=activity&order=asc&q=0", "q=%2B44",
])
def test_bad_query_strings_give_a_clear_page(client, auth, query):
    application()
    auth.login(UserFactory(roles=[Role.STAGE_ONE_WORKER]))  # no team: "team" is not theirs to ask for
    response = client.get(f"/queue?{query}")
    assert response.status_code == 200
    assert "Work queue" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [
    (Role.RECRUITMENT_OFFICER, 200), (Role.STAGE_ONE_WORKER, 200), (Role.ASSESSING_SOCIAL_WORKER, 200),
    (Role.MANAGER, 200), (Role.MARKETING_OFFICER, 403), (Role.ADMINISTRATOR, 403)])
def test_who_may_use_the_queue(client, auth, role, status):
    auth.login(UserFactory(roles=[role]))
    assert client.get("/queue").status_code == status
    assert ('href="/queue"' in client.get("/").get_data(as_text=True)) is (status == 200)


def test_a_visitor_is_asked_to_sign_in(client):
    response = client.get("/queue")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_viewing_the_queue_is_audited_without_the_search_words(client, auth, db_session):
    application(last_name="Quillfeather")
    manager = UserFactory(roles=[Role.MANAGER])
    auth.login(manager)
    client.get("/queue", query_string={"q": "Quillfeather", "stage": "stage_1"})
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "viewed_work_queue",
                                                        AuditEvent.actor_id == manager.id)).one()
    assert event.detail == {"queue": "applications", "filters": {"stage": ["stage_1"]}, "searched": True,
                            "page": 1, "results": 1}
    assert "Quillfeather" not in str(event.detail)
