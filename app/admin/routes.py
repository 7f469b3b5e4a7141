"""The hub's administration: for now, the people who use the site."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.admin import bp
from app.admin.forms import StaffUserForm
from app.auth import service
from app.auth.access import role_required
from app.extensions import db
from app.models import Advisor, Role, User
from app.web import form_status, render


@bp.route("/nutzer", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def users():
    """All accounts, and a form to add an advisor or admin (they get a welcome mail)."""
    form = StaffUserForm()
    if form.validate_on_submit():
        role = Role(form.role.data)
        try:
            user = service.create_staff_user(email=form.email.data, name=form.name.data, role=role)
        except service.AccountError:
            form.email.errors.append(
                _(
                    "Unter dieser E-Mail-Adresse gibt es bereits ein Konto. "
                    "Bitte nehmen Sie eine andere Adresse."
                )
            )
        else:
            if role == Role.ADVISOR:
                db.session.add(Advisor(user=user))
            db.session.commit()
            flash(
                _("%(name)s wurde angelegt und per E-Mail eingeladen.", name=user.name),
                "success",
            )
            return redirect(url_for("admin.users"))
    accounts = db.session.scalars(
        sa.select(User).options(selectinload(User.organisation)).order_by(User.role, User.name)
    ).all()
    return render(
        "admin/users.html",
        block="form",
        status=form_status(form),
        form=form,
        users=accounts,
        # user id → may review canvases, for every advisor profile
        reviewing=dict(db.session.execute(sa.select(Advisor.user_id, Advisor.is_reviewer)).all()),
    )


@bp.post("/nutzer/<int:user_id>/pruefung")
@role_required(Role.ADMIN)
def set_reviewer(user_id: int):
    """Let an advisor review canvases (``pruefen=1``), or no longer (``pruefen=0``)."""
    advisor = db.session.scalar(sa.select(Advisor).where(Advisor.user_id == user_id))
    if advisor is None:
        abort(404)
    advisor.is_reviewer = request.form.get("pruefen") == "1"
    db.session.commit()
    name = advisor.user.name
    flash(
        _("%(name)s darf jetzt Canvases prüfen.", name=name)
        if advisor.is_reviewer
        else _("%(name)s prüft keine Canvases mehr.", name=name),
        "success",
    )
    return redirect(url_for("admin.users", _anchor=f"user-{user_id}"))
