"""Editing a canvas's draft: its sticky notes, and the title and colour legend around them.

Plain functions the views, the import and the tests call. They change the session and
flush; the view commits. Every change touches ``canvas.updated_at`` (the list of canvases
sorts by it).

Rules:
- A note holds 1 to ``CanvasNote.TEXT_MAX`` characters: line breaks become LF, other
  control characters (NUL …) go, blank space at either end goes.
- A block holds at most ``CanvasNote.PER_BLOCK_MAX`` live notes; adding, moving or
  restoring into a full block is refused.
- An update names the note's ``version`` it was made on. If a colleague changed the note
  since, the update is refused with ``NoteConflict`` (carrying the colleague's note), so
  nobody overwrites an edit they have not seen. The version guards what a note says
  (text, colour, kind); moving a note does not change it, so a colleague reordering a
  block does not turn your edit into a conflict.
- Deleting keeps the row for ``RESTORE_WINDOW`` (undo); each delete purges the canvas's
  notes deleted longer ago, so old rows never pile up.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from app.canvas.service import template_of
from app.canvas.templates import COLOUR_KEYS
from app.database import lock_row
from app.extensions import db
from app.forms import multi_line, single_line
from app.models import Canvas, CanvasNote, User
from app.models.types import utcnow

RESTORE_WINDOW = timedelta(minutes=10)
LEGEND_TEXT_MAX = 100


class NoteError(ValueError):
    """A change the rules refuse; ``str(error)`` is the message for the user."""


class NoteNotFound(LookupError):
    """No live note with this id on this canvas (never was, or deleted meanwhile)."""


class NoteConflict(Exception):
    """The note changed since the version the edit was made on; ``note`` is it now."""

    def __init__(self, note: CanvasNote) -> None:
        super().__init__(f"note {note.id} is at version {note.version}")
        self.note = note


def clean_text(text: str) -> str:
    """A note's text within the rules, or NoteError saying what is wrong."""
    text = multi_line(text or "")
    if not text:
        raise NoteError(_("Die Notiz ist leer. Bitte schreiben Sie etwas hinein."))
    if len(text) > CanvasNote.TEXT_MAX:
        raise NoteError(
            _(
                "Die Notiz ist zu lang: %(length)s Zeichen, höchstens %(max)s. "
                "Bitte kürzen Sie sie oder teilen Sie sie auf zwei Notizen auf.",
                length=len(text),
                max=CanvasNote.TEXT_MAX,
            )
        )
    return text


def _check_block(canvas: Canvas, block_key: str) -> None:
    if template_of(canvas).block(block_key) is None:
        raise NoteError(_("Diesen Block gibt es in diesem Canvas nicht."))


def _check_look(colour: str | None, kind: str | None) -> None:
    if colour is not None and colour not in COLOUR_KEYS:
        raise NoteError(_("Diese Farbe gibt es nicht. Bitte wählen Sie eine aus der Liste."))
    if kind is not None and kind not in CanvasNote.KINDS:
        raise NoteError(_("Eine Notiz ist entweder Fakt oder Hypothese."))


def _live(canvas: Canvas):
    return sa.select(CanvasNote).where(
        CanvasNote.canvas_id == canvas.id, CanvasNote.deleted_at.is_(None)
    )


def _block_notes(canvas: Canvas, block_key: str) -> list[CanvasNote]:
    return list(
        db.session.scalars(
            _live(canvas)
            .where(CanvasNote.block_key == block_key)
            .order_by(CanvasNote.position, CanvasNote.id)
        )
    )


def _refuse_full(block_count: int) -> None:
    if block_count >= CanvasNote.PER_BLOCK_MAX:
        raise NoteError(
            _(
                "In diesem Block sind schon %(max)s Notizen, mehr passen nicht. Fassen Sie "
                "Notizen zusammen oder löschen Sie eine.",
                max=CanvasNote.PER_BLOCK_MAX,
            )
        )


def _touch(canvas: Canvas) -> None:
    canvas.updated_at = utcnow()


def note_or_raise(canvas: Canvas, note_id: int, *, deleted: bool = False) -> CanvasNote:
    """The canvas's note ``note_id``: a live one, or (``deleted``) one in the undo window."""
    note = db.session.get(CanvasNote, note_id)
    if note is None or note.canvas_id != canvas.id:
        raise NoteNotFound(note_id)
    if deleted:
        if note.deleted_at is None or note.deleted_at < utcnow() - RESTORE_WINDOW:
            raise NoteNotFound(note_id)
    elif note.deleted_at is not None:
        raise NoteNotFound(note_id)
    return note


