"""Every report's page shows the figures its downloads hold: the page's tables, the CSV, the XLSX and the JSON agree
cell for cell, with and without a split, for every report (tests.reports.names, checked against the registry). The figures themselves are checked by each report's golden tests; this checks that nothing is lost or
changed between the computed report and what a manager sees or takes away."""
from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime, timezone
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.formatting import month_label
from crm.funnel.stages import Stage
from crm.marketing.models import Channel
from crm.reports import registry
from crm.reports.base import ReportParams
from crm.reports.render import exports
from crm.reports.render.formatting import report_cell
from tests.factories import HouseholdFactory, PartnerAuthorityFactory, UserFactory
from tests.reports.histories import approval, approved, journey, lead_in, to_stage_1
from tests.reports.names import REPORTS

YEAR = "date_from=2027-04-01&date_to=2028-03-31&at=2028-01-31"
SPLITS = ("", "&by=service_line", "&by=month")


def rich_history(db_session) -> None:
    """A year (April 2027 - March 2028) with something in every report: contacts through channels, a household in
    two service lines, fast track, pauses, an extension, an undo, withdrawals, a decision against, approvals (one
    matched since), and cases still in each stage at the snapshot date."""
    officer = UserFactory(roles=[Role.MANAGER])
    kirklees = PartnerAuthorityFactory(name="Kirklees Council")
    radio, facebook = _channel(db_session, "radio", None), _channel(db_session, "Facebook", "digital")
    both = HouseholdFactory(partner_authority=kirklees)
    _contacts(db_session, both, (datetime(2027, 4, 10, 9), radio), (datetime(2027, 5, 2, 9), facebook))
    journey(officer, *to_stage_1(date(2027, 5, 1)), (Stage.STAGE_1_COMPLETED, date(2027, 7, 1)),
            *approved(date(2027, 7, 10), date(2027, 11, 20)), household=both)
    journey(officer, *to_stage_1(date(2027, 6, 1)), ("hold", date(2027, 7, 1)), ("resume", date(2027, 8, 1)),
            (Stage.STAGE_1_COMPLETED, date(2027, 9, 1)), (Stage.STAGE_2, date(2027, 9, 5)),
            ("extend", date(2027, 11, 1), 28), (Stage.PANEL, date(2028, 2, 1)), ("not_approved", date(2028, 2, 20)),
            household=both, line="fostering_mainstream")
    fast = HouseholdFactory()
    _contacts(db_session, fast, (datetime(2027, 5, 20, 9), None))
    journey(officer, *lead_in(date(2027, 6, 1)), *approved(date(2027, 6, 10), date(2027, 10, 10)), household=fast,
            fast_track=True)
    journey(officer, *to_stage_1(date(2027, 9, 1)), ("withdraw", date(2027, 10, 15)))
    journey(officer, *to_stage_1(date(2027, 10, 1)), (Stage.STAGE_1_COMPLETED, date(2027, 12, 1)), ("undo",))
    journey(officer, *to_stage_1(date(2027, 2, 1)), (Stage.STAGE_1_COMPLETED, date(2027, 4, 1)),
            (Stage.STAGE_2, date(2027, 4, 20)), *approval(date(2027, 6, 1)), ("found", date(2027, 9, 1)))
    journey(officer, *to_stage_1(date(2026, 9, 1)), (Stage.STAGE_1_COMPLETED, date(2026, 11, 1)),
            (Stage.STAGE_2, date(2026, 12, 1)), *approval(date(2027, 4, 2)))
    journey(officer, *to_stage_1(date(2027, 12, 1)), ("hold", date(2028, 1, 5)))
    db_session.flush()


def _channel(db_session, name: str, parent: str | None) -> Channel:
    found = db_session.scalars(select(Channel).where(Channel.name == name))
    return next(c for c in found if (c.parent.name if c.parent else None) == parent)


def _contacts(db_session, household, *received) -> None:
    for when, channel in received:
        db_session.add(EnquiryContact(household_id=household.id, received_at=when.replace(tzinfo=timezone.utc),
                                      method=ContactMethod.PHONE, channel_id=channel.id if channel else None))
    db_session.flush()


class Tables(HTMLParser):
    """The report tables of a page: {caption: [{heading: cell text}]}; text a screen reader alone hears (the
    visually hidden part of a count's link) is left out, as a sighted reader sees the cell."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.caption, self.headings, self.row, self.text, self.hidden = None, [], None, None, 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if self.hidden or "govuk-visually-hidden" in classes:
            self.hidden += 1
        elif tag == "table":
            self.caption, self.headings = None, []
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td", "caption"):
            self.text = ""

    def handle_endtag(self, tag):
        if self.hidden:
            self.hidden -= 1
        elif tag == "caption":
            self.caption, self.text = self.text.strip(), None
            self.tables[self.caption] = []
        elif tag in ("th", "td") and self.row is not None:
            self.row.append(self.text.strip())
            self.text = None
        elif tag == "tr" and self.row is not None:
            if self.headings and self.row != ["Nothing in this period."]:  # an empty table says so in one cell
                self.tables[self.caption].append(dict(zip(self.headings, self.row, strict=True)))
            else:
                self.headings = self.row
            self.row = None

    def handle_data(self, data):
        if self.text is not None and not self.hidden:
            self.text += data


def page_tables(html: str) -> dict[str, list[dict[str, str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def heading(column) -> str:
    """A column's heading on the page: a month key of the downloads ('2027-04') is written 'April 2027'."""
    text = month_label(column).replace("_", " ")
    return text[:1].upper() + text[1:]


def caption(table: str) -> str:
    return table.replace("_", " ").capitalize()


