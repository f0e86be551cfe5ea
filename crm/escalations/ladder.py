"""The check escalation ladder (SPEC section 4): who hears, how many working days after the due date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from crm.workdays import is_working_day, next_working_day

STEPS = ("owner", "team_manager", "service_manager")


@dataclass(frozen=True)
class Rung:
    working_days: int
    step: str


def parse(setting: str) -> list[Rung]:
    """'0:owner,7:team_manager,21:service_manager' -> rungs, checked so a typo fails at start, not silently."""
    rungs = []
    for part in setting.split(","):
        days, _, step = part.strip().partition(":")
        if step not in STEPS or not days.isdigit():
            raise ValueError(f"CHECK_ESCALATION_LADDER: '{part}' is not DAYS:{'|'.join(STEPS)}")
        rungs.append(Rung(int(days), step))
    if [r.working_days for r in rungs] != sorted(r.working_days for r in rungs):
        raise ValueError("CHECK_ESCALATION_LADDER: the rungs must be in order of days")
    return rungs


def fires_on(due_on: date, working_days: int) -> date:
    """The working day a rung fires: the due date (or the next working day after it, if it is not one),
    then that many working days on. A check due on Christmas Day reminds its owner on the next working day."""
    day = due_on if is_working_day(due_on) else next_working_day(due_on)
    for _ in range(working_days):
        day = next_working_day(day)
    return day


def latest_due_for(today: date, working_days: int) -> date:
    """The latest due date whose rung has fired by `today`: lets the query read only those checks."""
    day = today
    while fires_on(day, working_days) > today:
        day = date.fromordinal(day.toordinal() - 1)
    return day
