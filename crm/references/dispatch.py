"""The daily job's part in referee links: a link for each named referee whose check has been requested and who has
none yet, and one reminder for a link unanswered after REMIND_AFTER_DAYS.

Each referee is one transaction, its email sent before the commit: a refused email stores nothing and the next run
tries again, so no referee is missed; a process killed between the email and the commit sends a second link
the next run (the first then never works). The job runs under the runner's advisory lock, and the unique live
link of a referee keeps a worker's click at the same moment from making a second one.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from crm import clock
from crm.checks.models import CheckInstance
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel.terms import is_open
from crm.households.models import Application
from crm.references import links
from crm.references.models import Referee, RefereeLink

JOB_LABEL = "daily job"


def send_due_links() -> dict[str, int]:
    sent = failed = 0
    for referee_id in db.session.scalars(_due_referees()).all():
        referee = db.session.get(Referee, referee_id)
        try:
            links.send_link(referee, actor=None, actor_label=JOB_LABEL)
            db.session.commit()
            sent += 1
        except (DomainError, IntegrityError) as error:
            db.session.rollback()
            current_app.logger.warning("Referee %s: no link sent (%s)", referee_id, error)
            failed += 1
    return {"links_sent": sent, "links_failed": failed}


def send_reminders() -> dict[str, int]:
    reminded = failed = 0
    for link_id in db.session.scalars(_unanswered_links()).all():
        link = db.session.get(RefereeLink, link_id)
        try:
            links.remind(link, actor_label=JOB_LABEL)
            db.session.commit()
            reminded += 1
        except DomainError as error:
            db.session.rollback()
            current_app.logger.warning("Referee link %s: no reminder sent (%s)", link_id, error)
            failed += 1
    return {"reminders_sent": reminded, "reminders_failed": failed}


def _open_requested_checks():
    return (select(CheckInstance.id).join(Application, Application.id == CheckInstance.application_id)
            .where(CheckInstance.is_open, CheckInstance.requested_on.is_not(None), is_open()))


def _due_referees():
    """Named referees of open, requested checks of open applications with no link ever made."""
    return (select(Referee.id)
            .where(Referee.check_id.in_(_open_requested_checks()),
                   ~exists().where(RefereeLink.referee_id == Referee.id))
            .order_by(Referee.id))


def _unanswered_links():
    now = clock.now()
    return (select(RefereeLink.id).join(Referee, Referee.id == RefereeLink.referee_id)
            .where(RefereeLink.revoked_at.is_(None), RefereeLink.used_at.is_(None),
                   RefereeLink.reminded_at.is_(None), RefereeLink.expires_at > now,
                   RefereeLink.sent_at <= now - timedelta(days=links.REMIND_AFTER_DAYS),
                   Referee.check_id.in_(_open_requested_checks()))
            .order_by(RefereeLink.id))
