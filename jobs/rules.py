"""What each scheduled job finds due (SPEC section 4). Each returns its counts; the runner records the run.

Every rule has the same shape: find what is due now, raise it (the database keeps each escalation once),
clear what is no longer due (someone acted, or the subject moved on), commit, then deliver the email.
"""
from __future__ import annotations

from datetime import date, time

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.enquiries.models import EnquiryContact
from crm.escalations import ladder
from crm.escalations import services as escalations
from crm.escalations.models import EscalationKind
from crm.escalations.recipients import Directory
from crm.extensions import db
from crm.formatting import date_time, long_date
from crm.funnel.stages import Stage
from crm.funnel.terms import APPROVED_AND_WAITING, is_open
from crm.funnel.timescales import TIMESCALES, timescale
from crm.households.models import Application, Household


def _finish(kind: EscalationKind, subject_type: str, dues: list[escalations.Due], run_id: int | None,
            reason: str) -> dict:
    created = escalations.raise_all(dues, run_id=run_id)
    cleared = escalations.resolve_missing(kind, subject_type, {(d.subject_id, d.step) for d in dues}, reason)
    db.session.commit()
    return {"due": len(dues), "raised": created, "cleared": cleared, "email": escalations.deliver_pending()}


def check_escalations(today: date, run_id: int | None = None) -> dict:
    """Overdue checks up the ladder: the owner on the due date, the team's managers 7 working days on, the
    service managers 21 working days on (CHECK_ESCALATION_LADDER). Reads only open checks already due."""
    rungs = ladder.parse(current_app.config["CHECK_ESCALATION_LADDER"])
    due_by = ladder.latest_due_for(today, rungs[0].working_days)
    rows = db.session.execute(overdue_checks(due_by)).all()
    people = Directory()
    dues = []
    for check_id, due_on, owner_id, check_name, household_id, reference, team_id, worker_id in rows:
        owner = owner_id if people.is_active(owner_id) else worker_id
        team = people.team_of(owner) or team_id
        summary = f"{check_name} for household {reference}: due {long_date(due_on)}, not received"
        for rung in rungs:
            if ladder.fires_on(due_on, rung.working_days) > today:
                break
            recipients = {"owner": people.worker_or_managers(owner, team),
                          "team_manager": people.team_managers(team),
                          "service_manager": people.service_managers()}[rung.step]
            dues += [escalations.Due(EscalationKind.CHECK_OVERDUE, "check", check_id, rung.step, recipient,
                                     household_id, summary, ladder.fires_on(due_on, rung.working_days))
                     for recipient in recipients]
    return _finish(EscalationKind.CHECK_OVERDUE, "check", dues, run_id, "check received, or no longer open")


def overdue_checks(due_by: date):
    """Open checks (not received or withdrawn) of open applications due on or before `due_by`. The due checks are
    found first, in a materialised CTE served by the partial index on due_on WHERE received_on IS NULL, so the job
    reads the checks that are due, never every check of every open application (whatever a planner would make of
    tiny tables)."""
    from crm.checks.models import CheckInstance, CheckType  # the checks area owns the model

    due = (select(CheckInstance.id, CheckInstance.due_on, CheckInstance.owner_id, CheckInstance.check_type_id,
                  CheckInstance.application_id)
           .where(CheckInstance.is_open, CheckInstance.due_on <= due_by)
           .cte("due_checks").prefix_with("MATERIALIZED"))
    return (select(due.c.id, due.c.due_on, due.c.owner_id, CheckType.name,
                   Household.id, Household.reference, Household.team_id, Household.allocated_worker_id)
            .join(CheckType, CheckType.id == due.c.check_type_id)
            .join(Application, Application.id == due.c.application_id)
            .join(Household, Household.id == Application.household_id)
            .where(is_open()))


