"""Advisors: create and invite, edit the profile, deactivate and reactivate, and resolve a
deactivated advisor's bookings one by one (reassign or cancel), never silently keep them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import advisors as service
from app.admin import bp
from app.admin.advisor_forms import AdvisorProfileForm, CancelForm, NewAdvisorForm, ReassignForm
from app.admin.audit import AuditAction, record
from app.auth import service as accounts
from app.auth.access import role_required
from app.booking import reassign as reassigning
from app.booking import service as booking_service
from app.booking.labels import what
from app.database import is_transient
from app.extensions import db
from app.i18n import format_meeting
from app.models import Advisor, Booking, Role, Topic
from app.models.types import utcnow
from app.web import form_status, render

REASONS = {
    reassigning.NOT_CHANGEABLE: _l(
        "Dieser Termin kann nicht mehr neu zugewiesen werden: Er wurde abgesagt, hat "
        "begonnen oder wurde schon anders vergeben."
    ),
    reassigning.SAME_ADVISOR: _l("Der Termin liegt schon bei dieser Person."),
    reassigning.NOT_BOOKABLE: _l(
        "Diese Person ist nicht buchbar (deaktiviert oder ohne Sprechzeiten). "
        "Bitte wählen Sie eine andere."
    ),
    reassigning.NOT_OFFERED: _l(
        "Diese Person berät nicht zu diesem Thema oder bietet diese Beratungsart nicht an. "
        "Bitte wählen Sie eine andere."
    ),
    reassigning.BUSY: _l(
        "Diese Person ist zu dieser Zeit nicht frei (mehr). Bitte wählen Sie eine andere."
    ),
    reassigning.CONFLICT: _l(
        "Gerade wurde derselbe Kalender geändert. Bitte versuchen Sie es noch einmal."
    ),
}
CHOOSE = _l("Bitte wählen Sie, wer den Termin übernimmt.")
EMAIL_TAKEN = _l(
    "Unter dieser E-Mail-Adresse gibt es bereits ein Konto. Bitte nehmen Sie eine andere Adresse."
)


def _all_topics() -> list[Topic]:
    return list(db.session.scalars(sa.select(Topic).order_by(Topic.position, Topic.id)))


def _ticked(topics: list[Topic]) -> list[Topic]:
    """The topics whose boxes were ticked; compared as text, so no int() can fail."""
    ticked = set(request.form.getlist("topic_ids"))
    return [t for t in topics if str(t.id) in ticked]


def _advisor_or_404(advisor_id: int) -> Advisor:
    return db.session.get(Advisor, advisor_id) or abort(404)


def _booking_label(booking: Booking) -> str:
    return f"{what(booking)}, {format_meeting(booking.start, booking.end)}"


@bp.route("/berater", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def advisors():
    """Every advisor with status, topics and what is coming up; a form to add one."""
    form = NewAdvisorForm()
    topics = _all_topics()
    chosen: set[int] = set()
    if form.validate_on_submit():
        chosen = {t.id for t in _ticked(topics)}
        try:
            user = accounts.create_staff_user(
                email=form.email.data, name=form.name.data, role=Role.ADVISOR
            )
        except accounts.AccountError:
            form.email.errors.append(str(EMAIL_TAKEN))
        else:
            advisor = Advisor(user=user, title_de=form.title_de.data or "")
            advisor.topics = [t for t in topics if t.id in chosen]
            db.session.add(advisor)
            record(AuditAction.ADVISOR_CREATED, advisor, target_label=user.name)
            db.session.commit()
            flash(
                _("%(name)s wurde angelegt und per E-Mail eingeladen.", name=user.name),
                "success",
            )
            return redirect(url_for("admin.advisor", advisor_id=advisor.id))
    return render(
        "admin/advisors.html",
        block="form",
        status=form_status(form),
        form=form,
        rows=service.advisor_rows(),
        topics=topics,
        chosen=chosen,
    )


@bp.route("/berater/<int:advisor_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def advisor(advisor_id: int):
    """One advisor: the profile to edit, the status, and their upcoming bookings."""
    advisor = _advisor_or_404(advisor_id)
    topics = _all_topics()
    form = AdvisorProfileForm(obj=advisor)
    chosen = {t.id for t in advisor.topics}
    if form.validate_on_submit():
        reviewer_changed = bool(form.is_reviewer.data) != advisor.is_reviewer
        form.populate_obj(advisor)
        advisor.topics = _ticked(topics)
        name = advisor.user.name
        record(AuditAction.USER_CHANGED, advisor, target_label=name, detail="advisor profile")
        if reviewer_changed:
            record(
                AuditAction.USER_REVIEWER_CHANGED,
                advisor,
                target_label=name,
                detail="yes" if advisor.is_reviewer else "no",
            )
        db.session.commit()
        flash(_("Das Profil von %(name)s ist gespeichert.", name=advisor.user.name), "success")
        return redirect(url_for("admin.advisor", advisor_id=advisor.id))
    if request.method == "POST":
        chosen = {t.id for t in _ticked(topics)}
    return render(
        "admin/advisor.html",
        block="form",
        status=form_status(form),
        form=form,
        advisor=advisor,
        topics=topics,
        chosen=chosen,
        upcoming=service.upcoming_bookings(advisor),
        account_link=_account_link(advisor),
    )


def _account_link(advisor: Advisor) -> str | None:
    """The account page (invitation, password reset, login), once that page exists."""
    if "admin.user" not in current_app.view_functions:
        return None
    return url_for("admin.user", user_id=advisor.user_id)


@bp.route("/berater/<int:advisor_id>/deaktivieren", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def advisor_deactivate(advisor_id: int):
    """Confirm, then deactivate: nobody can book them from now on; nothing is deleted."""
    advisor = _advisor_or_404(advisor_id)
    if request.method == "POST" and advisor.active:
        advisor.active = False  # bumps the calendar versions: cached pickers drop them
        record(AuditAction.ADVISOR_DEACTIVATED, advisor, target_label=advisor.user.name)
        db.session.commit()
        flash(
            _(
                "%(name)s ist deaktiviert und kann nicht mehr gebucht werden. Bitte klären "
                "Sie die anstehenden Termine.",
                name=advisor.user.name,
            ),
            "success",
        )
    if request.method == "POST" or not advisor.active:
        return redirect(url_for("admin.advisor", advisor_id=advisor.id, _anchor="termine"))
    return render(
        "admin/advisor_deactivate.html",
        advisor=advisor,
        upcoming=service.upcoming_bookings(advisor),
    )


@bp.post("/berater/<int:advisor_id>/reaktivieren")
@role_required(Role.ADMIN)
def advisor_reactivate(advisor_id: int):
    """Bookable again (given weekly hours and an active account)."""
    advisor = _advisor_or_404(advisor_id)
    if not advisor.active:
        advisor.active = True
        record(AuditAction.ADVISOR_REACTIVATED, advisor, target_label=advisor.user.name)
        db.session.commit()
        flash(_("%(name)s ist wieder aktiv.", name=advisor.user.name), "success")
    return redirect(url_for("admin.advisor", advisor_id=advisor.id))


def _future_booking_or_404(booking_id: int) -> Booking:
    return service.future_booking_of(booking_id) or abort(404)


def _chosen_advisor() -> Advisor | None:
    value = request.form.get("advisor", "")
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return db.session.get(Advisor, int(value))


@bp.route("/berater/termin/<int:booking_id>/neu-zuweisen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def booking_reassign(booking_id: int):
    """Give a booking to another advisor who is free at exactly that time."""
    booking = _future_booking_or_404(booking_id)
    form = ReassignForm()
    error, status = None, 200
    if form.validate_on_submit():
        target = _chosen_advisor()
        if target is None:
            error, status = str(CHOOSE), 422
        else:
            old, label = booking.advisor, _booking_label(booking)
            try:
                reassigning.reassign(booking, target, actor=current_user)
            except reassigning.ReassignError as refused:
                db.session.rollback()
                error, status = str(REASONS[refused.reason]), 409
                booking = _future_booking_or_404(booking_id)
            else:
                record(
                    AuditAction.BOOKING_REASSIGNED,
                    booking,
                    target_label=label,
                    detail=f"{old.user.name} → {target.user.name}",
                )
                db.session.commit()
                flash(
                    _(
                        "Der Termin liegt jetzt bei %(name)s; alle Beteiligten sind "
                        "per E-Mail informiert.",
                        name=target.user.name,
                    ),
                    "success",
                )
                return redirect(url_for("admin.advisor", advisor_id=old.id, _anchor="termine"))
    elif request.method == "POST":
        status = 422
    return render(
        "admin/advisor_reassign.html",
        block="form",
        status=status,
        form=form,
        booking=booking,
        candidates=reassigning.candidates(booking),
        error=error,
    )


@bp.route("/berater/termin/<int:booking_id>/absagen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def booking_cancel(booking_id: int):
    """Cancel a booking with a reason: the company gets the CANCEL invite with it."""
    booking = _future_booking_or_404(booking_id)
    form = CancelForm()
    error = None
    if form.validate_on_submit():
        advisor_id, label = booking.advisor_id, _booking_label(booking)
        try:
            booking_service.cancel(booking, form.reason.data, utcnow(), actor=current_user)
        except booking_service.BookingError:
            db.session.rollback()
            error = _("Dieser Termin kann nicht mehr abgesagt werden.")
        except sa.exc.DBAPIError as failure:
            if not is_transient(failure):
                raise
            db.session.rollback()
            error = str(REASONS[reassigning.CONFLICT])
        else:
            record(
                AuditAction.BOOKING_CANCELLED, booking, target_label=label, detail=form.reason.data
            )
            db.session.commit()
            flash(_("Der Termin ist abgesagt; die Firma ist per E-Mail informiert."), "success")
            return redirect(url_for("admin.advisor", advisor_id=advisor_id, _anchor="termine"))
        booking = _future_booking_or_404(booking_id)
    return render(
        "admin/advisor_cancel.html",
        block="form",
        status=409 if error else form_status(form),
        form=form,
        booking=booking,
        error=error,
    )
