"""Where the applicant's application is, in plain words: the stage, what happens next, and the statutory timescale
that runs (read from crm.funnel.timescales, never restated here)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from crm import clock
from crm.funnel.stages import OPEN_STATUSES, Stage, Status
from crm.funnel.timescales import timescale

WHERE = {
    Stage.REGISTRATION_OF_INTEREST: "We have your registration of interest.",
    Stage.STAGE_1: "You are in Stage 1: we are doing the checks and taking up references.",
    Stage.STAGE_1_COMPLETED: "Stage 1 is complete. You can tell us when you want to start Stage 2.",
    Stage.STAGE_2: "You are in Stage 2: your social worker is getting to know you through the assessment.",
    Stage.PANEL: "Your assessment goes to the panel.",
    Stage.APPROVED: "You have been approved.",
}
NEXT = {
    Stage.REGISTRATION_OF_INTEREST: "We will tell you when Stage 1 starts.",
    Stage.STAGE_1: "Do the tasks below: every one you finish is one less thing to wait for. Your social worker "
                   "will tell you when Stage 1 is complete.",
    Stage.STAGE_1_COMPLETED: "When you are ready, tell your social worker that you wish to go on to Stage 2.",
    Stage.STAGE_2: "Your social worker will visit you and write the report that goes to the panel.",
    Stage.PANEL: "The panel makes a recommendation, and the agency decision maker decides.",
    Stage.APPROVED: "Your social worker will talk to you about the next steps.",
}
ON_HOLD = "Your application is on hold. Your social worker will tell you when it starts again."


@dataclass(frozen=True)
class ApplicationView:
    service_line: str
    where: str
    next_step: str
    timescale: str | None
    due_on: date | None
    overdue: bool = False


def application_overview(account, today: date | None = None) -> list[ApplicationView]:
    """One entry per application of the household still open or approved, in plain words."""
    today = today or clock.today()
    return [_view(application, today) for application in account.household.applications
            if application.status in OPEN_STATUSES or application.status is Status.APPROVED]


def _view(application, today: date) -> ApplicationView:
    running = timescale(application, today)
    next_step = ON_HOLD if application.status is Status.ON_HOLD else NEXT.get(application.stage, "")
    return ApplicationView(
        service_line=application.service_line.name, where=WHERE.get(application.stage, "We have your enquiry."),
        next_step=next_step, due_on=running.due_on if running else None,
        timescale=running.label if running else None, overdue=running.overdue if running else False)
