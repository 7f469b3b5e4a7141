"""After booking: see, reschedule and cancel; the list of a client's bookings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.booking import bp, history, next_steps, service
from app.booking.access import booking_or_404
from app.booking.choice import Choice, asked_day, parse_start
from app.booking.forms import CancelForm, CanvasForm, ConfirmForm
from app.booking.picker import open_month
from app.booking.routes import flash_invalid_time
from app.canvas import attach
from app.extensions import db
from app.i18n import select_timezone
from app.models import (
    ACTIVE_STATUSES,
    Advisor,
    Booking,
    BookingStatus,
    Canvas,
    CanvasVersion,
)
from app.models.types import utcnow
from app.web import form_status, render


def _back_to(booking: Booking, token: str | None):
    return redirect(url_for("booking.show", uid=booking.uid, token=token))


@bp.get("/termin/<uid>")
def show(uid: str):
    """What, when, where, with whom — and what can still be done."""
    booking, token = booking_or_404(uid)
    return _show(booking, token)


def _show(booking: Booking, token: str | None, canvas_form: CanvasForm | None = None, **how):
    changeable = booking.is_changeable(utcnow())
    if canvas_form is None and changeable and attach.may_attach(current_user, booking):
        canvas_form = _canvas_form(booking)
    return render(
        "booking/show.html",
        booking=booking,
        token=token,
        changeable=changeable,
        canvas_form=canvas_form,
        book_again=next_steps.picker_url(booking),
        choose_again=next_steps.picker_url(booking, same_advisor=True),
        **how,
    )


def _canvas_form(booking: Booking) -> CanvasForm:
    form = CanvasForm(data={"canvas": attach.attached_value(booking) or ""})
    form.offer(attach.offers(booking.organisation_id))
    return form


@bp.post("/termin/<uid>/canvas")
@login_required
def attach_canvas(uid: str):
    """Bring a canvas of the organisation to the booking, change it, or (none chosen)
    take it away. Members of the booking's organisation only, until the meeting begins."""
    booking, token = booking_or_404(uid)
    if not attach.may_attach(current_user, booking) or not booking.is_changeable(utcnow()):
        abort(403)
    form = _canvas_form(booking)
    if not form.validate_on_submit():
        return _show(booking, token, form, block="canvas_form", status=422)
    if form.canvas.data:
        attach.attach(booking, form.canvas.data)
        flash(_("Das Canvas ist an den Termin angehängt."), "success")
    else:
        attach.detach(booking)
        flash(_("Der Termin bringt kein Canvas mehr mit."), "success")
    db.session.commit()
    return _back_to(booking, token)


@bp.route("/termin/<uid>/verschieben", methods=["GET", "POST"])
def reschedule(uid: str):
    """Pick a new time for the same advisor and type; the booking keeps its identity.

    Every refusal (no longer changeable, time taken meanwhile) is answered by ``refused``.
    """
    booking, token = booking_or_404(uid)
    now, zone = utcnow(), ZoneInfo(select_timezone())
    service.ensure_changeable(booking, now)
    choice = Choice(booking.consultation_type, booking.topic, booking.advisor)
    start = None
    if request.args.get("start"):
        try:
            start = parse_start(request.args["start"])
        except ValueError:
            flash_invalid_time()
    form = ConfirmForm()
    if start is not None and form.validate_on_submit():
        service.reschedule(booking, start, now, actor=history.actor_of(current_user))
        db.session.commit()
        flash(_("Der Termin ist verschoben. Alle Beteiligten bekommen eine E-Mail."), "success")
        return _back_to(booking, token)
    # The day asked for, else the one of the chosen or the booked time.
    shown = asked_day(request.args) or (start or booking.start).astimezone(zone).date()
    month = open_month(choice, zone, now, shown, booking.id)
    return render(
        "booking/reschedule.html",
        block="picker",
        booking=booking,
        token=token,
        choice=choice,
        month=month,
        zone=zone,
        start=start,
        form=form,
    )


@bp.route("/termin/<uid>/absagen", methods=["GET", "POST"])
def cancel(uid: str):
    """Cancel with an optional reason; the booking stays on record as cancelled."""
    booking, token = booking_or_404(uid)
    service.ensure_changeable(booking, utcnow())
    form = CancelForm()
    if form.validate_on_submit():
        service.cancel(booking, form.reason.data or "", actor=history.actor_of(current_user))
        db.session.commit()
        flash(_("Der Termin ist abgesagt. Alle Beteiligten bekommen eine E-Mail."), "success")
        return _back_to(booking, token)
    return render(
        "booking/cancel.html",
        block="form",
        status=form_status(form),
        booking=booking,
        token=token,
        form=form,
    )


def _with_details():
    return (
        selectinload(Booking.advisor).selectinload(Advisor.user),
        selectinload(Booking.consultation_type),
        selectinload(Booking.topic),
        selectinload(Booking.booked_by),
        # The list links the canvas a booking brings: its title and number, not its notes.
        selectinload(Booking.canvas).load_only(Canvas.id, Canvas.title),
        selectinload(Booking.canvas_version).load_only(CanvasVersion.id, CanvasVersion.number),
    )


@bp.get("/meine-termine")
@login_required
def my_bookings():
    """The bookings of the user and their organisation: upcoming, past, cancelled."""
    if current_user.organisation_id is None:
        abort(404)
    bookings = db.session.scalars(
        sa.select(Booking)
        .where(
            sa.or_(
                Booking.organisation_id == current_user.organisation_id,
                Booking.booked_by_id == current_user.id,
            )
        )
        .options(*_with_details())
        .order_by(Booking.start)
    ).all()
    now, cancelled = utcnow(), BookingStatus.CANCELLED.value
    return render(
        "booking/my_bookings.html",
        upcoming=[b for b in bookings if b.status in ACTIVE_STATUSES and b.end > now],
        past=[b for b in bookings if b.status != cancelled and b.end <= now][::-1],
        cancelled=[b for b in bookings if b.status == cancelled][::-1],
    )


@bp.get("/beratungen")
def advisor_bookings():
    """The advisor's old list of bookings: the workspace's agenda replaced it, and old
    bookmarks and links in earlier mails land there."""
    return redirect(url_for("advisor.agenda"), code=301)
