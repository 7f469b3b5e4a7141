"""The company's canvases: the list with the "new canvas" form, and a canvas's board.

Members of the organisation edit the board (notes in ``note_routes.py``, title and legend
here); everyone else who may read it (reviewers, the advisor of a booking it is attached
to) sees the same page without a single form. Without JavaScript every form posts and
redirects back to the page; with HTMX it gets its own part of the page back.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.access import role_required
from app.canvas import bp, notes, workflow
from app.canvas.access import editable_canvas_or_404, is_member, readable_canvas_or_404
from app.canvas.comments import WHOLE_CANVAS, comments_on_canvas
from app.canvas.forms import NewCanvasForm
from app.canvas.service import create_canvas, template_of
from app.canvas.templates import COLOURS, TEMPLATES, Layer
from app.extensions import db
from app.i18n import localised
from app.models import Canvas, CanvasNote, Role
from app.web import form_status, render, wants_fragment

INDEX = "canvas/index.html"
SHOW = "canvas/show.html"


def _organisation_id() -> int:
    if not current_user.organisation_id:  # a client account without an organisation
        abort(404)
    return current_user.organisation_id


def _index(form: NewCanvasForm, status: int = 200):
    canvases = db.session.scalars(
        sa.select(Canvas)
        .where(Canvas.organisation_id == _organisation_id())
        .order_by(Canvas.updated_at.desc(), Canvas.id.desc())
    )
    return render(
        INDEX,
        block="new_canvas",
        status=status,
        canvases=list(canvases),
        form=form,
        templates=TEMPLATES,
    )


@bp.get("/")
@role_required(Role.CLIENT)
def index():
    """The organisation's canvases, most recently changed first, and a new one."""
    return _index(NewCanvasForm(formdata=None))


@bp.post("/neu")
@role_required(Role.CLIENT)
def create():
    """Start a canvas from a template and open it."""
    _organisation_id()
    form = NewCanvasForm()
    if not form.validate_on_submit():
        return _index(form, form_status(form))
    canvas = create_canvas(current_user, form.template.data, form.title.data, form.locale.data)
    db.session.commit()
    return redirect(url_for("canvas.show", canvas_id=canvas.id))


def show_url(
    canvas: Canvas, block_key: str | None = None, anchor: str | None = None, **values
) -> str:
    """The board, on the layer that holds ``block_key``."""
    template = template_of(canvas)
    layer = template.layer_of(block_key) if block_key else None
    if layer and len(template.layers) > 1:
        values["ebene"] = layer.key
    return url_for("canvas.show", canvas_id=canvas.id, _anchor=anchor, **values)


def show_page(
    canvas: Canvas,
    layer: Layer | None = None,
    *,
    block: str = "content",
    status: int = 200,
    problem: dict | None = None,
):
    """The board of ``layer`` (the one in ``?ebene=``), or its ``block`` for HTMX.

    ``problem`` is what a refused change sends back: the message, the note or block it
    concerns and the text the user typed (kept in the field); for a conflict also the
    colleague's note (``current``).
    """
    template = template_of(canvas)
    layer = layer or template.layer(request.args.get("ebene"))
    editable = is_member(current_user, canvas)
    return render(
        SHOW,
        block=block,
        status=status,
        **board_context(canvas, layer),
        editable=editable,
        notes=board_notes(canvas),
        comments=comments_on_canvas(canvas),
        whole_canvas=WHOLE_CANVAS,
        layer_url=lambda key: url_for("canvas.show", canvas_id=canvas.id, ebene=key),
        may_submit=workflow.is_allowed(
            canvas.status, workflow.Action.SUBMIT, workflow.Actor.MEMBER
        ),
        undo=_undoable(canvas) if editable else None,
        problem=problem,
    )


class BoardNote(NamedTuple):
    """What a note on the board shows. Read as plain rows, not ORM objects (a board of 300
    notes loads in a quarter of the time), and kept as tuples: the template reads each
    note's fields a dozen times, and a SQLAlchemy row's attribute is ten times slower."""

    id: int
    canvas_id: int
    block_key: str
    text: str
    colour: str
    kind: str
    version: int


def board_notes(canvas: Canvas) -> dict[str, list[BoardNote]]:
    """The draft's live notes by block, in board order (one query).

    Through the session's connection: the ORM's handling of a plain column query took as
    long as the query itself. Sorted by place only; grouping by block keeps that order
    (sorting by the block's name too made the database compare strings)."""
    query = (
        sa.select(*(getattr(CanvasNote, field) for field in BoardNote._fields))
        .where(CanvasNote.canvas_id == canvas.id, CanvasNote.deleted_at.is_(None))
        .order_by(CanvasNote.position, CanvasNote.id)
    )
    db.session.flush()  # what the ORM's autoflush would do: pending changes are read too
    grouped: dict[str, list[BoardNote]] = defaultdict(list)
    for note in map(BoardNote._make, db.session.connection().execute(query).all()):
        grouped[note.block_key].append(note)
    return grouped


def board_context(canvas: Canvas, layer: Layer) -> dict:
    """What the board and each note's forms need, for the page and its fragments."""
    return {
        "canvas": canvas,
        "canvas_template": template_of(canvas),
        "layer": layer,
        "colours": COLOURS,
        "colour_choices": [(colour.key, localised(colour, "name")) for colour in COLOURS],
        "notes_url": url_for("canvas.add_note", canvas_id=canvas.id),
        "text_max": CanvasNote.TEXT_MAX,
        "title_max": Canvas.TITLE_MAX,
        "legend_max": notes.LEGEND_TEXT_MAX,
    }


def _undoable(canvas: Canvas) -> CanvasNote | None:
    """After a delete without JavaScript: the note the page offers to bring back."""
    note_id = request.args.get("geloescht", type=int)
    if note_id is None:
        return None
    try:
        return notes.note_or_raise(canvas, note_id, deleted=True)
    except notes.NoteNotFound:
        return None


@bp.get("/<int:canvas_id>")
@login_required
def show(canvas_id: int):
    """The board: editable for members, read-only for everyone else who may read it."""
    return show_page(readable_canvas_or_404(canvas_id))


def _done(canvas: Canvas, block: str):
    db.session.commit()
    if wants_fragment():
        return show_page(canvas, block=block)
    return redirect(show_url(canvas))


@bp.post("/<int:canvas_id>/titel")
@login_required
def rename(canvas_id: int):
    """Rename the canvas."""
    canvas = editable_canvas_or_404(canvas_id)
    try:
        notes.rename(canvas, request.form.get("title", ""))
    except notes.NoteError as error:
        db.session.rollback()
        problem = {"title": str(error), "text": request.form.get("title", "")}
        return show_page(canvas, block="title", status=422, problem=problem)
    flash(_("Der Titel ist gespeichert."), "success")
    return _done(canvas, "title")


@bp.post("/<int:canvas_id>/legende")
@login_required
def legend(canvas_id: int):
    """Say what each colour means on this canvas."""
    canvas = editable_canvas_or_404(canvas_id)
    meanings = {colour.key: request.form.get(f"legend-{colour.key}", "") for colour in COLOURS}
    try:
        notes.set_legend(canvas, meanings)
    except notes.NoteError as error:
        db.session.rollback()
        problem = {"legend": str(error), "meanings": meanings}
        return show_page(canvas, block="legend", status=422, problem=problem)
    flash(_("Die Legende ist gespeichert."), "success")
    return _done(canvas, "legend")
