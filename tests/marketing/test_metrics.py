"""The monthly figures entered by hand: a month's website visits and followers per platform, the table by month,
changing and clearing a month's values; every refusal stores nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.errors import DomainError
from crm.marketing.figures import set_month_figures
from crm.marketing.models import MarketingMetric
from tests.helpers import count, post
from tests.marketing.conftest import text

NEW = "/marketing/metrics/new"


def stored(db_session) -> dict[tuple[date, str, str], int]:
    db_session.expire_all()
    return {(m.month, m.metric, m.platform): m.value for m in db_session.scalars(select(MarketingMetric))}


def test_entering_a_month_stores_the_figures_given(signed_in, db_session):
    response = post(signed_in, NEW, None, {"month": ["10", "2026"], "website_visits": "12,500",
                                           "followers_facebook": "1200", "followers_tiktok": "0"})
    assert response.status_code == 302
    assert stored(db_session) == {(date(2026, 10, 1), "website_visits", ""): 12500,
                                  (date(2026, 10, 1), "social_followers", "facebook"): 1200,
                                  (date(2026, 10, 1), "social_followers", "tiktok"): 0}
    html = text(signed_in.get("/marketing/metrics"))
    assert "Figures saved for October 2026." in html
    row = html.split("October 2026</th>")[1].split("</tr>")[0]
    cells = [cell.split(">")[1].split("<")[0] for cell in row.split("<td")[1:8]]
    assert cells == ["12,500", "1,200", "–", "–", "0", "–", "–"]  # visits, Facebook, Instagram, X, TikTok, ...
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "marketing_figures_set"))
    assert audit.object_id == "2026-10-01" and audit.detail["changes"]["social_followers:facebook"] == [None, 1200]


def test_the_table_shows_the_latest_month_first(signed_in):
    for month in ("9", "11", "10"):
        post(signed_in, NEW, None, {"month": [month, "2026"], "website_visits": "1"})
    html = text(signed_in.get("/marketing/metrics")).split('id="monthly-figures"')[1]
    assert html.index("November 2026") < html.index("October 2026") < html.index("September 2026")


def test_changing_a_month_replaces_and_clears_its_values(signed_in, db_session):
    post(signed_in, NEW, None, {"month": ["10", "2026"], "website_visits": "12,500", "followers_facebook": "1200"})
    page = "/marketing/metrics/2026-10"
    form = text(signed_in.get(page))
    assert 'value="12,500"' in form and 'value="1,200"' in form
    response = post(signed_in, page, None, {"website_visits": "13000", "followers_facebook": "",
                                            "followers_x": "88"})
    assert response.status_code == 302
    assert stored(db_session) == {(date(2026, 10, 1), "website_visits", ""): 13000,
                                  (date(2026, 10, 1), "social_followers", "x"): 88}
    audits = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "marketing_figures_set")
                                .order_by(AuditEvent.id)).all()
    assert audits[-1].detail["changes"] == {"website_visits": [12500, 13000],
                                            "social_followers:facebook": [1200, None],
                                            "social_followers:x": [None, 88]}


def test_a_month_with_figures_is_changed_from_its_own_page_not_entered_again(signed_in, db_session):
    post(signed_in, NEW, None, {"month": ["10", "2026"], "website_visits": "12,500"})
    response = post(signed_in, NEW, None, {"month": ["10", "2026"], "website_visits": "1"})
    assert response.status_code == 400
    assert "October 2026 already has figures: choose Change beside it" in text(response)
    assert stored(db_session) == {(date(2026, 10, 1), "website_visits", ""): 12500}


@pytest.mark.parametrize(("data", "message"), [
    ({"month": ["10", "2026"], "website_visits": "-5"}, "Website visits must be 0 or more"),
    ({"month": ["10", "2026"], "website_visits": "abc"}, "Website visits must be a whole number, like 12,500"),
    ({"month": ["10", "2026"], "followers_instagram": "1.5"}, "Instagram followers must be a whole number"),
    ({"month": ["10", "2026"], "followers_linkedin": "12,34"}, "LinkedIn followers must be a whole number"),
    ({"month": ["10", "2026"], "website_visits": "9" * 20}, "Website visits must be a whole number"),
    ({"month": ["0", "2026"], "website_visits": "5"}, "Month must be a real month, for example 3 2026"),
    ({"month": ["10", "26000"], "website_visits": "5"}, "Month must be a real month"),
    ({"website_visits": "5"}, "Enter the month"),
])
def test_figures_the_rules_refuse_are_not_stored(signed_in, db_session, data, message):
    before = count(db_session, AuditEvent)
    response = post(signed_in, NEW, None, data)
    assert response.status_code == 400
    assert "There is a problem" in text(response) and message in text(response)
    assert stored(db_session) == {} and count(db_session, AuditEvent) == before


def test_a_month_page_refuses_bad_figures_and_keeps_the_old_ones(signed_in, db_session):
    post(signed_in, NEW, None, {"month": ["10", "2026"], "website_visits": "12,500"})
    response = post(signed_in, "/marketing/metrics/2026-10", None, {"website_visits": "lots"})
    assert response.status_code == 400 and "Website visits must be a whole number" in text(response)
    assert stored(db_session) == {(date(2026, 10, 1), "website_visits", ""): 12500}


def test_a_month_address_that_is_not_a_month_is_not_found(signed_in):
    assert signed_in.get("/marketing/metrics/2026-13").status_code == 404
    assert signed_in.get("/marketing/metrics/October").status_code == 404


def test_platform_names_are_stored_in_lower_case_and_unknown_platforms_refused(app_context, officer, db_session):
    set_month_figures(date(2026, 10, 17), {("social_followers", " Facebook "): 5, ("social_followers", "TIKTOK"): 7},
                      actor=officer)
    assert stored(db_session) == {(date(2026, 10, 1), "social_followers", "facebook"): 5,
                                  (date(2026, 10, 1), "social_followers", "tiktok"): 7}
    with pytest.raises(DomainError, match="Enter figures only for website visits and the platforms listed"):
        set_month_figures(date(2026, 10, 1), {("social_followers", "MySpace"): 5}, actor=officer)
    with pytest.raises(DomainError, match="Figures must be whole numbers of 0 or more"):
        set_month_figures(date(2026, 10, 1), {("website_visits", ""): -1}, actor=officer)
