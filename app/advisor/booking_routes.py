"""The booking details page of the advisor workspace: the meeting, the company's agenda and
canvas, the history, private notes and the outcome (rules in ``app/advisor/bookings.py``).

The notes and the outcome each post to their own address and, with HTMX, get their own
block back (``render`` with a block); without JavaScript every POST ends in a redirect to
the page. Editing a note is a GET of the page with ``?notiz=<id>``: the note turns into a
form in place (with HTMX only the notes block is fetched).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.advisor import bookings, bp
from app.advisor.booking_forms import NoteForm, OutcomeForm
from app.advisor.workspace import booking_or_404
from app.auth.access import role_required
from app.canvas import templates as canvas_templates
from app.extensions import db
from app.models import Booking, BookingEvent, BookingNote, Role
from app.models.types import utcnow
from app.web import form_status, render, wants_fragment

PAGE = "advisor/booking.html"
STAFF = (Role.ADVISOR, Role.ADMIN)
# The outcome section, with the status badge and the history it changed.
OUTCOME_DONE = "outcome_done"
# The form editing a note sits beside the one adding a note: its fields need other ids.
EDIT = "edit"

# Everything the page shows, in a fixed number of queries however long the history is.
_PAGE_LOAD = (
    selectinload(Booking.consultation_type),
    selectinload(Booking.topic),
    selectinload(Booking.organisation),
    selectinload(Booking.booked_by),
    selectinload(Booking.canvas),
    selectinload(Booking.canvas_version),
    selectinload(Booking.history).selectinload(BookingEvent.actor),
    selectinload(Booking.notes).selectinload(BookingNote.author),
)


def _booking(booking_id: int) -> Booking:
    return booking_or_404(booking_id, *_PAGE_LOAD)


def _page(booking: Booking, block: str = "content", status: int = 200, **forms):
    """The page, or its ``block`` for HTMX; ``forms`` holds a form sent back with errors
    (``note_form``, ``edit_form`` with ``editing``, ``outcome_form``)."""
    now = utcnow()
    canvas = booking.canvas
    return render(
        PAGE,
        block=block,
        status=status,
        booking=booking,
        now=now,
        steps=bookings.timeline(booking),
        outcome_state=bookings.outcome_state(booking, now),
        outcome_labels=bookings.OUTCOME_LABELS,
        canvas_template=canvas_templates.get(canvas.template_key) if canvas else None,
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        editing=forms.get("editing"),
        edit_form=forms.get("edit_form"),
        outcome_form=forms.get("outcome_form") or OutcomeForm(formdata=None),
        may_edit=bookings.may_edit,
        may_delete=bookings.may_delete,
        # Set for the answer to an outcome: status and history come along out of band.
        oob=block == OUTCOME_DONE,
    )


def _done(booking: Booking, block: str, anchor: str):
    """After a change: the changed block for HTMX, else back to the page (PRG)."""
    db.session.commit()
    if wants_fragment():
        return _page(booking, block)
    return redirect(url_for("advisor.booking", booking_id=booking.id, _anchor=anchor))


def _note(booking: Booking, note_id: int) -> bookings.BookingNote:
    note = bookings.note_of(booking, note_id)
    if note is None:
        abort(404)
    return note


@bp.get("/termin/<int:booking_id>")
@role_required(*STAFF)
def booking(booking_id: int):
    """The booking's details; ``?notiz=<id>`` opens one's own note for editing."""
    booking = _booking(booking_id)
    note_id = request.args.get("notiz", type=int)
    if note_id is None:
        return _page(booking)
    note = _note(booking, note_id)
    if not bookings.may_edit(note, current_user):
        abort(403)
    form = NoteForm(formdata=None, body=note.body, prefix=EDIT)
    return _page(booking, "notes", editing=note.id, edit_form=form)


@bp.post("/termin/<int:booking_id>/notizen")
@role_required(*STAFF)
def add_note(booking_id: int):
    """Add a private note."""
    booking = _booking(booking_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _page(booking, "notes", form_status(form), note_form=form)
    bookings.add_note(booking, current_user, form.body.data, utcnow())
    flash(_("Notiz gespeichert."), "success")
    return _done(booking, "notes", "notes")


@bp.post("/termin/<int:booking_id>/notizen/<int:note_id>")
@role_required(*STAFF)
def edit_note(booking_id: int, note_id: int):
    """Change one's own note."""
    booking = _booking(booking_id)
    note = _note(booking, note_id)
    if not bookings.may_edit(note, current_user):
        abort(403)
    form = NoteForm(prefix=EDIT)
    if not form.validate_on_submit():
        return _page(booking, "notes", form_status(form), editing=note.id, edit_form=form)
    bookings.edit_note(note, form.body.data, utcnow())
    flash(_("Notiz geändert."), "success")
    return _done(booking, "notes", "notes")


@bp.post("/termin/<int:booking_id>/notizen/<int:note_id>/loeschen")
@role_required(*STAFF)
def delete_note(booking_id: int, note_id: int):
    """Delete a note: one's own, or (admins) anyone's."""
    booking = _booking(booking_id)
    note = _note(booking, note_id)
    if not bookings.may_delete(note, current_user):
        abort(403)
    bookings.delete_note(note)
    flash(_("Notiz gelöscht."), "success")
    return _done(booking, "notes", "notes")


@bp.post("/termin/<int:booking_id>/ergebnis")
@role_required(*STAFF)
def outcome(booking_id: int):
    """Mark the meeting completed (optionally with next steps by mail) or no-show."""
    booking = _booking(booking_id)
    form = OutcomeForm()
    if not form.validate_on_submit():
        return _page(booking, "outcome", form_status(form), outcome_form=form)
    try:
        bookings.mark_outcome(
            booking, form.outcome.data, current_user, utcnow(), form.next_steps.data or ""
        )
    except bookings.OutcomeRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        if wants_fragment():
            return _page(_booking(booking_id), "outcome", 409)
        return redirect(url_for("advisor.booking", booking_id=booking_id, _anchor="outcome"))
    flash(_("Ergebnis gespeichert."), "success")
    return _done(booking, OUTCOME_DONE, "outcome")
