"""The reports from end to end, in a real browser: a manager imports a tracker (households, then milestones) and reads the
year's tables, charts and returns: activity (with its chart, a drill-down and the CSV download), timeliness,
conversion and the ASGLB return, each checked against figures worked out by hand below.

The tracker: four fictional adoption households, financial year 2025-26 (1 April 2025 to 31 March 2026).

| ref      | enquiry    | visit      | ROI        | Stage 1    | S1 done    | Stage 2    | panel      | approved   |
|----------|------------|------------|------------|------------|------------|------------|------------|------------|
| FICT-001 | 2025-04-07 | 2025-04-21 | 2025-05-05 | 2025-05-12 | 2025-07-07 | 2025-07-14 | 2025-10-20 | 2025-10-27 |
| FICT-002 | 2025-05-01 | 2025-05-15 | 2025-06-02 | 2025-06-09 | 2025-09-01 | 2025-09-08 | 2026-01-12 | 2026-01-19 |
| FICT-003 | 2025-06-02 | 2025-06-16 | 2025-07-01 | 2025-07-07 | 2026-05-04 (after the year)                       |
| FICT-004 | 2025-02-10 | 2025-03-03 | 2025-04-14 | (enquiry and initial visit before the year; no further) |

By hand, for the year:
- enquiries: 3 contacts from 3 households (FICT-004 enquired in February 2025); initial visits 3; ROIs 4 (FICT-004's
  ROI is in the year); Stage 1 starts 3; Stage 1 completions 2 (FICT-003's is in May 2026); Stage 2 starts 2;
  panels 2; approvals 2 (FICT-001, FICT-002).
- timeliness, ROI to approval: FICT-001 5 May -> 27 October 2025 = 26+30+31+31+30+27 = 175 days, within 6 months
  (due 5 November); FICT-002 2 June 2025 -> 19 January 2026 = 28+31+31+30+31+30+31+19 = 231 days, not within (due 2
  December). Count 2, mean (175+231)/2 = 203, min 175, max 231, within timescale 1 of 2 = 50.0%.
- conversion in the period: ROIs / households enquiring = 4/3 = 133.3%; approvals 2/3 = 66.7%.
- ASGLB: approvals 1 in 2025 Q4 (Oct-Dec) and 1 in 2026 Q1 (Jan-Mar); whole period 2, 1 within 6 months of
  registration, 50.0%.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from crm.auth.roles import Role
from crm.extensions import db
from tests.browser.test_check_escalation_journey import open_from_navigation
from tests.browser.test_funnel_journey import PASSWORD, enter_date, sign_in
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER

MANAGER_EMAIL, MANAGER_NAME = "rhian.reports@hearth.example", "Rhian Reports"
YEAR_FROM, YEAR_TO = "2025-04-01", "2026-03-31"
NAMES = {"FICT-001": ("Ada", "Fictionby"), "FICT-002": ("Bryn", "Fictionby"), "FICT-003": ("Cai", "Madeupson"),
         "FICT-004": ("Dee", "Notreal")}
ENQUIRED = {"FICT-001": "2025-04-07", "FICT-002": "2025-05-01", "FICT-003": "2025-06-02", "FICT-004": "2025-02-10"}
MILESTONES = {
    "FICT-001": [("initial_visit", "2025-04-21"), ("registration_of_interest", "2025-05-05"), ("stage_1", "2025-05-12"),
                 ("stage_1_completed", "2025-07-07"), ("stage_2", "2025-07-14"), ("panel", "2025-10-20"),
                 ("approved", "2025-10-27")],
    "FICT-002": [("initial_visit", "2025-05-15"), ("registration_of_interest", "2025-06-02"), ("stage_1", "2025-06-09"),
                 ("stage_1_completed", "2025-09-01"), ("stage_2", "2025-09-08"), ("panel", "2026-01-12"),
                 ("approved", "2026-01-19")],
    "FICT-003": [("initial_visit", "2025-06-16"), ("registration_of_interest", "2025-07-01"), ("stage_1", "2025-07-07"),
                 ("stage_1_completed", "2026-05-04")],
    "FICT-004": [("initial_visit", "2025-03-03"), ("registration_of_interest", "2025-04-14")],
}
APPROVED = ("FICT-001", "FICT-002")


def screenshots(tmp_path: Path) -> Path:
    """Where the journey's full-page screenshots go: $BROWSER_SCREENSHOTS (for a person to look at) or the test's
    temporary directory."""
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def csv_file(name: str, rows: list[list[str]]) -> dict:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return {"name": name, "mimeType": "text/csv", "buffer": out.getvalue().encode()}


def households_csv() -> dict:
    header = [*HOUSEHOLD_HEADER, "applicant_1_first_name", "applicant_1_last_name"]
    #          ref  line        authority  first enquiry  channel  campaign count ethnicity status fast track  names
    rows = [[ref, "adoption", "", ENQUIRED[ref], "radio", "", "1", "", "", "no", *NAMES[ref]] for ref in NAMES]
    return csv_file("households.csv", [header, *rows])


def milestones_csv() -> dict:
    rows = [[ref, "adoption", event, on, ""] for ref, events in MILESTONES.items() for event, on in events]
    return csv_file("milestones.csv", [MILESTONE_HEADER, *rows])


def read_table(table) -> list[dict[str, str]]:
    """A table's body rows as {heading: the cell's visible text} (a count's link without its visually hidden
    words)."""
    return table.evaluate("""table => {
        const text = cell => {
            const copy = cell.cloneNode(true);
            copy.querySelectorAll('.govuk-visually-hidden').forEach(hidden => hidden.remove());
            return copy.textContent.trim();
        };
        const headings = [...table.querySelectorAll('thead th')].map(text);
        return [...table.querySelectorAll('tbody tr')].map(row =>
            Object.fromEntries([...row.querySelectorAll('th, td')].map((cell, i) => [headings[i], text(cell)])));
    }""")


def row_named(rows: list[dict[str, str]], column: str, value: str) -> dict[str, str]:
    found = [row for row in rows if row[column] == value]
    assert len(found) == 1, f"{value!r} in {column!r}: {rows}"
    return found[0]


@dataclass(frozen=True)
class Service:
    base_url: str
    app: object


@pytest.fixture
def service(live_server) -> Service:
    """Committed: a manager, and nothing else: the households come from the tracker the journey imports."""
    base_url, app = live_server
    with app.app_context():
        from crm.auth.services import create_user

        create_user(MANAGER_EMAIL, MANAGER_NAME, PASSWORD, [Role.MANAGER])
        db.session.commit()
    return Service(base_url, app)


def choose_year(page) -> None:
    enter_date(page.get_by_role("group", name="From", exact=True), date.fromisoformat(YEAR_FROM))
    enter_date(page.get_by_role("group", name="To", exact=True), date.fromisoformat(YEAR_TO))
    page.get_by_role("button", name="Show").click()


def open_report(page, base_url: str, title: str, name: str) -> None:
    from playwright.sync_api import expect

    open_from_navigation(page, "Reports")
    expect(page).to_have_url(f"{base_url}/reports/")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(f"{base_url}/reports/{name}")
    choose_year(page)
    period = f"?date_from={YEAR_FROM}&date_to={YEAR_TO}"
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}/reports/{name}{period}")))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("#report-period")).to_contain_text("From 1 April 2025 to 31 March 2026")


@pytest.mark.browser
def test_a_manager_imports_a_tracker_and_reads_the_years_reports(service, browser_page, browser_log, tmp_path):
    from playwright.sync_api import expect

    page, base_url = browser_page, service.base_url
    shots = screenshots(tmp_path)
    banner = page.locator(".govuk-notification-banner")

    # The manager imports the tracker: households first, then their milestones.
    sign_in(page, base_url, MANAGER_EMAIL, MANAGER_NAME)
    open_from_navigation(page, "Import and export", area="Administration")
    expect(page).to_have_url(f"{base_url}/imports")
    for kind, upload, count in (("Households: one row per household and service line", households_csv(), 4),
                                ("Milestones: one row per event, after the households are imported", milestones_csv(),
                                 sum(len(events) for events in MILESTONES.values()))):
        page.get_by_label(kind).check()
        page.get_by_label("Upload a file").set_input_files(upload)
        page.get_by_role("button", name="Import").click()
        expect(page.locator(".govuk-error-summary")).to_have_count(0)
        expect(banner).to_contain_text("Success")
        expect(banner).to_contain_text(f"{count} rows read from {upload['name']}. The file was imported.")
    changed = read_table(page.get_by_role("table", name="What the import changed"))
    assert row_named(changed, "Records", "Events")["Created"] == "20", changed  # one per milestone: 7 + 7 + 4 + 2
    page.screenshot(path=str(shots / "reports-0-import.png"), full_page=True)

    # Activity in the period, for the financial year 2025-26: the table, worked out by hand, and the chart.
    open_report(page, base_url, "Activity in the period", "activity")
    activity = page.get_by_role("table", name="Activity", exact=True)
    totals = {row["Label"]: row["Total"] for row in read_table(activity)}
    assert {label: totals[label] for label in (
        "Enquiries (contacts)", "Enquiries (households)", "Initial visits", "Registrations of interest",
        "Stage 1 starts", "Stage 1 completions", "Stage 2 starts", "Panel presentations", "Approvals",
        "Withdrawals")} == {
        "Enquiries (contacts)": "3", "Enquiries (households)": "3", "Initial visits": "3",
        "Registrations of interest": "4", "Stage 1 starts": "3", "Stage 1 completions": "2", "Stage 2 starts": "2",
        "Panel presentations": "2", "Approvals": "2", "Withdrawals": "0"}, totals
    chart = page.get_by_role("img", name="Funnel in the period")
    expect(chart).to_be_visible()
    assert chart.evaluate("svg => svg.tagName") == "svg"
    expect(chart).to_contain_text("Registrations of interest")
    expect(chart.locator("rect")).to_have_count(7)  # one bar per step of the funnel
    page.screenshot(path=str(shots / "reports-1-activity.png"), full_page=True)

    # The approvals count lists exactly the two approved households.
    # (the count's link reads "2: list the households behind Approvals, total" to a screen reader)
    activity.get_by_role("link", name=re.compile(r"^2\s*: list the households behind Approvals, total$")).click()
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}/reports/activity/households?")))
    expect(page.locator("h1")).to_have_text("Approvals")
    expect(page.locator("#drill-summary")).to_contain_text("2 applications, 1 April 2025 to 31 March 2026")
    listed = page.locator("#drill-down tbody tr")
    expect(listed).to_have_count(2)
    for row, ref in zip(listed.all(), APPROVED):
        expect(row.get_by_role("link", name=ref, exact=True)).to_be_visible()
        expect(row).to_contain_text(" ".join(NAMES[ref]))
    drilled = read_table(page.locator("#drill-down"))
    assert [(row["Service line"], row["Date"], row["Event"].lower()) for row in drilled] == [
        ("Adoption", "27 Oct 2025", "approved by the agency decision maker"),
        ("Adoption", "19 Jan 2026", "approved by the agency decision maker")], drilled
    for ref in set(NAMES) - set(APPROVED):
        expect(page.locator("#drill-down")).not_to_contain_text(ref)
    page.screenshot(path=str(shots / "reports-2-drill-down-approvals.png"), full_page=True)

    # Back to the report (the back link keeps the period): its CSV, downloaded with the page's link, holds the same
    # approvals figure.
    page.get_by_role("link", name="Activity in the period").click()
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}/reports/activity?")))
    expect(page.locator("#report-period")).to_contain_text("From 1 April 2025 to 31 March 2026")
    with page.expect_download() as download:
        page.locator("#report-period").get_by_role("link", name="CSV", exact=True).click()
    assert download.value.suggested_filename == f"hearth-activity-{YEAR_FROM}-to-{YEAR_TO}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    approvals = [row for row in rows if row["table"] == "activity" and row["measure"] == "approvals.total"]
    assert [(row["label"], row["total"]) for row in approvals] == [("Approvals", "2")], rows
    assert row_named(rows, "measure", "registrations_of_interest")["total"] == "4"

    # Timeliness: ROI to approval took 175 and 231 days; one of the two within 6 months of registration.
    open_report(page, base_url, "Timeliness", "timeliness")
    timeliness = read_table(page.get_by_role("table", name="Timeliness", exact=True))
    roi_to_approval = row_named(timeliness, "Label", "ROI to approval")
    assert {column: roi_to_approval[column] for column in (
        "Count", "Mean days", "Median days", "Min days", "Max days", "Within timescale")} == {
        "Count": "2", "Mean days": "203", "Median days": "203", "Min days": "175", "Max days": "231",
        "Within timescale": "50.0%"}, roi_to_approval
    expect(page.get_by_role("img", name="Stage 1 time taken")).to_be_visible()
    page.screenshot(path=str(shots / "reports-3-timeliness.png"), full_page=True)

    # Conversion in the period: 4 ROIs and 2 approvals from 3 households enquiring.
    open_report(page, base_url, "Conversion", "conversion")
    period = read_table(page.get_by_role("table", name="Period conversion", exact=True))
    assert row_named(period, "Step", "Households enquiring")["Count"] == "3"
    roi = row_named(period, "Step", "Registrations of interest")
    assert (roi["Count"], roi["Conversion from enquiries"]) == ("4", "133.3%"), roi
    approval = row_named(period, "Step", "Approvals")
    assert (approval["Count"], approval["Conversion from enquiries"]) == ("2", "66.7%"), approval
    expect(page.get_by_role("img", name="Conversion in the period")).to_be_visible()
    page.screenshot(path=str(shots / "reports-4-conversion.png"), full_page=True)

    # The ASGLB return: an approval in each of the last two quarters, one of them within 6 months of registration.
    open_report(page, base_url, "Adopter recruitment return (ASGLB)", "asglb")
    by_quarter = read_table(page.get_by_role("table", name="By quarter", exact=True))
    assert [(row["Quarter"], row["Approvals"]) for row in by_quarter] == [
        ("2025 Q2 (Apr-Jun)", "0"), ("2025 Q3 (Jul-Sep)", "0"), ("2025 Q4 (Oct-Dec)", "1"),
        ("2026 Q1 (Jan-Mar)", "1"), ("Whole period", "2")], by_quarter
    whole = row_named(by_quarter, "Quarter", "Whole period")
    assert (whole["Approved within 6 months of registration"], whole["% approved within 6 months"]) == (
        "1", "50.0%"), whole
    expect(page.get_by_role("img", name="Approvals by quarter")).to_be_visible()
    page.screenshot(path=str(shots / "reports-5-asglb.png"), full_page=True)

    assert browser_log.console_errors == [], f"console errors (CSP violations among them): {browser_log.console_errors}"
    assert browser_log.page_errors == [], f"uncaught script errors: {browser_log.page_errors}"
    assert browser_log.broken_requests == [], browser_log.broken_requests
    assert [(url, status) for url, status in browser_log.responses if status >= 400] == []
