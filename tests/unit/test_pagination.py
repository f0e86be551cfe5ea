"""crm.pagination: page numbers from a query string, a counted page of a select, and the pagination links."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from crm.households.models import Household
from crm.pagination import Page, clamp, links, page_url, paginate, requested_page
from tests.factories import HouseholdFactory


@pytest.mark.parametrize("raw, page", [(None, 1), ("", 1), ("3", 3), ("-3", 1), ("0", 1), ("abc", 1), ("2.5", 1),
                                       ("²", 1), ("9" * 5000, 1), ("99999999999", 100_000),
                                       ("100000000000000000000", 100_000)])
def test_requested_page(raw, page):
    assert requested_page(raw) == page


@pytest.mark.parametrize("number, total, expected", [(1, 0, 1), (2, 25, 1), (2, 26, 2), (99, 312, 13), (-1, 30, 1)])
def test_a_page_past_the_end_is_the_last_page(number, total, expected):
    assert clamp(number, total) == expected


def test_page_positions():
    page = Page(items=list(range(25)), total=312, number=2)
    assert (page.first, page.last, page.pages) == (26, 50, 13)
    assert Page(items=[], total=0, number=1).first == 0
    assert Page(items=list(range(10)), total=30, number=3, size=10).map(str).items[0] == "0"


def test_pagination_links_with_ellipses():
    params = links(Page(items=list(range(25)), total=312, number=7), lambda n: f"/q?page={n}")
    numbers = [item.get("number", "...") for item in params["items"]]
    assert numbers == [1, "...", 6, 7, 8, "...", 13]
    assert params["previous"]["href"] == "/q?page=6" and params["next"]["href"] == "/q?page=8"
    assert [i["number"] for i in params["items"] if i.get("current")] == [7]


def test_pagination_fills_a_gap_of_one_page_and_has_no_previous_on_page_one():
    params = links(Page(items=list(range(25)), total=100, number=1), lambda n: str(n))
    assert [item.get("number", "...") for item in params["items"]] == [1, 2, 3, 4]  # an ellipsis would hide just 3
    assert params["previous"] is None
    params = links(Page(items=list(range(25)), total=125, number=1), lambda n: str(n))
    assert [item.get("number", "...") for item in params["items"]] == [1, 2, "...", 5]
    assert links(Page(items=[1], total=1, number=1), str) is None


def test_a_page_link_keeps_the_other_query_arguments(app):
    with app.test_request_context("/queue?stage=stage_1&stage=stage_2&q=ann&page=7"):
        second = urlsplit(page_url(2))
        assert second.path == "/queue"
        assert parse_qs(second.query) == {"stage": ["stage_1", "stage_2"], "q": ["ann"], "page": ["2"]}
        assert "page" not in parse_qs(urlsplit(page_url(1)).query)  # page 1 is the list's own address
        assert urlsplit(page_url(3, "checks.queue")).path == "/checks"


def test_a_page_link_keeps_the_address_of_the_page(app):
    with app.test_request_context("/reports/activity/households?by=method&page=2"):
        assert urlsplit(page_url(3)).path == "/reports/activity/households"
        assert links(Page(list(range(100)), 250, 2, 100))["next"]["href"].endswith("by=method&page=3")


def test_paginate_counts_clamps_and_gives_entities_or_rows(app_context, db_session):
    made = sorted((HouseholdFactory() for _ in range(7)), key=lambda h: h.reference)
    db_session.flush()
    query = select(Household).where(Household.id.in_([h.id for h in made])).order_by(Household.reference)
    last = paginate(query, 99, size=3)
    assert (last.total, last.number, last.items) == (7, 3, made[6:])
    rows = paginate(query.with_only_columns(Household.id, Household.reference), 2, size=3)
    assert [tuple(row) for row in rows.items] == [(h.id, h.reference) for h in made[3:6]]
    assert paginate(query, 1, total=99).total == 99  # a total the caller knows is not counted again