def stage_timescales(today: date, run_id: int | None = None) -> dict:
    """Stages at risk (amber at 75% of the allowed time, red once past it) and breaks between Stage 1 and
    Stage 2 running out, on the timescales of crm/funnel/timescales.py (calendar months, with extensions)."""
    stages = sorted({stage for rule in TIMESCALES for stage in rule.stages})
    applications = db.session.scalars(
        select(Application).where(Application.stage.in_(stages), is_open())
        .options(selectinload(Application.events), selectinload(Application.household))).all()
    people = Directory()
    dues = {EscalationKind.STAGE_TIMESCALE: [], EscalationKind.BREAK_RUNNING_OUT: []}
    for application in applications:
        running = timescale(application, today)
        if running is None or running.rag == "green":
            continue
        household = application.household
        between = running.key == Stage.STAGE_1_COMPLETED.value
        kind = EscalationKind.BREAK_RUNNING_OUT if between else EscalationKind.STAGE_TIMESCALE
        summary = (f"{running.label}, for household {household.reference} ({application.service_line_code}, "
                   f"now in {application.stage.label}): "
                   f"{'past its due date' if running.rag == 'red' else 'at 75% of its time'}, "
                   f"due {long_date(running.due_on)}")
        recipients = set(people.worker_or_managers(household.allocated_worker_id, household.team_id))
        if running.rag == "red":
            recipients |= set(people.team_managers(household.team_id))
        step = f"{running.key}:{running.rag}"  # a whole assessment's clock is one escalation across its stages
        dues[kind] += [escalations.Due(kind, "application", application.id, step, recipient, household.id,
                                       summary, today) for recipient in sorted(recipients)]
    counts = {}
    for kind, found in dues.items():
        counts[kind.value] = _finish(kind, "application", found, run_id, "stage moved on, or no longer at risk")
    return counts


def first_responses(today: date, run_id: int | None = None) -> dict:
    """Enquiries with no first response by their due time (2 working days, bank holidays skipped)."""
    as_of = clock.now() if today == clock.today() else clock.london_time(today, time.max)
    rows = db.session.execute(
        select(EnquiryContact.id, EnquiryContact.recorded_by_id, EnquiryContact.first_response_due_at,
               Household.id, Household.reference)
        .join(Household, Household.id == EnquiryContact.household_id)
        .where(EnquiryContact.first_responded_at.is_(None), EnquiryContact.first_response_due_at <= as_of)).all()
    people = Directory()
    dues = []
    for contact_id, recorded_by, due_at, household_id, reference in rows:
        recipients = [recorded_by] if people.is_active(recorded_by) else people.recruitment_officers
        summary = (f"Enquiry from household {reference} not answered: first response was due "
                   f"{date_time(due_at)}")
        dues += [escalations.Due(EscalationKind.FIRST_RESPONSE, "enquiry_contact", contact_id, "overdue",
                                 recipient, household_id, summary, clock.london_date(due_at))
                 for recipient in recipients]
    return _finish(EscalationKind.FIRST_RESPONSE, "enquiry_contact", dues, run_id, "first response recorded")


def approved_waiting(today: date, run_id: int | None = None) -> dict:
    """Approved households still waiting for a match or placement after APPROVED_WAITING_MONTHS months."""
    months = current_app.config["APPROVED_WAITING_MONTHS"]
    applications = db.session.scalars(
        select(Application).where(APPROVED_AND_WAITING.clause(),
                                  Application.stage_entered_on <= today - relativedelta(months=months))
        .options(selectinload(Application.household))).all()
    people = Directory()
    dues = []
    for application in applications:
        household = application.household
        summary = (f"Household {household.reference} approved on {long_date(application.stage_entered_on)} "
                   f"({application.service_line_code}) is still waiting after {months} months")
        dues += [escalations.Due(EscalationKind.APPROVED_WAITING, "application", application.id,
                                 f"waiting_{months}_months", recipient, household.id, summary,
                                 application.stage_entered_on + relativedelta(months=months))
                 for recipient in people.worker_or_managers(household.allocated_worker_id, household.team_id)]
    return _finish(EscalationKind.APPROVED_WAITING, "application", dues, run_id, "matched or placed")


def deliver_email(today: date, run_id: int | None = None) -> dict:
    """Retry email the last runs could not send (SMTP down, a process killed mid-delivery)."""
    return escalations.deliver_pending()
