"""Managers search the audit log."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from crm.audit import queries
from crm.audit.forms import AuditSearchForm
from crm.audit.services import record_event
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.extensions import db
from crm.pagination import requested_page

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@allow(Role.MANAGER)
def search():
    form = AuditSearchForm(request.args)
    page = requested_page(request.args.get("page"))
    result = queries.search(**(form.data if form.validate() else {}), page=page)
    record_event(db.session, "viewed_audit_log", actor=current_user, detail={"filters": request.args.to_dict()})
    db.session.commit()
    return render_template("audit/search.html", form=form, result=result)
