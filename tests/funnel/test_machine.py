"""The state machine's rules, example by example and as Hypothesis properties (no database needed)."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm import clock
from crm.errors import DomainError
from crm.funnel import machine
from crm.funnel.stages import EventKind, Stage, Status
from crm.households.models import Application

TODAY = date(2026, 11, 23)
DAY0 = date(2025, 1, 6)


class Manager:
    id = 1


# Withdrawal reasons as the state machine reads them (crm.funnel.reasons.models.WithdrawalReason).
HOUSING = SimpleNamespace(id=4, name="Housing", needs_text=False)
OTHER = SimpleNamespace(id=9, name="Other", needs_text=True)


def new_application(line="adoption", *, fast_track=False, first=EventKind.ENQUIRY, on=DAY0) -> Application:
    application = Application(service_line_code=line, fast_track=fast_track)
    application.events = []
    machine.record(application, first, on, today=TODAY)
    return application


def walk(application, *kinds, start=DAY0, step=10, **details):
    day = start
    for kind in kinds:
        day += timedelta(days=step)
        machine.record(application, kind, day, today=TODAY, **details)
    return day


def test_the_standard_route_to_approval():
    application = new_application()
    walk(application, EventKind.INFORMATION_EVENT, EventKind.INITIAL_VISIT, EventKind.REGISTRATION_OF_INTEREST,
         EventKind.STAGE_1, EventKind.STAGE_1_COMPLETED, EventKind.STAGE_2, EventKind.PANEL, EventKind.APPROVED)
    assert application.stage is Stage.APPROVED and application.status is Status.APPROVED
    assert application.stage_entered_on == DAY0 + timedelta(days=80)


def test_a_stage_cannot_be_skipped_unless_the_route_allows():
    application = new_application()
    with pytest.raises(DomainError, match="can move only to Information event or Initial visit"):
        walk(application, EventKind.REGISTRATION_OF_INTEREST)
    walk(application, EventKind.INITIAL_VISIT)  # an enquiry may go straight to an initial visit
    assert application.stage is Stage.INITIAL_VISIT


def test_fast_track_goes_from_roi_straight_to_stage_2_and_others_do_not():
    fast, normal = new_application(fast_track=True), new_application()
    for application in (fast, normal):
        walk(application, EventKind.INITIAL_VISIT, EventKind.REGISTRATION_OF_INTEREST)
    walk(fast, EventKind.STAGE_2, start=DAY0 + timedelta(days=20))
    assert fast.stage is Stage.STAGE_2
    with pytest.raises(DomainError):
        walk(normal, EventKind.STAGE_2, start=DAY0 + timedelta(days=20))


def test_connected_persons_start_at_assessment():
    application = new_application("fostering_connected", first=EventKind.STAGE_2)
    assert application.stage is Stage.STAGE_2
    with pytest.raises(DomainError, match="A new application starts at Enquiry"):
        new_application("adoption", first=EventKind.STAGE_2)


def test_dates_never_in_the_future_nor_before_the_last_event():
    application = new_application()
    with pytest.raises(DomainError, match="today or in the past"):
        machine.record(application, EventKind.INFORMATION_EVENT, TODAY + timedelta(days=1), today=TODAY)
    with pytest.raises(DomainError, match="on or after 6 January 2025"):
        machine.record(application, EventKind.INFORMATION_EVENT, DAY0 - timedelta(days=1), today=TODAY)
    machine.record(application, EventKind.INFORMATION_EVENT, DAY0, today=TODAY)  # the same day is fine


def test_on_hold_blocks_moves_until_resumed():
    application = new_application()
    walk(application, EventKind.ON_HOLD, reason="House move")
    assert application.status is Status.ON_HOLD
    with pytest.raises(DomainError, match="on hold"):
        walk(application, EventKind.INFORMATION_EVENT, start=DAY0 + timedelta(days=10))
    walk(application, EventKind.RESUMED, EventKind.INFORMATION_EVENT, start=DAY0 + timedelta(days=10))
    assert (application.stage, application.status) == (Stage.INFORMATION_EVENT, Status.ACTIVE)


def test_withdrawal_needs_the_party_and_a_reason_and_closes_the_application():
    application = new_application()
    with pytest.raises(DomainError, match="applicant or the service"):
        walk(application, EventKind.WITHDRAWN, withdrawal_reason=HOUSING)
    with pytest.raises(DomainError, match="Choose the reason") as refused:
        walk(application, EventKind.WITHDRAWN, party="applicant", reason="Housing")
    assert refused.value.field == "withdrawal_reason"
    with pytest.raises(DomainError, match="needed when the reason is Other") as refused:
        walk(application, EventKind.WITHDRAWN, party="applicant", withdrawal_reason=OTHER, reason="  ")
    assert refused.value.field == "reason"
    walk(application, EventKind.WITHDRAWN, party="applicant", withdrawal_reason=HOUSING)
    assert application.status is Status.WITHDRAWN and application.stage is Stage.ENQUIRY
    assert application.events[-1].withdrawal_reason_id == HOUSING.id and application.events[-1].reason is None
    with pytest.raises(DomainError, match="withdrawn"):
        walk(application, EventKind.INFORMATION_EVENT, start=DAY0 + timedelta(days=10))


def test_an_approved_household_may_leave_and_then_nothing_more_is_recorded():
    application = new_application("fostering_connected", first=EventKind.STAGE_2)
    day = walk(application, EventKind.PANEL, EventKind.APPROVED, EventKind.PLACED)
    walk(application, EventKind.WITHDRAWN, start=day, party="applicant", withdrawal_reason=HOUSING)
    assert (application.stage, application.status) == (Stage.APPROVED, Status.WITHDRAWN)
    with pytest.raises(DomainError, match="withdrawn"):
        walk(application, EventKind.MATCHED, start=day + timedelta(days=10))


def test_panel_deferral_keeps_the_application_at_panel():
    application = new_application("fostering_connected", first=EventKind.STAGE_2)
    walk(application, EventKind.PANEL)
    walk(application, EventKind.PANEL_DEFERRED, reason="More information on support network",
         start=DAY0 + timedelta(days=10))
    assert (application.stage, application.status) == (Stage.PANEL, Status.ACTIVE)


def test_not_approved_only_from_stage_2_or_panel():
    early = new_application()
    with pytest.raises(DomainError, match="Stage 2 or at panel"):
        walk(early, EventKind.NOT_APPROVED, reason="ADM decision")
    late = new_application("fostering_connected", first=EventKind.STAGE_2)
    walk(late, EventKind.NOT_APPROVED, reason="ADM decision")
    assert late.status is Status.NOT_APPROVED


def test_match_only_once_and_only_after_approval():
    application = new_application("fostering_connected", first=EventKind.STAGE_2)
    with pytest.raises(DomainError, match="while the application is active"):
        walk(application, EventKind.MATCHED)
    walk(application, EventKind.PANEL, EventKind.APPROVED, EventKind.PLACED, EventKind.MATCHED)
    with pytest.raises(DomainError, match="A match is already recorded"):
        walk(application, EventKind.MATCHED, start=DAY0 + timedelta(days=50))


def test_extension_records_its_length_and_reason():
    application = new_application()
    with pytest.raises(DomainError, match="length of the extension"):
        walk(application, EventKind.TIMESCALE_EXTENDED, reason="Overseas check delayed")
    walk(application, EventKind.TIMESCALE_EXTENDED, reason="Overseas check delayed", extension_days=56)
    assert application.events[-1].extension_days == 56 and application.stage is Stage.ENQUIRY


def test_repeat_contact_does_not_move_the_stage():
    application = new_application()
    walk(application, EventKind.INFORMATION_EVENT, EventKind.ENQUIRY)
    assert application.stage is Stage.INFORMATION_EVENT and len(application.events) == 3


def test_undo_leaves_a_trace_and_restores_the_state():
    application = new_application()
    walk(application, EventKind.INFORMATION_EVENT, EventKind.WITHDRAWN, party="service", withdrawal_reason=OTHER,
         reason="Recorded in error")
    undone = machine.undo_last(application, actor=Manager(), reason="Recorded on the wrong family", now=clock.now())
    assert undone.kind is EventKind.WITHDRAWN and undone.undone_by_id == 1
    assert application.status is Status.ACTIVE and application.stage is Stage.INFORMATION_EVENT
    assert len(application.events) == 3  # nothing is deleted
    with pytest.raises(DomainError, match="reason"):
        machine.undo_last(application, actor=Manager(), reason="", now=clock.now())


def test_the_first_event_cannot_be_undone():
    with pytest.raises(DomainError, match="first event"):
        machine.undo_last(new_application(), actor=Manager(), reason="Mistake", now=clock.now())


# -- properties ---------------------------------------------------------------------------------

ACTIONS = st.lists(st.tuples(st.sampled_from(list(EventKind) + ["undo"]), st.integers(-5, 40)), max_size=40)
STAGE_VALUES = {stage.value for stage in Stage}


@settings(max_examples=300, deadline=None)
@given(line=st.sampled_from(["adoption", "fostering_mainstream", "fostering_connected", "early_permanence"]),
       fast_track=st.booleans(), actions=ACTIONS)
def test_no_sequence_of_actions_breaks_the_invariants(line, fast_track, actions):
    application = new_application(line, fast_track=fast_track)
    accepted = 1
    day = DAY0
    for action, offset in actions:
        on = day + timedelta(days=offset)
        try:
            if action == "undo":
                machine.undo_last(application, actor=Manager(), reason="Property test", now=clock.now())
                accepted -= 1
            else:
                machine.record(application, action, on, today=TODAY, party="applicant", reason="Because",
                               withdrawal_reason=OTHER, extension_days=30)
                accepted += 1
                day = on
        except DomainError:
            pass
        live = machine.live(application.events)
        # no event is lost: every accepted event is still there, live, and undone ones are kept too
        assert len(live) == accepted
        # dates never go backwards along the funnel
        assert [e.occurred_on for e in live] == sorted(e.occurred_on for e in live)
        assert all(e.occurred_on <= TODAY for e in live)
        # exactly one stage, and it is the one the live stage events say
        stages = [e for e in live if e.kind.value in STAGE_VALUES and not (e.kind is EventKind.ENQUIRY and e is not live[0])]
        assert application.stage is Stage(stages[-1].kind.value)
        assert application.stage_entered_on == stages[-1].occurred_on
        # stages only ever move forward
        orders = [Stage(e.kind.value).order for e in stages]
        assert orders == sorted(orders)
        assert (application.status is Status.APPROVED) == (application.stage is Stage.APPROVED and not any(
            e.kind in (EventKind.WITHDRAWN, EventKind.NOT_APPROVED) for e in live))
        day = live[-1].occurred_on
