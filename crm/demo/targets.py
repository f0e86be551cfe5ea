"""This financial year's targets for the demo service, a little above its pace so the report has something to say."""
from __future__ import annotations

from datetime import date

from crm import clock
from crm.funnel.service_lines import ServiceLineCode
from crm.targets.services import set_target

# Per 300 demo households (the default demo): (measure, service line or None for the whole service, target).
TARGETS = (("enquiry_households", None, 300), ("registrations_of_interest", None, 130),
           ("stage_1_starts", None, 95), ("stage_2_starts", None, 85), ("approvals", None, 40),
           ("approvals", ServiceLineCode.ADOPTION, 15))


def set_demo_targets(today: date, households: int, *, actor) -> None:
    """Set TARGETS, scaled to the demo's size, for the financial year of `today`. The caller commits."""
    year_start = clock.financial_year_start(today)
    for measure, line, target in TARGETS:
        set_target(year_start, measure, line, max(1, round(target * households / 300)), actor=actor)
