"""A booking as its advisor works on it: private notes, the outcome, the follow-up message.

Rules (each tested in tests/test_advisor_booking.py and tests/test_advisor_outcome.py):

- Notes are private: the booking's advisor and admins read them; no page of the company,
  no mail, feed or invite ever carries them. Everyone edits only their own notes; an admin
  may also delete anyone's (to remove what must not be kept, e.g. on a data-protection
  request), but never puts words in someone else's name by editing.
- An outcome is given once the meeting is over (its end has passed) and only to a
  confirmed booking: "completed" or "no_show". Pending, cancelled and future bookings are
  refused with a reason.
- A given outcome can be corrected (completed ↔ no_show) for ``CORRECTION_WINDOW`` after
  the meeting's end; after that it stands, so statistics of past months stay put.
- The status moves by a conditional UPDATE (``WHERE status = <seen>``): of two presses at
  once one wins and the other is told it is already done, so history and follow-up mail
  happen exactly once.
- The optional follow-up ("next steps") goes only with "completed", through the outbox, in
  the booking's language, to the booking's contact; the history records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.booking import history
from app.booking.next_steps import picker_params
from app.extensions import db
from app.mail import enqueue_mail
from app.models import Booking, BookingAction, BookingNote, BookingStatus, User
from app.web import external_url

NOTE_MAX = 10_000
FOLLOW_UP_MAX = 5_000
CORRECTION_WINDOW = timedelta(days=14)

OUTCOMES = {
    BookingStatus.COMPLETED.value: BookingAction.COMPLETED,
    BookingStatus.NO_SHOW.value: BookingAction.NO_SHOW,
}
OUTCOME_LABELS = {
    BookingStatus.COMPLETED.value: _l("Durchgeführt"),
    BookingStatus.NO_SHOW.value: _l("Nicht erschienen"),
}


HISTORY_LABELS = {
    BookingAction.CREATED.value: _l("Gebucht"),
    BookingAction.CONFIRMED.value: _l("Bestätigt"),
    BookingAction.RESCHEDULED.value: _l("Verschoben"),
    BookingAction.CANCELLED.value: _l("Abgesagt"),
    BookingAction.EXPIRED.value: _l("Verfallen: nicht rechtzeitig bestätigt"),
    BookingAction.COMPLETED.value: _l("Als durchgeführt markiert"),
    BookingAction.NO_SHOW.value: _l("Als nicht erschienen markiert"),
    BookingAction.FOLLOW_UP.value: _l("Nächste Schritte per E-Mail geschickt"),
    BookingAction.REASSIGNED.value: _l("Neu zugewiesen: andere Beraterin / anderer Berater"),
}


@dataclass(frozen=True)
class Step:
    """One line of the history as the page shows it."""

    at: datetime
    action: str
    label: str
    actor: str | None  # a person's name; None: a guest through their link, or the system
    by_system: bool
    previous_start: datetime | None  # where a rescheduled meeting was before


def timeline(booking: Booking) -> list[Step]:
    """The booking's history, oldest first, with the previous time of each move."""
    return [
        Step(
            at=event.at,
            action=event.action,
            label=str(HISTORY_LABELS.get(event.action, event.action)),
            actor=event.actor.name if event.actor is not None else None,
            by_system=event.action == BookingAction.EXPIRED.value,
            previous_start=_instant(event.detail)
            if event.action == BookingAction.RESCHEDULED.value
            else None,
        )
        for event in booking.history
    ]