def add_note(
    canvas: Canvas,
    user: User,
    block_key: str,
    text: str,
    colour: str = "yellow",
    kind: str = "hypothesis",
) -> CanvasNote:
    """A new note at the end of ``block_key``."""
    _check_block(canvas, block_key)
    _check_look(colour, kind)
    text = clean_text(text)
    # Members adding at once must not both squeeze into the last free place.
    lock_row(db.session(), Canvas, canvas.id)
    count, last = db.session.execute(
        sa.select(sa.func.count(CanvasNote.id), sa.func.max(CanvasNote.position)).where(
            CanvasNote.canvas_id == canvas.id,
            CanvasNote.deleted_at.is_(None),
            CanvasNote.block_key == block_key,
        )
    ).one()
    _refuse_full(count)
    now = utcnow()
    note = CanvasNote(
        canvas_id=canvas.id,
        block_key=block_key,
        text=text,
        colour=colour,
        kind=kind,
        position=0 if last is None else last + 1,
        version=1,
        created_by_id=user.id,
        updated_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(note)
    _touch(canvas)
    db.session.flush()
    return note


def update_note(
    canvas: Canvas,
    user: User,
    note_id: int,
    expected_version: int,
    *,
    text: str | None = None,
    colour: str | None = None,
    kind: str | None = None,
) -> CanvasNote:
    """Change what the note says; fields left None stay. An update that changes nothing
    (autosave sending the same text twice) writes nothing and keeps the version."""
    _check_look(colour, kind)
    if text is not None:
        text = clean_text(text)
    note = note_or_raise(canvas, note_id)
    if note.version != expected_version:
        raise NoteConflict(note)
    changes = {
        name: value
        for name, value in (("text", text), ("colour", colour), ("kind", kind))
        if value is not None and getattr(note, name) != value
    }
    if not changes:
        return note
    # The version condition makes the check and the write one step: of two members saving
    # the same version at once, one wins and the other gets the conflict.
    values = {
        **changes,
        "version": expected_version + 1,
        "updated_by_id": user.id,
        "updated_at": utcnow(),
    }
    updated = db.session.execute(
        sa.update(CanvasNote)
        .where(CanvasNote.id == note.id, CanvasNote.version == expected_version)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not updated:
        db.session.refresh(note)
        raise NoteConflict(note)
    for name, value in values.items():  # what the row now holds, without reading it again
        set_committed_value(note, name, value)
    _touch(canvas)
    db.session.flush()
    return note


def purge_deleted(canvas: Canvas) -> None:
    """Forget the canvas's notes deleted longer ago than the undo window (one statement)."""
    db.session.execute(
        sa.delete(CanvasNote)
        .where(
            CanvasNote.canvas_id == canvas.id,
            CanvasNote.deleted_at < utcnow() - RESTORE_WINDOW,
        )
        .execution_options(synchronize_session=False)
    )


def delete_note(canvas: Canvas, user: User, note_id: int) -> CanvasNote:
    """Take the note off the board; ``restore_note`` brings it back for a while."""
    note = note_or_raise(canvas, note_id)
    purge_deleted(canvas)
    note.deleted_at = utcnow()
    note.updated_by_id = user.id
    _touch(canvas)
    db.session.flush()
    return note


def restore_note(canvas: Canvas, user: User, note_id: int) -> CanvasNote:
    """Undo a delete: the note returns to its place, if its block has room."""
    note = note_or_raise(canvas, note_id, deleted=True)
    lock_row(db.session(), Canvas, canvas.id)
    count = db.session.scalar(
        sa.select(sa.func.count(CanvasNote.id)).where(
            CanvasNote.canvas_id == canvas.id,
            CanvasNote.deleted_at.is_(None),
            CanvasNote.block_key == note.block_key,
        )
    )
    _refuse_full(count)
    note.deleted_at = None
    note.updated_by_id = user.id
    _touch(canvas)
    db.session.flush()
    return note


def move_note(
    canvas: Canvas, user: User, note_id: int, block_key: str, position: int
) -> CanvasNote:
    """Put the note at index ``position`` (0: first; beyond the end: last) of
    ``block_key``'s notes, which may be its own block or another one."""
    _check_block(canvas, block_key)
    lock_row(db.session(), Canvas, canvas.id)
    note = note_or_raise(canvas, note_id)
    others = [other for other in _block_notes(canvas, block_key) if other.id != note.id]
    if note.block_key != block_key:
        _refuse_full(len(others))
    position = max(0, min(position, len(others)))
    others.insert(position, note)
    note.block_key = block_key
    for index, each in enumerate(others):
        if each.position != index:
            each.position = index
    note.updated_by_id = user.id
    _touch(canvas)
    db.session.flush()
    return note


def note_index(canvas: Canvas, note: CanvasNote) -> int:
    """Where the note stands in its block now (0: first)."""
    ids = [each.id for each in _block_notes(canvas, note.block_key)]
    return ids.index(note.id)


def rename(canvas: Canvas, title: str) -> None:
    title = single_line(title or "")
    if not title:
        raise NoteError(_("Bitte geben Sie dem Canvas einen Titel."))
    if len(title) > Canvas.TITLE_MAX:
        raise NoteError(_("Bitte höchstens %(max)d Zeichen.", max=Canvas.TITLE_MAX))
    canvas.title = title
    _touch(canvas)


def set_legend(canvas: Canvas, meanings: dict[str, str]) -> None:
    """What each colour means on this canvas; colours left empty have no meaning."""
    legend = {}
    for colour in COLOUR_KEYS:
        meaning = single_line(meanings.get(colour) or "")
        if len(meaning) > LEGEND_TEXT_MAX:
            raise NoteError(_("Bitte höchstens %(max)d Zeichen.", max=LEGEND_TEXT_MAX))
        if meaning:
            legend[colour] = meaning
    canvas.legend = legend
    _touch(canvas)
