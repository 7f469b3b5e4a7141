"""A member's changes to single notes: add, edit, delete, undo, move.

Each change is its own POST. With HTMX it answers with the small part of the board that
changed (one note's saved state, one note, the lists a move touched), so a save stays
cheap however full the board is. Without JavaScript it redirects back to the board (to
the note), or, when the change is refused, shows the board again with the message at the
note and the user's text still in the field.

Refusals: 422 for text out of bounds or a full block; 409 when someone changed the note
since it was loaded (the answer shows their text and overwrites nothing); 410 for a note
deleted meanwhile (without JavaScript its text goes into the block's "new note" form).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.canvas import bp, notes
from app.canvas.access import editable_canvas_or_404
from app.canvas.editor import board_context, board_notes, show_page, show_url
from app.canvas.service import template_of
from app.extensions import db
from app.models import Canvas, CanvasNote, User
from app.web import render, wants_fragment

SHOW = "canvas/show.html"


def _fragment(canvas: Canvas, where: str, block: str, status: int = 200, **context):
    """One part of the board of the layer that holds block ``where``."""
    layer = template_of(canvas).layer_of(where)
    return render(SHOW, block=block, status=status, **board_context(canvas, layer), **context)


def _refused(canvas: Canvas, where: str, status: int, problem: dict, block: str, **context):
    """A refused change in block ``where``: the part that asked (HTMX), or the whole board
    (a plain form)."""
    db.session.rollback()
    if wants_fragment():
        return _fragment(canvas, where, block, status, problem=problem, **context)
    layer = template_of(canvas).layer_of(where)
    return show_page(canvas, layer, status=status, problem=problem)


def _done(canvas: Canvas, where: str, block: str, back: str, **context):
    """Commit, and answer with the changed ``block`` (HTMX) or a redirect to ``back``.

    The fragment is rendered before the commit, from the objects as they were saved:
    after it, every attribute would be read from the database again.
    """
    if not wants_fragment():
        db.session.commit()
        return redirect(back)
    response = _fragment(canvas, where, block, **context)
    db.session.commit()
    return response


def _at_note(canvas: Canvas, block_key: str, note_id: int, **values) -> str:
    """Without JavaScript: the board again, at the note."""
    return show_url(canvas, block_key, anchor=f"note-{note_id}", **values)


def _look() -> dict:
    return {"colour": request.form.get("colour"), "kind": request.form.get("kind")}


@bp.post("/<int:canvas_id>/notizen")
@login_required
def add_note(canvas_id: int):
    """A new note at the end of a block."""
    canvas = editable_canvas_or_404(canvas_id)
    block_key = request.form.get("block", "")
    if template_of(canvas).block(block_key) is None:
        abort(404)
    text, look = request.form.get("text", ""), _look()
    try:
        note = notes.add_note(
            canvas,
            current_user,
            block_key,
            text,
            look["colour"] or "yellow",
            look["kind"] or "hypothesis",
        )
    except notes.NoteError as error:
        problem = {"block": block_key, "message": str(error), "text": text, **look}
        return _refused(canvas, block_key, 422, problem, "added", block_key=block_key)
    back = _at_note(canvas, block_key, note.id)
    return _done(canvas, block_key, "added", back, note=note, block_key=block_key)


@bp.post("/<int:canvas_id>/notizen/<int:note_id>")
@login_required
def update_note(canvas_id: int, note_id: int):
    """Save a note's text, colour and kind, unless someone changed it meanwhile."""
    canvas = editable_canvas_or_404(canvas_id)
    text, look = request.form.get("text"), _look()
    version = request.form.get("version", type=int)
    # "Save mine anyway" after a conflict names the version the user has now seen.
    expected = request.form.get("force_version", type=int) or version
    if expected is None:
        abort(400)
    try:
        note = notes.update_note(canvas, current_user, note_id, expected, text=text, **look)
    except notes.NoteNotFound:
        return _gone(canvas, note_id, text or "")
    except notes.NoteConflict as conflict:
        current = conflict.note
        editor = db.session.get(User, current.updated_by_id) if current.updated_by_id else None
        problem = {
            "note_id": note_id,
            "message": _(
                "%(name)s hat diese Notiz geändert, seit Sie sie geöffnet haben. "
                "So lautet sie jetzt:",
                name=editor.name if editor else _("Jemand anderes"),
            ),
            "text": text or "",
            "current": current,
            # Until the user decides, the form goes on sending the version it was made on.
            "stale_version": version,
        }
        return _refused(canvas, current.block_key, 409, problem, "note_state", note=current)
    except notes.NoteError as error:
        note = notes.note_or_raise(canvas, note_id)
        problem = {"note_id": note_id, "message": str(error), "text": text or ""}
        return _refused(canvas, note.block_key, 422, problem, "note_state", note=note)
    back = _at_note(canvas, note.block_key, note_id)
    return _done(canvas, note.block_key, "note_state", back, note=note, saved=True)


