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
    """Counts the SQL statements the app sends while it is active (a way to see N+1 queries)."""

    def __init__(self, app):
        self.engine = Database.state(app).engine
        self.count = 0

    def _count(self, *_args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._count)
