"""The funnel's terms that queues, jobs and reports share (SPEC section 2), each written once: "open" and "approved
and waiting", with the Python test and the SQL condition on Application read from the same definition."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select

from crm.funnel.models import StageEvent
from crm.funnel.service_lines import ServiceLineCode
from crm.funnel.stages import OPEN_STATUSES, EventKind, Status
from crm.households.models import Application


def is_open():
    """The application is open: active or on hold (OPEN_STATUSES, the same set the Python code tests).

    The values are written into the SQL (literal_execute), not bound: the partial index ix_applications_open holds
    open applications only, and a planner uses it only when it can see the statuses asked for."""
    return Application.status.in_(bindparam("open_statuses", list(OPEN_STATUSES), expanding=True,
                                            literal_execute=True))


@dataclass(frozen=True)
class ApprovedAndWaiting:
    """Approved, and no live match (adoption) or placement (fostering) yet: the first one ends the wait, so a
    fostering household's later placements change nothing. A household on hold after approval is still approved and
    waiting: counted in it, and shown apart (`held`, `held_clause`)."""

    status: Status = Status.APPROVED
    ended_by: tuple[EventKind, ...] = (EventKind.MATCHED, EventKind.PLACED)

    def matches(self, status: Status, kinds: Iterable[EventKind]) -> bool:
        """An application (or its state replayed to a date) with this status and these live event kinds waits."""
        return status == self.status and not set(self.ended_by).intersection(kinds)

    def clause(self):
        """The same test as a SQL condition on Application."""
        ended = select(StageEvent.id).where(StageEvent.application_id == Application.id,
                                            StageEvent.kind.in_(self.ended_by), StageEvent.undone_at.is_(None))
        return and_(Application.status == self.status, ~ended.exists())

    def held(self, state) -> bool:
        """Of the waiting (or its state replayed to a date, crm.funnel.machine.State): on hold since approval."""
        return self.matches(state.status, state.kinds) and state.held_on is not None

    def held_clause(self):
        """The same test as a SQL condition on Application: more live holds than resumptions (holds and resumptions
        alternate, and an application is approved only while not on hold, so an unresumed hold is the one since
        approval)."""
        def live(kind):
            return (select(func.count(StageEvent.id))
                    .where(StageEvent.application_id == Application.id, StageEvent.kind == kind,
                           StageEvent.undone_at.is_(None)).scalar_subquery())
        return and_(self.clause(), live(EventKind.ON_HOLD) > live(EventKind.RESUMED))

    @staticmethod
    def many_placements(service_line: str) -> bool:
        """A fostering (or early permanence) household is placed many times; an adoption is one placement."""
        return service_line != ServiceLineCode.ADOPTION

    def ending_kind(self, service_line: str) -> EventKind:
        """The event that ends the wait on this line: the match for adoption, the first placement otherwise."""
        return EventKind.MATCHED if service_line == ServiceLineCode.ADOPTION else EventKind.PLACED


APPROVED_AND_WAITING = ApprovedAndWaiting()
