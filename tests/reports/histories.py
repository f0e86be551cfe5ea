"""Hand-built application histories for the report golden tests, recorded through the funnel services (the one
state machine), so every history is one the rules allow."""
from __future__ import annotations

from datetime import date, timedelta

from crm.funnel import services
from crm.funnel.stages import EventKind, Stage, WithdrawingParty
from tests.factories import HouseholdFactory

TODAY = date(2030, 1, 1)  # after every date in the tests: nothing is refused for being in the future


def lead_in(roi: date) -> list:
    """Enquiry 20 days and initial visit 10 days before the Registration of Interest."""
    return [(Stage.ENQUIRY, roi - timedelta(days=20)), (Stage.INITIAL_VISIT, roi - timedelta(days=10)),
            (Stage.REGISTRATION_OF_INTEREST, roi)]


def to_stage_1(start: date, roi: date | None = None) -> list:
    """The lead-in, then Stage 1 from `start` (ROI a week before unless given)."""
    return [*lead_in(roi or start - timedelta(days=7)), (Stage.STAGE_1, start)]


def approval(on: date) -> list:
    """Panel a week before the approval `on`, then the approval."""
    return [(Stage.PANEL, on - timedelta(days=7)), (Stage.APPROVED, on)]


def approved(stage_2: date, on: date) -> list:
    """Stage 2 from `stage_2`, then panel and approval on `on`."""
    return [(Stage.STAGE_2, stage_2), *approval(on)]


def journey(actor, *steps, line: str = "adoption", household=None, fast_track: bool = False, manager=None):
    """Open an application at the first step and record the others in order. A step is (Stage, date) or one of
    ("hold", date), ("resume", date), ("withdraw", date), ("not_approved", date), ("extend", date, days),
    ("found", date), ("matched", date), ("placed", date), ("deferred", date) or ("undo",), done by `manager`
    (default the actor, who must then be a manager)."""
    first_stage, first_on = steps[0]
    application = services.open_application(household or HouseholdFactory(), line, first_on, actor=actor,
                                            stage=first_stage, fast_track=fast_track, today=TODAY)
    for step in steps[1:]:
        _record(application, step, actor, manager)
    return application


def _record(application, step, actor, manager) -> None:
    what, *rest = step
    if isinstance(what, Stage):
        services.advance(application, what, rest[0], actor=actor, today=TODAY)
    elif what == "hold":
        services.hold(application, rest[0], "Bereavement", actor=actor, today=TODAY)
    elif what == "resume":
        services.resume(application, rest[0], actor=actor, today=TODAY)
    elif what == "withdraw":
        services.withdraw(application, rest[0], WithdrawingParty.APPLICANT, "Health", actor=actor, today=TODAY)
    elif what == "not_approved":
        services.decide_not_approved(application, rest[0], "Not suitable", actor=actor, today=TODAY)
    elif what == "extend":
        services.extend_timescale(application, rest[0], rest[1], "Applicant in hospital", actor=actor, today=TODAY)
    elif what == "found":
        services.record_found_family(application, rest[0], actor=actor, today=TODAY)
    elif what in ("matched", "placed"):
        services.record(application, EventKind(what), rest[0], actor=actor, today=TODAY)
    elif what == "deferred":
        services.defer_at_panel(application, rest[0], "Panel asked for a further referee", actor=actor, today=TODAY)
    elif what == "undo":
        services.undo(application, "Recorded in error", actor=manager or actor)
    else:
        raise ValueError(f"Unknown step {step!r}")
