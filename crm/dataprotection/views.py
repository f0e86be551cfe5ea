"""Subject access downloads: a manager takes everything held about a household, or one person in it, as a zip."""
from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_login import current_user

from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.dataprotection.subject_access import export_subject_access
from crm.extensions import db
from crm.households import services

bp = Blueprint("subject_access", __name__)


@bp.route("/households/<int:household_id>/subject-access.zip")
@allow(Role.MANAGER)
def household_export(household_id: int):
    return _download(_visible(household_id))


@bp.route("/households/<int:household_id>/people/<int:person_id>/subject-access.zip")
@allow(Role.MANAGER)
def person_export(household_id: int, person_id: int):
    household = _visible(household_id)
    person = next((p for p in household.people if p.id == person_id), None)
    if person is None:
        abort(404)
    return _download(household, person)


def _visible(household_id: int):
    try:
        return services.visible_household(current_user, household_id)
    except services.NotVisible:
        abort(404)  # the same answer whether it does not exist or is not theirs to see


def _download(household, person=None) -> Response:
    export = export_subject_access(household, person, actor=current_user)
    data = export.to_zip()
    db.session.commit()
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{export.filename}"',
                             "Cache-Control": "no-store"})