def _gone(canvas: Canvas, note_id: int, text: str):
    """The note was deleted meanwhile: say so, and keep the user's text."""
    note = db.session.get(CanvasNote, note_id)
    if note is None or note.canvas_id != canvas.id:
        abort(404)
    message = _(
        "Diese Notiz wurde inzwischen gelöscht. Ihr Text ist nicht verloren: Sie können ihn "
        "als neue Notiz hinzufügen."
    )
    if wants_fragment():  # the text stays in the note's field on the page
        problem = {"note_id": note_id, "message": message}
        return _refused(canvas, note.block_key, 410, problem, "note_state", note=note)
    problem = {"block": note.block_key, "message": message, "text": text, **_look()}
    return _refused(canvas, note.block_key, 410, problem, "added", block_key=note.block_key)


@bp.post("/<int:canvas_id>/notizen/<int:note_id>/loeschen")
@login_required
def delete_note(canvas_id: int, note_id: int):
    """Take a note off the board; it can be brought back for a while."""
    canvas = editable_canvas_or_404(canvas_id)
    try:
        note = notes.delete_note(canvas, current_user, note_id)
    except notes.NoteNotFound:
        abort(404)
    back = show_url(canvas, note.block_key, geloescht=note.id)
    return _done(canvas, note.block_key, "deleted", back, note=note)


@bp.post("/<int:canvas_id>/notizen/<int:note_id>/wiederherstellen")
@login_required
def restore_note(canvas_id: int, note_id: int):
    """Undo a delete."""
    canvas = editable_canvas_or_404(canvas_id)
    try:
        note = notes.restore_note(canvas, current_user, note_id)
    except notes.NoteNotFound:
        abort(404)
    except notes.NoteError as error:
        note = db.session.get(CanvasNote, note_id)
        if wants_fragment():
            problem = {"message": str(error)}
            return _refused(canvas, note.block_key, 422, problem, "deleted", note=note)
        db.session.rollback()
        flash(str(error), "error")
        return redirect(show_url(canvas, note.block_key))
    back = _at_note(canvas, note.block_key, note.id)
    return _done(canvas, note.block_key, "note", back, note=note)


def _destination(canvas: Canvas, note_id: int) -> tuple[str, int]:
    """Where the move form sends the note: one place up or down (buttons, keyboard), to
    the end of another block (the block menu), or a block and place (drag and drop)."""
    direction = request.form.get("richtung")
    if direction in ("hoch", "runter"):
        note = notes.note_or_raise(canvas, note_id)
        index = notes.note_index(canvas, note)
        return note.block_key, index - 1 if direction == "hoch" else index + 1
    position = request.form.get("position", type=int)
    return request.form.get("block", ""), CanvasNote.PER_BLOCK_MAX if position is None else position


@bp.get("/<int:canvas_id>/notizen/<int:note_id>/verschieben")
@login_required
def move_form(canvas_id: int, note_id: int):
    """Choose the block a note goes to, from every layer (keyboard and screen readers;
    the mouse can also drag it)."""
    canvas = editable_canvas_or_404(canvas_id)
    try:
        note = notes.note_or_raise(canvas, note_id)
    except notes.NoteNotFound:
        abort(404)
    return render(
        "canvas/note_move.html",
        canvas=canvas,
        canvas_template=template_of(canvas),
        note=note,
        back=show_url(canvas, note.block_key, anchor=f"note-{note.id}"),
        note_max=CanvasNote.PER_BLOCK_MAX,
    )


@bp.post("/<int:canvas_id>/notizen/<int:note_id>/verschieben")
@login_required
def move_note(canvas_id: int, note_id: int):
    """Move a note within its block or to another one."""
    canvas = editable_canvas_or_404(canvas_id)
    try:
        note = notes.note_or_raise(canvas, note_id)
        source = note.block_key
        block_key, position = _destination(canvas, note_id)
        notes.move_note(canvas, current_user, note_id, block_key, max(position, 0))
    except notes.NoteNotFound:
        abort(404)
    except notes.NoteError as error:
        db.session.rollback()
        flash(str(error), "error")
        if wants_fragment():  # both lists as they are, undoing what a drag showed
            target = block_key if template_of(canvas).block(block_key) else source
            return _fragment(canvas, source, "moved", 422, **_lists(canvas, source, target))
        return redirect(_at_note(canvas, source, note_id))
    back = _at_note(canvas, block_key, note_id)
    return _done(canvas, block_key, "moved", back, **_lists(canvas, source, block_key))


def _lists(canvas: Canvas, source: str, target: str) -> dict:
    """The notes of the blocks a move touched, for their lists to be drawn again."""
    return {
        "notes": board_notes(canvas),
        "moved_blocks": [source] if source == target else [source, target],
    }
