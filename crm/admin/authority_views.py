"""Administration of partner authorities: the list and a new one, renaming, deactivating and deleting."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from crm.admin.forms import NameForm
from crm.admin.views import bp
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import errors_on
from crm.extensions import db
from crm.households import authorities
from crm.households.models import PartnerAuthority


def _authority(authority_id: int) -> PartnerAuthority:
    return db.session.get(PartnerAuthority, authority_id) or abort(404)


@bp.route("/partner-authorities", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def partner_authorities():
    form = NameForm()
    form.name.label.text, form.submit.label.text = "Name of the partner authority", "Add partner authority"
    if form.validate_on_submit():
        with errors_on(form):
            added, = authorities.add_partner_authorities([form.name.data], actor=current_user)
            db.session.commit()
            flash(f"{added.name} added.", "success")
            return redirect(url_for(".partner_authorities"))
    return render_template("admin/partner_authorities.html", form=form, authorities=authorities.partner_authorities(),
                           usage=authorities.usage()), 400 if form.errors else 200


@bp.route("/partner-authorities/<int:authority_id>", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def partner_authority(authority_id: int):
    """Rename, and the buttons that deactivate, reactivate or delete."""
    authority = _authority(authority_id)
    form = NameForm(data={"name": authority.name})
    form.submit.label.text = "Rename"
    if form.validate_on_submit():
        with errors_on(form):
            authorities.rename_partner_authority(authority, form.name.data, actor=current_user)
            db.session.commit()
            flash(f"The partner authority is now called {authority.name}.", "success")
            return redirect(url_for(".partner_authorities"))
    return render_template("admin/partner_authority.html", form=form, authority=authority,
                           households=authorities.usage().get(authority.id, 0), action_form=FlaskForm()), \
        400 if form.errors else 200


@bp.route("/partner-authorities/<int:authority_id>/<action>", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def partner_authority_active(authority_id: int, action: str):
    """Deactivate or reactivate."""
    authority = _authority(authority_id)
    if action not in ("deactivate", "reactivate"):
        abort(404)
    FlaskForm().validate_on_submit() or abort(400)
    with errors_on():
        authorities.set_active(authority, action == "reactivate", actor=current_user)
        db.session.commit()
        flash(f"{authority.name} is offered for new records again." if authority.active
              else f"{authority.name} is deactivated: records that name it keep it; new ones cannot choose it.",
              "success")
    return redirect(url_for(".partner_authorities"))


@bp.route("/partner-authorities/<int:authority_id>/delete", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def delete_partner_authority(authority_id: int):
    authority = _authority(authority_id)
    FlaskForm().validate_on_submit() or abort(400)
    name = authority.name
    with errors_on():
        authorities.delete_partner_authority(authority, actor=current_user)
        db.session.commit()
        flash(f"{name} deleted.", "success")
        return redirect(url_for(".partner_authorities"))
    return redirect(url_for(".partner_authority", authority_id=authority_id))
