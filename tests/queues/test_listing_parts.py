"""The pure parts of a queue page: sort toggling and reading filters leniently (page numbers: tests/unit)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from crm.enquiries.models import ContactMethod
from crm.funnel.stages import Stage, Status
from crm.queues.filters import ALL, MINE, TEAM, parse_applications, parse_awaiting
from crm.queues.sorting import Column, Sort, headers, requested_sort


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
