"""A tracker that never recorded some steps: imported with warnings, never invented; live recording keeps the route.

R1 (adoption) goes enquiry 6 Jan 2025 -> ROI 3 Feb (no initial visit, which the route requires before an ROI; the
information event is optional) -> Stage 1 3 Mar -> Stage 2 2 Jun (no Stage 1 completion) -> approved 6 Oct 2025 (no
panel). R2 (adoption) keeps to the route: enquiry, initial visit, ROI. R3 (fast track) goes from ROI to Stage 2,
which its route allows: no warning.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.auth.roles import Role
from crm.errors import DomainError
from crm.funnel import services as funnel
from crm.funnel.stages import EventKind, Stage
from crm.households.models import Application, Household
from crm.reports.base import ReportParams
from crm.reports.families import activity, conversion, timeliness
from tests.factories import UserFactory
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER, csv_bytes, household_row, run_import

YEAR = ReportParams(date(2024, 4, 1), date(2025, 12, 31), at=date(2025, 12, 31))
HOUSEHOLDS = [HOUSEHOLD_HEADER, household_row("R1"), household_row("R2"), household_row("R3", fast_track="yes")]
MILESTONES = [
    MILESTONE_HEADER,
    ["R1", "adoption", "registration_of_interest", "2025-02-03", ""],  # row 2
    ["R1", "adoption", "stage_1", "2025-03-03", ""],
    ["R1", "adoption", "stage_2", "2025-06-02", ""],  # row 4
    ["R1", "adoption", "approved", "2025-10-06", ""],
    ["R2", "adoption", "initial_visit", "2025-01-20", ""],
    ["R2", "adoption", "registration_of_interest", "2025-02-10", ""],
    ["R3", "adoption", "initial_visit", "2025-01-13", ""],
    ["R3", "adoption", "registration_of_interest", "2025-01-20", ""],
    ["R3", "adoption", "stage_2", "2025-02-10", ""],
]
WARNING = "Warning: row 2, household R1, adoption: stages not recorded: initial visit, stage 1 completed, panel"


def write(tmp_path, name, rows) -> str:
    (tmp_path / name).write_bytes(csv_bytes(rows))
    return str(tmp_path / name)


@pytest.fixture
def files(tmp_path, authorities, travel):
    travel(date(2026, 1, 12))
    return write(tmp_path, "h.csv", HOUSEHOLDS), write(tmp_path, "m.csv", MILESTONES)


def application(db_session, reference: str) -> Application:
    return db_session.scalar(select(Application).join(Household).where(Household.reference == reference))


def test_gaps_are_warnings_in_the_dry_run_and_after_the_import_and_nothing_is_invented(runner, db_session, files):
    households, milestones = files
    assert runner.invoke(args=["import", "households", households]).exit_code == 0
    dry = runner.invoke(args=["import", "milestones", milestones, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert WARNING in dry.stdout.splitlines() and dry.stdout.splitlines()[-1] == "Dry run: nothing was stored."
    assert sum(line.startswith("Warning:") for line in dry.stdout.splitlines()) == 1  # R2 and R3 keep to their routes
    done = runner.invoke(args=["import", "milestones", milestones])
    assert done.exit_code == 0, done.output
    assert WARNING in done.stdout.splitlines() and "  events: 9 created, 0 updated, 0 unchanged" in done.stdout
    r1 = application(db_session, "R1")
    assert [e.kind.value for e in r1.events] == ["enquiry", "registration_of_interest", "stage_1", "stage_2",
                                                 "approved"]
    assert r1.stage is Stage.APPROVED
    again = runner.invoke(args=["import", "milestones", milestones])
    assert "Warning: row" not in again.stdout and "events: 0 created, 0 updated, 9 unchanged" in again.stdout


def test_the_household_page_shows_each_gap_in_the_timeline(runner, client, auth, db_session, files):
    for kind, path in zip(("households", "milestones"), files):
        assert runner.invoke(args=["import", kind, path]).exit_code == 0
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get(f"/households/{application(db_session, 'R1').household_id}").get_data(as_text=True)
    assert "Not recorded in the imported tracker: initial visit" in html
    assert "Not recorded in the imported tracker: stage 1 completed" in html
    assert "Not recorded in the imported tracker: panel" in html and "Before 6 October 2025" in html
    r2 = client.get(f"/households/{application(db_session, 'R2').household_id}").get_data(as_text=True)
    assert "Not recorded in the imported tracker" not in r2


def test_live_recording_keeps_the_route(runner, app_context, db_session, files):
    for kind, path in zip(("households", "milestones"), files):
        assert runner.invoke(args=["import", kind, path]).exit_code == 0
    r2 = application(db_session, "R2")  # at ROI, imported without a gap
    with pytest.raises(DomainError, match="From Registration of interest the application can move only to Stage 1"):
        funnel.advance(r2, Stage.STAGE_2, date(2025, 12, 1), actor=None)
    funnel.advance(r2, Stage.STAGE_1, date(2025, 12, 1), actor=None)
    assert r2.stage is Stage.STAGE_1


@pytest.mark.parametrize(("rows", "column", "message"), [
    ([["R1", "adoption", "stage_1", "2025-03-03", ""], ["R1", "adoption", "registration_of_interest", "2025-03-10", ""]],
     "event", "From Stage 1 the application can move only to"),  # a stage never goes back, even in an import
    ([["R1", "adoption", "stage_1", "2025-03-03", ""], ["R1", "adoption", "stage_2", "2025-03-01", ""]],
     "date", "The date must be on or after 3 March 2025"),  # nor do dates
])
def test_an_import_still_refuses_going_backwards(runner, db_session, files, tmp_path, rows, column, message):
    assert runner.invoke(args=["import", "households", files[0]]).exit_code == 0
    result = runner.invoke(args=["import", "milestones", write(tmp_path, "bad.csv", [MILESTONE_HEADER, *rows])])
    assert result.exit_code == 1 and f"row 3, column {column}: {message}" in result.stdout


def test_reports_count_only_what_was_recorded(runner, app_context, db_session, files):
    for kind, path in zip(("households", "milestones"), files):
        assert runner.invoke(args=["import", kind, path]).exit_code == 0
    figures = activity.compute(YEAR).figures
    assert figures["initial_visits"] == 2  # R2's and R3's; R1's was never recorded
    assert figures["registrations_of_interest"] == 3  # R1, R2, R3
    assert figures["stage_1_starts"] == 1 and figures["stage_1_completions"] == 0  # R1 never recorded a completion
    assert figures["stage_2_starts"] == 2  # R1 and R3 (fast track)
    assert figures["panel_presentations"] == 0  # R1's approval without a panel date is not a presentation
    assert figures["approvals"] == {"total": 1, "fast_track": 0} and figures["stage_2_completions"] == 1
    times = timeliness.compute(YEAR).figures
    assert times["stages"]["stage_1"]["count"] == 0  # no completion recorded: no Stage 1 measured
    assert times["stages"]["stage_2"]["count"] == 1  # R1: Stage 2 2 Jun to approval 6 Oct 2025
    assert times["stages"]["stage_2"]["mean_days"] == 126
    cohort = conversion.compute(YEAR).figures["cohorts"]["all"]
    assert cohort["households"] == 3
    assert cohort["stages"]["panel"]["reached"] == 0 and cohort["stages"]["approved"]["reached"] == 1
    assert cohort["stages"]["initial_visit"]["reached"] == 2 and cohort["stages"]["stage_1_completed"]["reached"] == 0
    assert EventKind.PANEL not in {e.kind for e in application(db_session, "R1").events}
