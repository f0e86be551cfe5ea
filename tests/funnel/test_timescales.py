"""Timescales (SPEC section 4, issue 19): adoption's per stage, fostering's whole assessment, worked by hand."""
from __future__ import annotations

from datetime import date

from crm.funnel import machine
from crm.funnel.stages import EventKind
from crm.funnel.timescales import timescale
from crm.households.models import Application

TODAY = date(2027, 6, 30)


def history(line: str, *events) -> Application:
    application = Application(service_line_code=line, fast_track=False)
    application.events = []
    for kind, on, *extension in events:
        machine.record(application, kind, on, today=TODAY, imported=True, reason="Good reason" if extension else None,
                       extension_days=extension[0] if extension else None)
    return application


def test_mainstream_fostering_times_the_whole_assessment_from_the_roi():
    application = history("fostering_mainstream", (EventKind.ENQUIRY, date(2026, 1, 5)),
                          (EventKind.REGISTRATION_OF_INTEREST, date(2026, 3, 1)),
                          (EventKind.STAGE_1, date(2026, 3, 20)), (EventKind.STAGE_1_COMPLETED, date(2026, 6, 1)),
                          (EventKind.STAGE_2, date(2026, 6, 8)))
    # 1 March + 8 months = 1 November: 245 days. On 9 September, day 192: 78% (amber). The stages' own starts
    # do not restart it.
    running = timescale(application, date(2026, 9, 9))
    assert (running.started_on, running.due_on, running.allowed_days, running.elapsed_days, running.rag) == (
        date(2026, 3, 1), date(2026, 11, 1), 245, 192, "amber")
    assert running.label == "Whole assessment: 8 months from the application (ROI) to the decision"
    assert timescale(application, date(2026, 8, 1)).rag == "green"  # day 153: 62%
    machine.record(application, EventKind.PANEL, date(2026, 10, 20), today=TODAY)
    assert timescale(application, date(2026, 11, 2)).rag == "red"  # at panel, past 1 November
    assert timescale(application, date(2026, 11, 1)).rag == "amber"  # on the due date: not yet past it


def test_connected_persons_16_weeks_from_the_stage_it_opened_at_with_the_extension_added():
    application = history("fostering_connected", (EventKind.STAGE_2, date(2026, 1, 5)))
    # 5 January + 16 weeks = 27 April: 112 days; 75% is day 84, 30 March.
    running = timescale(application, date(2026, 3, 29))
    assert (running.due_on, running.elapsed_days, running.rag) == (date(2026, 4, 27), 83, "green")
    assert timescale(application, date(2026, 3, 30)).rag == "amber"
    machine.record(application, EventKind.TIMESCALE_EXTENDED, date(2026, 4, 1), today=TODAY, reason="Court date",
                   extension_days=56)
    # Extended by 8 weeks: due 22 June, 168 days; on 28 April, day 113 (67%): green again.
    extended = timescale(application, date(2026, 4, 28))
    assert (extended.due_on, extended.extended_days, extended.rag) == (date(2026, 6, 22), 56, "green")
    machine.record(application, EventKind.PANEL, date(2026, 6, 1), today=TODAY)
    assert timescale(application, date(2026, 6, 23)).rag == "red"
    assert extended.label == "Whole assessment: 16 weeks from its start to the decision (extension of 8 weeks)"


def test_connected_persons_opened_at_stage_1_run_from_it_through_stage_2():
    application = history("fostering_connected", (EventKind.ENQUIRY, date(2026, 1, 20)),
                          (EventKind.STAGE_1, date(2026, 2, 2)), (EventKind.STAGE_2, date(2026, 3, 2)))
    running = timescale(application, date(2026, 4, 1))
    # From 2 February, not from Stage 2's start: + 112 days = 25 May.
    assert (running.started_on, running.due_on) == (date(2026, 2, 2), date(2026, 5, 25))


def test_early_permanence_uses_adoptions_stage_timescales_and_panel_is_in_stage_2():
    application = history("early_permanence", (EventKind.ENQUIRY, date(2026, 1, 5)),
                          (EventKind.STAGE_1, date(2026, 1, 15)))
    running = timescale(application, date(2026, 3, 1))
    assert (running.due_on, running.label) == (date(2026, 3, 15), "Stage 1: 2 months from its start")
    machine.record(application, EventKind.STAGE_1_COMPLETED, date(2026, 3, 10), today=TODAY)
    machine.record(application, EventKind.STAGE_2, date(2026, 3, 31), today=TODAY)
    machine.record(application, EventKind.PANEL, date(2026, 7, 20), today=TODAY)
    # 31 March + 4 months = 31 July, the clock of Stage 2 still running at panel: day 119 of 122 on 28 July.
    at_panel = timescale(application, date(2026, 7, 28))
    assert (at_panel.started_on, at_panel.due_on, at_panel.rag) == (date(2026, 3, 31), date(2026, 7, 31), "amber")


def test_no_timescale_before_the_assessment_or_once_approved():
    application = history("fostering_mainstream", (EventKind.ENQUIRY, date(2026, 1, 5)))
    assert timescale(application, date(2026, 2, 1)) is None
    adopted = history("adoption", (EventKind.ENQUIRY, date(2026, 1, 5)), (EventKind.STAGE_2, date(2026, 2, 1)),
                      (EventKind.PANEL, date(2026, 5, 1)), (EventKind.APPROVED, date(2026, 5, 8)))
    assert timescale(adopted, date(2026, 6, 1)) is None
