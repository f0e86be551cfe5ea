"""Escalations in the work queue: each person's own, and for managers every open one in the service."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.auth.policy import allow
from crm.auth.roles import CASEWORK_ROLES, Role
from crm.escalations.models import Escalation, EscalationKind, JobRun
from crm.extensions import db

bp = Blueprint("escalations", __name__, url_prefix="/escalations")
PAGE_SIZE = 100


@bp.route("/")
@allow(*CASEWORK_ROLES, Role.MANAGER)
def index():
    """Open escalations, most overdue first. `everyone=1` (managers): the whole service's."""
    everyone = current_user.has_any_role({Role.MANAGER}) and request.args.get("everyone") == "1"
    kind = request.args.get("kind", "")
    query = select(Escalation).where(Escalation.resolved_at.is_(None))
    if not everyone:
        query = query.where(Escalation.recipient_id == current_user.id)
    if kind in {k.value for k in EscalationKind}:
        query = query.where(Escalation.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.options(selectinload(Escalation.recipient), selectinload(Escalation.household))
                              .order_by(Escalation.due_on, Escalation.id).limit(PAGE_SIZE)).all()
    last_runs = db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc()).limit(8)).all() if everyone else []
    return render_template("escalations/index.html", escalations=rows, total=total, everyone=everyone,
                           kind=kind, kinds=list(EscalationKind), last_runs=last_runs, page_size=PAGE_SIZE)
