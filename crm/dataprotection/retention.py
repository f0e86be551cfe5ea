"""Retention (SPEC section 8): the rules an administrator configures, and which households fall due under them.

A household falls under one rule, read from its applications as they stand:
- `enquiry_no_roi`: none of its applications reached a Registration of Interest (or it has none). Due the rule's
  period after its last contact: the latest of its first enquiry, its enquiry contacts and its live stage events.
- `withdrawn_or_not_approved`: it reached a Registration of Interest, every application is withdrawn or not
  approved, and none reached approval. Due the period after the last withdrawal or decision.
- `approved`: an application reached approval (even if it left afterwards). Kept: never anonymised or erased.
Open applications that reached ROI are under no rule yet. A household on legal hold, or already anonymised, is
never due.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, exists, false, func, literal, or_, select

from crm import clock
from crm.audit.services import record_event
from crm.dataprotection.models import RetentionRule
from crm.enquiries.models import EnquiryContact
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import Stage, Status
from crm.households.models import Application, Household
from crm.pagination import Page, paginate

ENQUIRY_NO_ROI = "enquiry_no_roi"
WITHDRAWN_OR_NOT_APPROVED = "withdrawn_or_not_approved"
APPROVED = "approved"
ERASURE = "erasure"  # the anonymised_rule of an erased household
BEFORE_ROI = (Stage.ENQUIRY, Stage.INFORMATION_EVENT, Stage.INITIAL_VISIT)
CLOSED = (Status.WITHDRAWN, Status.NOT_APPROVED)
MAX_YEARS = 100


def all_rules() -> list[RetentionRule]:
    return list(db.session.scalars(select(RetentionRule).order_by(RetentionRule.position)))


def rule_periods() -> dict[str, int | None]:
    return {rule.code: rule.period_years for rule in all_rules()}


def set_periods(periods: dict[str, int | None], *, actor) -> list[str]:
    """Change the rules' periods (whole years, 1 to MAX_YEARS; None keeps the records); returns the codes
    changed. Every period is checked before any is stored; the change is audited with before and after."""
    rules = {rule.code: rule for rule in all_rules()}
    problems = [(code, message) for code, years in periods.items()
                if (message := _refusal(rules.get(code), years)) is not None]
    if problems:
        raise DomainError.several(problems)
    changed = [code for code, years in periods.items() if rules[code].period_years != years]
    for code in changed:
        before, rules[code].period_years = rules[code].period_years, periods[code]
        rules[code].updated_at, rules[code].updated_by_id = clock.now(), getattr(actor, "id", None)
        record_event(db.session, "retention_rule_changed", actor=actor, object_type="retention_rule",
                     object_id=code, detail={"before_years": before, "after_years": periods[code]})
    db.session.flush()
    return changed


def _refusal(rule: RetentionRule | None, years: int | None) -> str | None:
    if rule is None:
        return "There is no such retention rule"
    if rule.code == APPROVED:
        return None if years is None else "Approved households' records are kept: they have no period"
    if years is not None and not 1 <= years <= MAX_YEARS:
        return f"The period must be a whole number of years from 1 to {MAX_YEARS}, or blank to keep the records"
    return None


# Which households are due -------------------------------------------------------------------------------------

def cutoff(today: date, years: int) -> date:
    """The last day whose records are due today under a period of `years`."""
    return today - relativedelta(years=years)


def _applications(*conditions):
    return exists().where(Application.household_id == Household.id, *conditions)


def reached_roi():
    return _applications(Application.stage.not_in(BEFORE_ROI))


def ever_approved():
    return _applications(Application.stage == Stage.APPROVED)


def _enquiry_due(today: date, years: int | None):
    if years is None:
        return false()
    last = cutoff(today, years)
    later_event = exists().where(StageEvent.application_id == Application.id, Application.household_id == Household.id,
                                 StageEvent.undone_at.is_(None), StageEvent.occurred_on > last)
    later_contact = exists().where(EnquiryContact.household_id == Household.id,
                                   EnquiryContact.received_at >= clock.london_time(last + timedelta(days=1)))
    return and_(~reached_roi(), Household.first_enquiry_on <= last, ~later_event, ~later_contact)


def _closed_due(today: date, years: int | None):
    if years is None:
        return false()
    decided = func.coalesce(Application.status_changed_on, Application.stage_entered_on)
    return and_(reached_roi(), ~ever_approved(), ~_applications(Application.status.not_in(CLOSED)),
                ~_applications(decided > cutoff(today, years)))


def due_query(today: date):
    """(household id, reference, rule code) of every household the job would anonymise on `today`, by reference."""
    periods = rule_periods()
    enquiry = _enquiry_due(today, periods.get(ENQUIRY_NO_ROI))
    closed = _closed_due(today, periods.get(WITHDRAWN_OR_NOT_APPROVED))
    rule = case((enquiry, literal(ENQUIRY_NO_ROI)), else_=literal(WITHDRAWN_OR_NOT_APPROVED)).label("rule")
    return (select(Household.id, Household.reference, rule)
            .where(or_(enquiry, closed), Household.legal_hold.is_(False), Household.anonymised_at.is_(None))
            .order_by(Household.reference))


@dataclass(frozen=True)
class Due:
    household_id: int
    reference: str
    rule: str
    due_on: date


def preview(today: date, number: int) -> Page:
    """A page of the households due on `today`, each with its rule and the day it became due."""
    page = paginate(due_query(today), number)
    periods = rule_periods()
    since = last_dates([row.id for row in page.items])
    return page.map(lambda row: Due(row.id, row.reference, row.rule,
                                    since[row.id][row.rule] + relativedelta(years=periods[row.rule])))


def last_dates(household_ids: list[int]) -> dict[int, dict[str, date]]:
    """{household id: {rule code: the day its period runs from}} for these households (three statements)."""
    if not household_ids:
        return {}
    result = {hid: {} for hid in household_ids}
    firsts = db.session.execute(select(Household.id, Household.first_enquiry_on)
                                .where(Household.id.in_(household_ids))).all()
    contacts = db.session.execute(select(EnquiryContact.household_id, func.max(EnquiryContact.received_at))
                                  .where(EnquiryContact.household_id.in_(household_ids))
                                  .group_by(EnquiryContact.household_id)).all()
    events = db.session.execute(
        select(Application.household_id, func.max(StageEvent.occurred_on),
               func.max(func.coalesce(Application.status_changed_on, Application.stage_entered_on)))
        .join(StageEvent, StageEvent.application_id == Application.id, isouter=True)
        .where(Application.household_id.in_(household_ids), or_(StageEvent.id.is_(None),
                                                               StageEvent.undone_at.is_(None)))
        .group_by(Application.household_id)).all()
    for hid, first in firsts:
        result[hid][ENQUIRY_NO_ROI] = first
    for hid, received in contacts:
        result[hid][ENQUIRY_NO_ROI] = max(result[hid][ENQUIRY_NO_ROI], clock.london_date(received))
    for hid, last_event, decided in events:
        if last_event is not None:
            result[hid][ENQUIRY_NO_ROI] = max(result[hid][ENQUIRY_NO_ROI], last_event)
        if decided is not None:
            result[hid][WITHDRAWN_OR_NOT_APPROVED] = decided
    return result
