"""Administration: the users of the service, their roles and teams."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.db import utcnow
from crm.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@allow(Role.ADMINISTRATOR)
def users():
    query = select(User).options(selectinload(User.team)).order_by(User.full_name)
    return render_template("admin/users.html", users=db.session.scalars(query).all(), now=utcnow())
