"""Reading households and applications for queues and summaries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, literal_column, or_, select, union_all
from sqlalchemy.orm import aliased, contains_eager, selectinload

from crm import clock
from crm.extensions import db
from crm.funnel.stages import Stage
from crm.funnel.terms import APPROVED_AND_WAITING, is_open
from crm.households.models import Application, Household, Person, ServiceLine
from crm.households.phones import phone_search_key
from crm.households.visibility import visible_households
from crm.pagination import Page, paginate


@dataclass(frozen=True)
class PipelineRow:
    stage: Stage
    counts: dict[str, int]  # service line code -> open applications in this stage

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def service_lines() -> list[ServiceLine]:
    return list(db.session.scalars(select(ServiceLine).order_by(ServiceLine.code)))


def pipeline() -> list[PipelineRow]:
    """Open (active or on hold) applications in each stage, and approved households still waiting, per service line.

    One grouped COUNT over two disjoint sets (open, approved and waiting) put together with UNION ALL: written as
    one WHERE with OR, the planner read every application; apart, the open ones come from the partial index
    ix_applications_open (is_open() writes its statuses into the SQL so the planner can match the index)."""
    both = union_all(
        select(Application.stage, Application.service_line_code).where(is_open()),
        select(Application.stage, Application.service_line_code).where(APPROVED_AND_WAITING.clause()),
    ).subquery()
    rows = db.session.execute(
        select(both.c.stage, both.c.service_line_code, func.count()).group_by(both.c.stage, both.c.service_line_code))
    counts: dict[Stage, dict[str, int]] = {stage: {} for stage in Stage}
    for stage, line, count in rows:
        counts[Stage(stage)][line] = count
    return [PipelineRow(stage, counts[stage]) for stage in Stage]


def allocated_applications(worker_id: int, *, limit: int = 50) -> tuple[list[Application], int]:
    """Open applications of the households allocated to a worker, longest in their stage first."""
    where = (Household.allocated_worker_id == worker_id, is_open())
    total = db.session.scalar(select(func.count()).select_from(Application).join(Application.household).where(*where))
    query = (
        select(Application).join(Application.household).where(*where)
        .options(contains_eager(Application.household).selectinload(Household.people),
                 selectinload(Application.service_line))
        .order_by(Application.stage_entered_on, Application.id).limit(limit)
    )
    return list(db.session.scalars(query).unique()), total


def days_since(day: date, today: date | None = None) -> int:
    return ((today or clock.today()) - day).days


class NotVisible(Exception):
    """The household does not exist, or the user may not see it."""


def visible_household(user, household_id: int) -> Household:
    """The household with its people, applications and events, if this user may see it."""
    query = (select(Household).where(Household.id == household_id, visible_households(user))
             .options(selectinload(Household.people),
                      selectinload(Household.applications).selectinload(Application.events),
                      selectinload(Household.partner_authority), selectinload(Household.allocated_worker)))
    household = db.session.scalar(query)
    if household is None:
        raise NotVisible(household_id)
    return household


def search(user, text: str, *, page: int = 1) -> Page:
    """A page of the households this user may see whose name, reference, email, phone or postcode matches the
    text."""
    matches = household_matches(text)
    if matches is None:
        return Page([], 0, 1)
    return paginate(
        select(Household).where(matches, visible_households(user))
        .options(selectinload(Household.people),
                 selectinload(Household.applications).selectinload(Application.service_line))
        .order_by(Household.reference), page)


def household_matches(text: str):
    """A condition on Household: the text matches a name, the reference, email, phone or postcode; None if blank.

    Shared by household search and the work queues, so both find the same households for the same words. Each way
    of matching is a SELECT of household ids of its own, united, so each can read its index (on PostgreSQL the
    trigram indexes of migration 3f8a1c6d2b94 for the `%text%` ones); ORed in one WHERE, the planner could use none.
    Each compares the expression its index holds: the generated normalised columns, and full_name_lowered().
    """
    words = text.strip()
    if not words:
        return None
    lowered = words.lower()
    matched = aliased(Household)  # not correlated with the query the condition is put in
    arms = [
        select(matched.id).where(func.lower(matched.reference) == lowered),
        select(matched.id).where(matched.email_normalised.contains(lowered, autoescape=True)),
        select(matched.id).where(matched.postcode_normalised == words.replace(" ", "").upper()),
        # A surname match is a full-name match too (first names are never null): one condition, one index.
        select(Person.household_id).where(full_name_lowered().contains(lowered, autoescape=True)),
    ]
    key = phone_search_key(words)
    if len(key) >= 6:  # 07700 900123, +44 7700 900123 ... : see _phone_matches
        arms.append(select(matched.id).where(matched.phone_normalised.contains(key, autoescape=True)))
    return Household.id.in_(union_all(*arms))


def full_name_lowered():
    """lower(first_name || ' ' || last_name), written exactly as ix_people_full_name_trgm's expression (the space a
    literal, not a parameter) so PostgreSQL matches the search's condition to the index."""
    return func.lower(Person.first_name + literal_column("' '") + Person.last_name)


def _phone_matches(words: str) -> list:
    """07700 900123, +44 7700 900123, +44 (0)7700 900123 and (07700) 900-123 are one number: the stored
    normalised phone contains its national number, so any form typed finds any form stored."""
    key = phone_search_key(words)
    if len(key) < 6:
        return []
    return [Household.phone_normalised.contains(key, autoescape=True)]
