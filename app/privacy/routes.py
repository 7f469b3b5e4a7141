"""Self-service: what we store, the data export and deleting one's own account."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from app.admin.audit import AuditAction, mask_email, record
from app.extensions import db, limiter
from app.models import Booking, Canvas, CanvasNote, Role
from app.models.types import utcnow
from app.privacy import bp
from app.privacy.erasure import erase_user, upcoming_bookings
from app.privacy.export import dated_filename, download, export_user
from app.privacy.forms import DeleteAccountForm, ExportForm
from app.web import render


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _per_user() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _counts(user) -> dict[str, int]:
    def count(query) -> int:
        return db.session.scalar(query) or 0

    return {
        "bookings": count(
            sa.select(sa.func.count(Booking.id)).where(Booking.booked_by_id == user.id)
        ),
        "canvases": count(
            sa.select(sa.func.count(Canvas.id)).where(Canvas.created_by_id == user.id)
        ),
        "notes": count(
            sa.select(sa.func.count(CanvasNote.id)).where(CanvasNote.created_by_id == user.id)
        ),
    }


@bp.get("/")
@login_required
def overview():
    """What we store about the user, the download, and the way to delete the account."""
    return render(
        "privacy/overview.html",
        counts=_counts(current_user),
        export_form=ExportForm(),
        is_staff=current_user.role != Role.CLIENT,
    )


@bp.post("/export")
@login_required
def export():
    """The user's data as a ZIP (``daten.json`` and a read-me)."""
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    data = export_user(user)
    record(AuditAction.DATA_EXPORTED, user, target_label=mask_email(user.email), actor=user)
    db.session.commit()
    return download(data, dated_filename("meine-daten"), user.locale)


@bp.route("/konto-loeschen", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, key_func=_per_user, methods=["POST"])
def delete_account():
    """Confirm, then erase the own account (clients only: staff ask the administration)."""
    user = current_user._get_current_object()
    now = utcnow()
    if user.role != Role.CLIENT:
        if request.method == "POST":
            abort(403)
        return render("privacy/delete_account.html", is_staff=True, form=None, upcoming=[])
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not user.check_password(form.password.data):
            form.password.errors.append(
                _("Das Passwort ist nicht richtig. Bitte geben Sie Ihr aktuelles Passwort ein.")
            )
        else:
            masked = mask_email(user.email)
            erase_user(user, actor=user, now=now)
            record(AuditAction.ACCOUNT_ERASED, user, target_label=masked, actor=user)
            db.session.commit()
            session.clear()
            logout_user()
            flash(
                _(
                    "Ihr Konto ist gelöscht. Ihre kommenden Termine wurden abgesagt. "
                    "Danke, dass Sie unser Angebot genutzt haben – auf Wiedersehen!"
                ),
                "success",
            )
            return redirect(url_for("main.index"))
    return render(
        "privacy/delete_account.html",
        block="delete_form",
        status=422 if form.errors else 200,
        form=form,
        is_staff=False,
        upcoming=upcoming_bookings(user, now),
    )