def shown(column, value) -> str:
    """A downloaded cell as the page shows it."""
    return report_cell(value, str(column))


def number(text: str):
    """A CSV cell as the value it was written from."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    if text[:2] in ("'=", "'+", "'-", "'@"):
        return text[1:]  # a text cell the export neutralised against formulas
    return text or None


def csv_tables(data: bytes) -> dict[str, list[dict]]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    made: dict[str, list[dict]] = {}
    for row in rows:
        made.setdefault(row.pop("table"), []).append({column: number(text) for column, text in row.items()})
    return made


def xlsx_tables(data: bytes) -> dict[str, list[dict]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    made = {}
    for sheet in book.worksheets:
        header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()] or [[]]
        made[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows]
    return made


def as_page(rows: list[dict]) -> list[dict[str, str]]:
    """Exported rows as the page shows them: every column but `measure`, by heading."""
    return [{heading(column): shown(column, value) for column, value in row.items() if column != "measure"}
            for row in rows]


def resolve(figures: dict, path: str):
    """The JSON value at a dotted path whose keys may themselves hold dots (a withdrawal reason, say): None when
    the JSON has no such path; 0 for a count inside it the JSON leaves out (a reason no withdrawal under a split
    value gave)."""
    node, parts = figures, path.split(".")
    while parts:
        keys = [".".join(parts[:size]) for size in range(len(parts), 0, -1)]
        key = next((key for key in keys if isinstance(node, dict) and key in node), None)
        if key is None:
            return 0 if node is not figures else None
        node, parts = node[key], parts[len(key.split(".")):]
    return node


def expected(figures: dict, path: str, column: str) -> list:
    """What the JSON says a cell may hold: the figure at the row's `measure`; of a group of figures, the one the
    column names (a statistic, or a bucket one level down), else any figure of the group (its total, say)."""
    node = resolve(figures, path)
    if node is None:
        return []
    if not isinstance(node, dict):
        return [node]
    if column in node:
        return [node[column]]
    inner = [child[column] for child in node.values() if isinstance(child, dict) and column in child]
    return inner[:1] or leaves(node)


def leaves(node) -> list:
    if isinstance(node, dict):
        return [leaf for child in node.values() for leaf in leaves(child)]
    return [node] if is_figure(node) else []


def same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b or (a in (None, "") and b in (None, ""))


def is_figure(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def check_json(body: dict, rows: list[dict], by: str | None) -> int:
    """Each figure of a table's rows against the JSON. A row with a `measure` (the figure's path) is looked up
    there: in a split value's column, or on a row naming its split value (in a column named after the split), in
    that value's figures. A figure of a row without one must be somewhere in the JSON. The number of figures found
    by their path."""
    splits = body.get("splits", {})
    anywhere = leaves(body["figures"]) + leaves(splits)
    by_path = 0
    for row in rows:
        path = row.get("measure") if isinstance(row.get("measure"), str) else None
        for column, value in row.items():
            if not is_figure(value) or column == by:
                continue
            key = str(column).removesuffix(" (split)")
            if path is None:
                wanted = anywhere
            elif key in splits and by not in row:
                wanted = expected(splits[key], path, "total")
            else:
                wanted = expected(splits[row[by]] if by in row else body["figures"], path, column)
            found_by_path = bool(wanted)
            wanted = wanted or anywhere  # a path the JSON lays out otherwise (by service line first, say)
            assert any(same(value, want) for want in wanted), (path, column, value, wanted[:10])
            by_path += found_by_path and path is not None
    return by_path


def params(query: str) -> ReportParams:
    return ReportParams.from_args(dict(part.split("=") for part in query.split("&")), clock.today())


@pytest.mark.parametrize("name", REPORTS)
def test_the_page_shows_the_figures_the_downloads_hold(name, client, auth, db_session, services_as):
    services_as(lambda: rich_history(db_session))
    auth.login(UserFactory(roles=[Role.MANAGER]))
    rows_compared = figures_checked = 0
    for split in SPLITS:
        query = YEAR + split
        page = client.get(f"/reports/{name}?{query}")
        if split and page.status_code == 400:
            assert "There is a problem" in page.get_data(as_text=True)  # a split this report refuses, and why
            continue
        assert page.status_code == 200, query
        on_page = page_tables(page.get_data(as_text=True))
        files = {fmt: client.get(f"/reports/{name}/export.{fmt}?{query}").get_data() for fmt in ("csv", "xlsx", "json")}
        from_csv, from_xlsx, body = csv_tables(files["csv"]), xlsx_tables(files["xlsx"]), json.loads(files["json"])
        report = services_as(lambda: registry.compute(name, params(query)))
        assert len(on_page) == len(from_xlsx) == len(report.tables), query
        for table in report.tables:
            sheet = from_xlsx[exports._sheet_title(table)]
            from_file = [{column: row.get(column) for column in (sheet[0] if sheet else {})}
                         for row in from_csv.get(table, [])]
            assert len(from_file) == len(sheet), (query, table)
            assert all(same(a, b) for csv_row, xlsx_row in zip(from_file, sheet)
                       for a, b in zip(csv_row.values(), xlsx_row.values(), strict=True)), (query, table)
            assert on_page[caption(table)] == as_page(sheet), (query, table)
            rows_compared += len(sheet)
            figures_checked += check_json(body, sheet, split.removeprefix("&by=") or None)
    assert rows_compared, f"the {name} report showed no rows for a year with something in every report"
    if name in ("activity", "timeliness", "snapshot"):
        assert figures_checked > rows_compared  # every row's figures found in the JSON by their `measure`