def _instant(text: str) -> datetime | None:
    """The previous start stored in ``detail`` (ISO, UTC); None if absent or unreadable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class OutcomeRefused(Exception):
    """The outcome cannot be given now; ``str(error)`` tells the advisor why."""


# --- notes -------------------------------------------------------------------------------


def add_note(booking: Booking, author: User, body: str, now: datetime) -> BookingNote:
    note = BookingNote(booking=booking, author_id=author.id, body=body, created_at=now)
    db.session.add(note)
    db.session.flush()
    return note


def note_of(booking: Booking, note_id: int) -> BookingNote | None:
    """One of this booking's notes (None for another booking's: ids are not secrets)."""
    return next((note for note in booking.notes if note.id == note_id), None)


def may_edit(note: BookingNote, user: User) -> bool:
    return note.author_id == user.id


def may_delete(note: BookingNote, user: User) -> bool:
    return note.author_id == user.id or user.is_admin


def edit_note(note: BookingNote, body: str, now: datetime) -> None:
    if body != note.body:
        note.body = body
        note.updated_at = now
        db.session.flush()


def delete_note(note: BookingNote) -> None:
    note.booking.notes.remove(note)
    db.session.delete(note)
    db.session.flush()


# --- outcome -----------------------------------------------------------------------------


def outcome_state(booking: Booking, now: datetime) -> str:
    """What the outcome form offers: "open" (give one), "correct" (change it), "closed"
    (too late to change), "early" (not over yet) or "none" (pending or cancelled)."""
    if booking.status in OUTCOMES:
        return "correct" if now < booking.end + CORRECTION_WINDOW else "closed"
    if booking.status != BookingStatus.CONFIRMED.value:
        return "none"
    return "open" if booking.end <= now else "early"


def _refusal(booking: Booking, outcome: str, now: datetime) -> str | None:
    state = outcome_state(booking, now)
    if booking.status == outcome:
        return _("Der Termin ist bereits als „%(label)s“ markiert.", label=OUTCOME_LABELS[outcome])
    if state == "early":
        return _("Der Termin ist noch nicht vorbei. Das Ergebnis tragen Sie danach ein.")
    if state == "closed":
        return _(
            "Das Ergebnis lässt sich nur bis %(days)d Tage nach dem Termin ändern.",
            days=CORRECTION_WINDOW.days,
        )
    if state == "none":
        return _(
            "Nur ein bestätigter Termin kann als durchgeführt oder als „nicht erschienen“ "
            "markiert werden."
        )
    return None


def mark_outcome(
    booking: Booking, outcome: str, actor: User, now: datetime, next_steps: str = ""
) -> None:
    """Give (or correct) the outcome; with "completed", mail ``next_steps`` if any.

    Raises OutcomeRefused, with the reason, when the rules above forbid it, including when
    someone else (or a second press) gave the same outcome a moment earlier.
    """
    if outcome not in OUTCOMES:
        raise OutcomeRefused(_("Bitte wählen Sie ein Ergebnis."))
    reason = _refusal(booking, outcome, now)
    if reason is None:
        seen = booking.status
        moved = db.session.execute(
            sa.update(Booking)
            .where(Booking.id == booking.id, Booking.status == seen)
            .values(status=outcome, reminder_due_at=None, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not moved:  # another request changed it first: judge again by what it did
            db.session.refresh(booking)
            reason = _refusal(booking, outcome, now) or _(
                "Der Termin wurde eben geändert. Bitte prüfen Sie ihn noch einmal."
            )
    if reason is not None:
        raise OutcomeRefused(reason)
    # The meeting is over: the free times of the picker do not change, nothing to bump.
    booking.status = outcome
    history.record(booking, OUTCOMES[outcome], now, actor)
    if outcome == BookingStatus.COMPLETED.value and next_steps:
        send_follow_up(booking, actor, next_steps, now)
    db.session.flush()


def send_follow_up(booking: Booking, sender: User, text: str, now: datetime) -> None:
    """``sender``'s next steps to the company, in the booking's language and zone."""
    zone = booking.timezone
    enqueue_mail(
        booking.contact_email,
        "follow_up",
        locale=booking.locale,
        booking=booking,
        zone=zone,
        day=booking.start.astimezone(ZoneInfo(zone)).date(),
        sender=sender.name,
        message=text,
        book_again=external_url("booking.picker", **picker_params(booking, same_advisor=True)),
    )
    history.record(booking, BookingAction.FOLLOW_UP, now, sender)
