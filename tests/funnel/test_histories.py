"""Histories as they really happen (SPEC section 2, issue 19), sequence by sequence through the state machine: after
approval on hold and resumed, matched and placed in either order, many placements, a second panel after a deferral."""
from __future__ import annotations

from datetime import date

import pytest

from crm import clock
from crm.errors import DomainError
from crm.funnel import machine
from crm.funnel.stages import EventKind, Stage, Status
from crm.funnel.terms import APPROVED_AND_WAITING
from crm.households.models import Application

TODAY = date(2026, 11, 23)


class Manager:
    id = 1


def approved(line="adoption", on=date(2026, 3, 2)) -> Application:
    """Stage 2 started 1 October 2025, panel 16 February 2026, approved on `on`."""
    application = Application(service_line_code=line, fast_track=False)
    application.events = []
    machine.record(application, EventKind.ENQUIRY, date(2025, 4, 1), today=TODAY)
    machine.record(application, EventKind.STAGE_2, date(2025, 10, 1), today=TODAY, imported=True)
    machine.record(application, EventKind.PANEL, date(2026, 2, 16), today=TODAY)
    machine.record(application, EventKind.APPROVED, on, today=TODAY)
    return application


def record(application, kind, on, **details):
    return machine.record(application, kind, on, today=TODAY, **details)


def state(application):
    return machine.replay(application.events)


def test_an_approved_household_is_put_on_hold_and_resumed_and_stays_approved_and_waiting():
    application = approved()
    record(application, EventKind.ON_HOLD, date(2026, 4, 10), reason="House move")
    held = state(application)
    assert (application.stage, application.status, held.held_on) == (Stage.APPROVED, Status.APPROVED,
                                                                     date(2026, 4, 10))
    assert APPROVED_AND_WAITING.matches(held.status, held.kinds) and APPROVED_AND_WAITING.held(held)
    with pytest.raises(DomainError, match="already on hold"):
        record(application, EventKind.ON_HOLD, date(2026, 4, 11), reason="Again")
    with pytest.raises(DomainError, match="resumed first"):
        record(application, EventKind.MATCHED, date(2026, 4, 12))
    record(application, EventKind.RESUMED, date(2026, 6, 1))
    resumed = state(application)
    assert (resumed.held_on, application.status, application.status_changed_on) == (None, Status.APPROVED,
                                                                                     date(2026, 3, 2))
    assert not APPROVED_AND_WAITING.held(resumed) and APPROVED_AND_WAITING.matches(resumed.status, resumed.kinds)
    with pytest.raises(DomainError, match="not on hold"):
        record(application, EventKind.RESUMED, date(2026, 6, 2))


def test_a_hold_after_approval_needs_a_reason_and_a_date_on_or_after_the_last_event():
    application = approved()
    with pytest.raises(DomainError, match="Give a reason") as refused:
        record(application, EventKind.ON_HOLD, date(2026, 4, 10), reason=" ")
    assert refused.value.field == "reason"
    with pytest.raises(DomainError, match="on or after 2 March 2026") as refused:
        record(application, EventKind.ON_HOLD, date(2026, 3, 1), reason="House move")
    assert refused.value.field == "occurred_on"
    assert len(application.events) == 4


def test_adoption_matched_then_placed_once():
    application = approved()
    record(application, EventKind.MATCHED, date(2026, 5, 4))
    record(application, EventKind.PLACED, date(2026, 6, 15))
    assert [e.kind for e in application.events][-2:] == [EventKind.MATCHED, EventKind.PLACED]
    with pytest.raises(DomainError, match="an adoption is one placement"):
        record(application, EventKind.PLACED, date(2026, 7, 1))
    with pytest.raises(DomainError, match="A match is already recorded"):
        record(application, EventKind.MATCHED, date(2026, 7, 1))
    after = state(application)
    assert not APPROVED_AND_WAITING.matches(after.status, after.kinds)


def test_early_permanence_placed_then_matched():
    application = approved("early_permanence")
    record(application, EventKind.PLACED, date(2026, 4, 20))  # fostering for adoption: the child comes first
    record(application, EventKind.MATCHED, date(2026, 9, 1))
    assert (application.status, [e.kind for e in application.events][-2:]) == (
        Status.APPROVED, [EventKind.PLACED, EventKind.MATCHED])


def test_a_fostering_household_is_placed_many_times_and_only_the_first_ends_the_wait():
    application = approved("fostering_mainstream")
    record(application, EventKind.PLACED, date(2026, 4, 1))
    record(application, EventKind.PLACED, date(2026, 8, 3))
    record(application, EventKind.ON_HOLD, date(2026, 9, 1), reason="Carer's break between placements")
    record(application, EventKind.RESUMED, date(2026, 10, 1))
    record(application, EventKind.PLACED, date(2026, 10, 5))
    placements = [e.occurred_on for e in application.events if e.kind is EventKind.PLACED]
    assert placements == [date(2026, 4, 1), date(2026, 8, 3), date(2026, 10, 5)]
    assert state(application).placements == 3 and application.status is Status.APPROVED


