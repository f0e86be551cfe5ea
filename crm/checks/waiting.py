"""Whose turn a statutory check is waiting on: the applicant's, or someone else's (a GP, the DBS, a referee).

A check is requested by the worker and received from whoever answers it; for part of that time it cannot move
until the applicant has done their part. That part is recorded in three places, each a SOURCE below:

- the DBS check's first part, "Applicant completed the online application" (crm/checks/models.CheckPart);
- a consent the applicant gives for the check in the applicant portal (crm/portal), where the check type needs one;
- the referees the applicant names for a reference check (crm/references): their part ends when the last referee
  the check needs has been named.

The applicant's part of a check ends on the latest of the days its sources record; a source that applies but is not
recorded yet means the check is still waiting on the applicant. A check with no source has no applicant's part: all
its time is waiting on others. A check can never wait on the applicant after it was received, nor before it was
requested, so the applicant's days are clipped to the check's own.

Each source is a SQL statement of (check_id, done_on) rows, done_on NULL for "applies, not done yet", restricted
to the checks of a statement of check ids: the report reads them all in one more query, whatever the number of checks.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, select, union_all

from crm.checks.models import CheckPart

# The DBS check's part that is the applicant's own (migrations' seeded catalogue; crm.checks.catalogue's DBS parts).
APPLICANT_PART = "Applicant completed the online application"


def _dbs_applicant_part(check_ids: Select) -> Select:
    return select(CheckPart.check_id.label("check_id"), CheckPart.completed_on.label("done_on")).where(
        CheckPart.name == APPLICANT_PART, CheckPart.check_id.in_(check_ids))


SOURCES: list[Callable[[Select], Select]] = [_dbs_applicant_part]


def register(source: Callable[[Select], Select]) -> Callable[[Select], Select]:
    """Add a source: a function of a statement selecting check ids, giving (check_id, done_on) rows."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def applicant_parts(check_ids: Select) -> Select:
    """Every source's (check_id, done_on) rows for the checks `check_ids` selects, in one statement."""
    return union_all(*(source(check_ids) for source in SOURCES))
