"""A tracker with the histories real services keep (SPEC section 2, issue 19): imported through the state machine,
every one accepted, and the same file imported again changes nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.funnel import machine
from crm.funnel.stages import EventKind, Status
from crm.households.models import Household
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER, csv_bytes, household_row, run_import

HOUSEHOLDS = [
    HOUSEHOLD_HEADER,
    household_row("R1", "adoption", first="2025-04-07"),
    household_row("R2", "early_permanence", first="2025-04-14"),
    household_row("R3", "fostering_mainstream", first="2025-04-21"),
    household_row("R4", "adoption", first="2025-04-28"),
]
MILESTONES = [
    MILESTONE_HEADER,
    # R1: on hold after approval and resumed, then matched, then placed (the adoption order).
    ["R1", "adoption", "stage_2", "2025-06-02", ""],
    ["R1", "adoption", "panel", "2025-12-01", ""],
    ["R1", "adoption", "approved", "2025-12-15", ""],
    ["R1", "adoption", "on_hold", "2026-01-10", "House move"],
    ["R1", "adoption", "resumed", "2026-03-02", ""],
    ["R1", "adoption", "matched", "2026-04-06", ""],
    ["R1", "adoption", "placed", "2026-05-11", ""],
    # R2: placed, then matched (the early permanence order).
    ["R2", "early_permanence", "stage_2", "2025-06-09", ""],
    ["R2", "early_permanence", "panel", "2025-12-01", ""],
    ["R2", "early_permanence", "approved", "2025-12-15", ""],
    ["R2", "early_permanence", "placed", "2026-01-12", ""],
    ["R2", "early_permanence", "matched", "2026-06-01", ""],
    # R3: a fostering household's first and second placements.
    ["R3", "fostering_mainstream", "stage_2", "2025-06-16", ""],
    ["R3", "fostering_mainstream", "panel", "2025-12-08", ""],
    ["R3", "fostering_mainstream", "approved", "2025-12-22", ""],
    ["R3", "fostering_mainstream", "placed", "2026-01-05", ""],
    ["R3", "fostering_mainstream", "placed", "2026-04-06", ""],
    # R4: deferred at panel, presented again, approved; then on hold after approval, still.
    ["R4", "adoption", "stage_2", "2025-06-23", ""],
    ["R4", "adoption", "panel", "2025-11-03", ""],
    ["R4", "adoption", "panel_deferred", "2025-11-03", "Panel asked for a further referee"],
    ["R4", "adoption", "panel", "2026-01-12", ""],
    ["R4", "adoption", "approved", "2026-01-26", ""],
    ["R4", "adoption", "on_hold", "2026-02-09", "Bereavement"],
]


@pytest.fixture
def imported(app_context, db_session, authorities, travel):
    travel(date(2026, 11, 23))
    assert run_import("households", csv_bytes(HOUSEHOLDS)).ok
    return run_import("milestones", csv_bytes(MILESTONES))


def histories(db_session) -> dict[str, list[tuple[str, str]]]:
    db_session.expire_all()
    found = {}
    for household in db_session.scalars(select(Household).order_by(Household.reference)):
        application = household.applications[0]
        found[household.reference] = [(e.kind.value, e.occurred_on.isoformat())
                                      for e in machine.live(application.events)[1:]]
    return found


def test_every_sequence_is_imported(imported, db_session):
    assert imported.applied, imported.errors
    assert imported.counts()["events"]["created"] == 23
    stored = histories(db_session)
    assert [kind for kind, _ in stored["R1"]][-4:] == ["on_hold", "resumed", "matched", "placed"]
    assert [kind for kind, _ in stored["R2"]][-2:] == ["placed", "matched"]
    assert stored["R3"][-2:] == [("placed", "2026-01-05"), ("placed", "2026-04-06")]
    assert [kind for kind, _ in stored["R4"]] == ["stage_2", "panel", "panel_deferred", "panel", "approved", "on_hold"]
    r4 = db_session.scalar(select(Household).where(Household.reference == "R4")).applications[0]
    state = machine.replay(r4.events)
    assert (r4.status, state.held_on, r4.status_changed_on) == (Status.APPROVED, date(2026, 2, 9), date(2026, 1, 26))


def test_the_same_file_again_changes_nothing(imported, db_session):
    before = histories(db_session)
    again = run_import("milestones", csv_bytes(MILESTONES))
    assert again.applied, again.errors
    assert again.counts()["events"] == {"created": 0, "updated": 0, "unchanged": 23}
    assert histories(db_session) == before


@pytest.mark.parametrize("row, message", [
    (["R1", "adoption", "matched", "2026-06-01", ""], "A match is already recorded"),
    (["R1", "adoption", "placed", "2026-06-01", ""], "an adoption is one placement"),
    (["R4", "adoption", "matched", "2026-06-01", ""], "resumed first"),
    (["R4", "adoption", "on_hold", "2026-06-01", "Again"], "already on hold"),
    (["R3", "fostering_mainstream", "placed", "2026-03-01", ""], "on or after 6 April 2026"),
    (["R3", "fostering_mainstream", "resumed", "2026-06-01", ""], "not on hold"),
])
def test_a_history_the_rules_refuse_is_refused_with_its_row(imported, db_session, row, message):
    refused = run_import("milestones", csv_bytes([*MILESTONES, row]))
    assert not refused.applied
    assert any(message in str(error) for error in refused.errors), refused.errors


def test_a_second_panel_without_a_deferral_is_refused(app_context, db_session, authorities, travel):
    travel(date(2026, 11, 23))
    assert run_import("households", csv_bytes(HOUSEHOLDS[:2])).ok
    refused = run_import("milestones", csv_bytes([MILESTONE_HEADER, *MILESTONES[1:3],
                                                  ["R1", "adoption", "panel", "2025-12-08", ""]]))
    assert not refused.applied and any("follows a deferral" in str(error) for error in refused.errors)