def test_a_deferred_panel_is_followed_by_a_second_panel_then_the_decision():
    application = Application(service_line_code="fostering_connected", fast_track=False)
    application.events = []
    record(application, EventKind.STAGE_2, date(2026, 1, 5))
    record(application, EventKind.PANEL, date(2026, 4, 9))
    with pytest.raises(DomainError, match="follows a deferral"):
        record(application, EventKind.PANEL, date(2026, 4, 10))
    record(application, EventKind.PANEL_DEFERRED, date(2026, 4, 9), reason="Panel asked for a second referee")
    with pytest.raises(DomainError, match="already recorded"):
        record(application, EventKind.PANEL_DEFERRED, date(2026, 4, 10), reason="Again")
    record(application, EventKind.PANEL, date(2026, 5, 14))
    assert (application.stage, application.stage_entered_on) == (Stage.PANEL, date(2026, 5, 14))
    record(application, EventKind.APPROVED, date(2026, 5, 20))
    assert application.status is Status.APPROVED
    assert [e.kind for e in application.events].count(EventKind.PANEL) == 2


def test_a_decision_may_still_follow_a_deferral_directly():
    """As before: a tracker (or a service) may record the decision without the second presentation."""
    application = Application(service_line_code="adoption", fast_track=False)
    application.events = []
    record(application, EventKind.ENQUIRY, date(2025, 9, 1))
    record(application, EventKind.STAGE_2, date(2025, 12, 1), imported=True)
    record(application, EventKind.PANEL, date(2026, 4, 9))
    record(application, EventKind.PANEL_DEFERRED, date(2026, 4, 9), reason="More on support network")
    record(application, EventKind.APPROVED, date(2026, 6, 1))
    assert application.status is Status.APPROVED
    with pytest.raises(DomainError, match="approved: it cannot move stage"):
        record(application, EventKind.PANEL, date(2026, 6, 2))


def test_undo_replays_a_hold_after_approval_and_a_second_placement():
    application = approved("fostering_mainstream")
    record(application, EventKind.PLACED, date(2026, 4, 1))
    record(application, EventKind.PLACED, date(2026, 8, 3))
    record(application, EventKind.ON_HOLD, date(2026, 9, 1), reason="Carer unwell")
    machine.undo_last(application, actor=Manager(), reason="Recorded on the wrong carer", now=clock.now())
    assert state(application).held_on is None and application.status is Status.APPROVED
    machine.undo_last(application, actor=Manager(), reason="Duplicate", now=clock.now())
    assert state(application).placements == 1
    record(application, EventKind.PLACED, date(2026, 8, 10))
    assert state(application).placements == 2


def test_undoing_a_second_panel_brings_the_deferral_back():
    application = Application(service_line_code="fostering_connected", fast_track=False)
    application.events = []
    record(application, EventKind.STAGE_2, date(2026, 1, 5))
    record(application, EventKind.PANEL, date(2026, 4, 9))
    record(application, EventKind.PANEL_DEFERRED, date(2026, 4, 9), reason="Second referee")
    record(application, EventKind.PANEL, date(2026, 5, 14))
    machine.undo_last(application, actor=Manager(), reason="Wrong date", now=clock.now())
    assert state(application).deferred and application.stage_entered_on == date(2026, 4, 9)
    record(application, EventKind.PANEL, date(2026, 5, 21))  # the second presentation, on its right date
    assert not state(application).deferred


def test_a_withdrawal_while_on_hold_after_approval_closes_it():
    application = approved()
    record(application, EventKind.ON_HOLD, date(2026, 4, 10), reason="House move")
    from types import SimpleNamespace
    record(application, EventKind.WITHDRAWN, date(2026, 5, 1), party="applicant",
           withdrawal_reason=SimpleNamespace(id=4, name="Housing", needs_text=False))
    assert application.status is Status.WITHDRAWN
    assert not APPROVED_AND_WAITING.held(state(application))


def test_the_choices_after_approval():
    application = approved("fostering_mainstream")
    assert machine.available(application, today=TODAY) == [EventKind.ON_HOLD, EventKind.WITHDRAWN,
                                                            EventKind.MATCHED, EventKind.PLACED]
    record(application, EventKind.ON_HOLD, date(2026, 4, 10), reason="House move")
    assert machine.available(application, today=TODAY) == [EventKind.RESUMED, EventKind.WITHDRAWN]
    at_panel = Application(service_line_code="fostering_connected", fast_track=False)
    at_panel.events = []
    record(at_panel, EventKind.STAGE_2, date(2026, 1, 5))
    record(at_panel, EventKind.PANEL, date(2026, 4, 9))
    record(at_panel, EventKind.PANEL_DEFERRED, date(2026, 4, 9), reason="Second referee")
    assert machine.available(at_panel, today=TODAY) == [EventKind.ENQUIRY, EventKind.PANEL, EventKind.APPROVED,
                                                        EventKind.ON_HOLD, EventKind.WITHDRAWN, EventKind.NOT_APPROVED,
                                                        EventKind.TIMESCALE_EXTENDED]
