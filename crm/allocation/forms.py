"""Allocation forms: shape only; crm/allocation/services.py holds the rules."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import HiddenField, SelectField, SubmitField

from crm.forms import HearthForm

WORKERS_TEAM = ("", "The worker's team")


class AllocateForm(HearthForm):
    """A manager reallocates one household."""

    worker = SelectField("Allocate to", widget=GovSelect(), validate_choice=False)
    team = SelectField("Team", widget=GovSelect(), validate_choice=False,
                       description="Leave it as the worker's team unless the case sits with another.")
    submit = SubmitField("Reallocate", widget=GovSubmitInput())


class MoveCaseloadForm(HearthForm):
    """A manager moves all of a worker's cases (a worker leaving); the counts are those the confirmation showed."""

    leaving = SelectField("Whose cases?", widget=GovSelect(), validate_choice=False)
    to = SelectField("Reallocate them to", widget=GovSelect(), validate_choice=False)
    households = HiddenField()
    checks = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def expected(self) -> tuple[int, int] | None:
        """The counts the confirmation page showed, or None before it (the first step)."""
        values = (self.households.data or "", self.checks.data or "")
        return tuple(int(v) for v in values) if all(v.isdigit() for v in values) else None


def user_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def worker_choices(workers, blank: str) -> list[tuple[str, str]]:
    """Choices of crm.allocation.services.WorkerOption: the name, and the team in brackets."""
    return [("", blank)] + [(str(w.id), f"{w.full_name} ({w.team_name})" if w.team_name else w.full_name)
                            for w in workers]


def team_choices(teams) -> list[tuple[str, str]]:
    return [WORKERS_TEAM] + [(str(t.id), t.name) for t in teams]
