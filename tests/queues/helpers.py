"""Building queue data and reading queue pages in the tests."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import event

from crm import clock
from crm.extensions import Database
from crm.funnel.stages import Stage, Status
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory


def application(worker=None, *, stage=Stage.STAGE_1, status=Status.ACTIVE, line="adoption", days=10, team=None,
                first_name=None, last_name=None, **household):
    """An application with one applicant and the live event that put it in its stage `days` ago."""
    household = HouseholdFactory(allocated_worker=worker, team_id=team.id if team else None, **household)
    names = {k: v for k, v in (("first_name", first_name), ("last_name", last_name)) if v}
    PersonFactory(household=household, **names)
    on = clock.today() - timedelta(days=days)
    return ApplicationFactory(household=household, stage=stage, status=status, service_line_code=line,
                              stage_entered_on=on)


def table_body(html: str, table_id: str) -> str:
    match = re.search(rf'<table[^>]*id="{table_id}".*?<tbody[^>]*>(.*?)</tbody>', html, re.S)
    return match.group(1) if match else ""


def household_ids(html: str, table_id: str = "work-queue-table") -> list[int]:
    """The households linked from the table's rows, in the order shown."""
    return [int(n) for n in re.findall(r'<tr class="govuk-table__row">\s*<td[^>]*><a class="govuk-link" '
                                       r'href="/households/(\d+)"', table_body(html, table_id))]


def page_summary(html: str) -> str:
    match = re.search(r'<p class="govuk-body" id="page-summary">(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


def stage_counts(html: str) -> dict[str, int]:
    nav = re.search(r'<nav class="moj-sub-navigation"[^>]*id="stage-counts">(.*?)</nav>', html, re.S).group(1)
    return {label: int(n) for label, n in re.findall(r'>([^<>]+) \((\d+)\)</a>', nav)}


def links(html: str, css_class: str) -> dict[str, str]:
    """Link text -> href for the links of a class (tags, pagination, ...)."""
    found = re.findall(rf'<a class="{css_class}"[^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    return {" ".join(unescape(re.sub(r"<[^>]+>", "", text)).replace("Remove this filter", "").split()): unescape(href)
            for href, text in found}


class StatementCounter:
    """Counts the SQL statements the app sends while it is active (a way to see N+1 queries).

    What a page keeps per data version (crm.reports.cache.per_data_version: the allocation forms' workers, the home
    page's counts) is computed afresh while counting: a write between two counted views would make one a cache hit
    and the other a miss, which is not what a count of the page's own reads is about."""

    def __init__(self, app):
        self.engine = Database.state(app).engine
        self.count = 0
        self._kept = None

    def _count(self, *_args):
        self.count += 1

    def __enter__(self):
        from crm.reports import cache

        self._kept = cache.per_data_version
        cache.per_data_version = lambda _name, _parameters, compute: compute()
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        from crm.reports import cache

        event.remove(self.engine, "before_cursor_execute", self._count)
        cache.per_data_version = self._kept
