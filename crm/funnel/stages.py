"""The stages and statuses of SPEC section 2, and the kinds of event recorded against an application."""
from enum import StrEnum


class Stage(StrEnum):
    ENQUIRY = "enquiry"
    INFORMATION_EVENT = "information_event"
    INITIAL_VISIT = "initial_visit"
    REGISTRATION_OF_INTEREST = "registration_of_interest"
    STAGE_1 = "stage_1"
    STAGE_1_COMPLETED = "stage_1_completed"
    STAGE_2 = "stage_2"
    PANEL = "panel"
    APPROVED = "approved"

    @property
    def order(self) -> int:
        return list(Stage).index(self)

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.ENQUIRY: "Enquiry",
    Stage.INFORMATION_EVENT: "Information event",
    Stage.INITIAL_VISIT: "Initial visit",
    Stage.REGISTRATION_OF_INTEREST: "Registration of interest",
    Stage.STAGE_1: "Stage 1",
    Stage.STAGE_1_COMPLETED: "Between Stage 1 and Stage 2",
    Stage.STAGE_2: "Stage 2",
    Stage.PANEL: "Panel",
    Stage.APPROVED: "Approved",
}


class Status(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    WITHDRAWN = "withdrawn"
    NOT_APPROVED = "not_approved"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Open: still in the funnel, whatever the stage; a pause does not close an application. The SQL condition is
# crm.funnel.terms.is_open.
OPEN_STATUSES = (Status.ACTIVE, Status.ON_HOLD)


class EventKind(StrEnum):
    """A stage entered, or one of the status and milestone events of SPEC sections 2 and 7."""

    ENQUIRY = "enquiry"
    INFORMATION_EVENT = "information_event"
    INITIAL_VISIT = "initial_visit"
    REGISTRATION_OF_INTEREST = "registration_of_interest"
    STAGE_1 = "stage_1"
    STAGE_1_COMPLETED = "stage_1_completed"
    STAGE_2 = "stage_2"
    PANEL = "panel"
    APPROVED = "approved"
    ON_HOLD = "on_hold"
    RESUMED = "resumed"
    WITHDRAWN = "withdrawn"
    NOT_APPROVED = "not_approved"
    PANEL_DEFERRED = "panel_deferred"
    MATCHED = "matched"
    PLACED = "placed"
    TIMESCALE_EXTENDED = "timescale_extended"


class WithdrawingParty(StrEnum):
    APPLICANT = "applicant"
    SERVICE = "service"


EVENT_LABELS = {
    EventKind.ENQUIRY: "Further contact from the household",
    EventKind.INFORMATION_EVENT: "Attended an information event or 1:1 consultation",
    EventKind.INITIAL_VISIT: "Initial visit completed",
    EventKind.REGISTRATION_OF_INTEREST: "Registration of interest received",
    EventKind.STAGE_1: "Registration of interest accepted: Stage 1 started",
    EventKind.STAGE_1_COMPLETED: "Stage 1 completed: may proceed",
    EventKind.STAGE_2: "Notice to proceed received: Stage 2 started",
    EventKind.PANEL: "Presented to panel",
    EventKind.APPROVED: "Approved by the agency decision maker",
    EventKind.ON_HOLD: "Put on hold",
    EventKind.RESUMED: "Resumed",
    EventKind.WITHDRAWN: "Withdrawn",
    EventKind.NOT_APPROVED: "Not approved by the agency decision maker",
    EventKind.PANEL_DEFERRED: "Panel deferred its recommendation",
    EventKind.MATCHED: "Matched with a child",
    EventKind.PLACED: "Child placed with the household",
    EventKind.TIMESCALE_EXTENDED: "Timescale extended",
}
