"""The pure parts of a queue page: page numbers, sort toggling, and reading filters leniently."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from crm.enquiries.models import ContactMethod
from crm.funnel.stages import Stage, Status
from crm.queues.filters import ALL, MINE, TEAM, parse_applications, parse_awaiting
from crm.queues.pagination import Page, clamp, pagination, requested_page
from crm.queues.sorting import Column, Sort, headers, requested_sort


@pytest.mark.parametrize("raw, page", [(None, 1), ("", 1), ("3", 3), ("-3", 1), ("0", 1), ("abc", 1), ("2.5", 1),
                                       ("9" * 5000, 1), ("99999999999", 100_000)])
def test_requested_page(raw, page):
    assert requested_page(raw) == page


@pytest.mark.parametrize("number, total, expected", [(1, 0, 1), (2, 25, 1), (2, 26, 2), (99, 312, 13), (-1, 30, 1)])
def test_a_page_past_the_end_is_the_last_page(number, total, expected):
    assert clamp(number, total) == expected


def test_page_positions():
    page = Page(items=list(range(25)), total=312, number=2)
    assert (page.first, page.last, page.pages) == (26, 50, 13)
    assert Page(items=[], total=0, number=1).first == 0


def test_pagination_links_with_ellipses():
    params = pagination(Page(items=list(range(25)), total=312, number=7), lambda n: f"/q?page={n}")
    numbers = [item.get("number", "...") for item in params["items"]]
    assert numbers == [1, "...", 6, 7, 8, "...", 13]
    assert params["previous"]["href"] == "/q?page=6" and params["next"]["href"] == "/q?page=8"
    assert [i["number"] for i in params["items"] if i.get("current")] == [7]


def test_pagination_fills_a_gap_of_one_page_and_has_no_previous_on_page_one():
    params = pagination(Page(items=list(range(25)), total=100, number=1), lambda n: str(n))
    assert [item.get("number", "...") for item in params["items"]] == [1, 2, 3, 4]  # an ellipsis would hide just 3
    assert params["previous"] is None
    params = pagination(Page(items=list(range(25)), total=125, number=1), lambda n: str(n))
    assert [item.get("number", "...") for item in params["items"]] == [1, 2, "...", 5]
    assert pagination(Page(items=[1], total=1, number=1), str) is None


COLUMNS = [Column("name", "Name"), Column("days", "Days", "desc", numeric=True), Column("x", "X", sortable=False)]


def test_sort_falls_back_and_toggles():
    default = Sort("days", "desc")
    assert requested_sort("nonsense", "asc", COLUMNS, default) == default
    assert requested_sort("x", "asc", COLUMNS, default) == default  # not sortable
    assert requested_sort("name", "sideways", COLUMNS, default) == Sort("name", "asc")
    assert requested_sort("days", None, COLUMNS, default) == Sort("days", "desc")
    cells = headers(COLUMNS, Sort("name", "asc"), lambda s: f"{s.key}:{s.direction}")
    assert [(c["aria_sort"], c["href"]) for c in cells] == [("ascending", "name:desc"), ("none", "days:desc"), (None, None)]


def parse(**args):
    return parse_applications(MultiDict(args), scopes=[MINE, ALL], default_scope=MINE,
                              service_lines={"adoption"}, authorities={7})


def test_filters_keep_only_values_that_exist():
    filters = parse(scope=TEAM, stage=["stage_1", "bogus", "stage_1", "enquiry"], service_line=["adoption", "knitting"],
                    status=["withdrawn", "nope"], authority=["7", "8", "x", "9" * 5000], q="  Smith\x00 ")
    assert filters.scope == MINE  # no team: back to the default
    assert filters.stages == (Stage.ENQUIRY, Stage.STAGE_1)
    assert filters.service_lines == ("adoption",)
    assert filters.statuses == (Status.WITHDRAWN,)
    assert filters.authorities == (7,)
    assert filters.text == "Smith"


def test_status_defaults_to_open_and_empty_means_any():
    assert parse().statuses == (Status.ACTIVE, Status.ON_HOLD)
    assert parse(status=[""]).statuses == ()
    assert parse(status=[""]).args() == {"status": [""]}
    assert parse().args() == {}
    assert parse(scope=ALL, stage="panel").args() == {"scope": "all", "stage": ["panel"]}


def test_awaiting_filters():
    filters = parse_awaiting(MultiDict({"method": ["phone", "fax"], "channel": "3", "overdue": "y"}), channels={3})
    assert (filters.methods, filters.channel, filters.overdue) == ((ContactMethod.PHONE,), 3, True)
    assert parse_awaiting(MultiDict({"channel": "4", "overdue": "1"}), channels={3}).args() == {}
