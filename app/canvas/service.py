"""Canvases and their workflow: create, read the draft, submit a version, move the status.

Plain functions the views and tests call. They change the session and flush; the view
commits. Notes are edited in ``app/canvas/notes.py``; review comments in
``app/canvas/review.py``.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from app.canvas import mails, templates, workflow
from app.canvas.snapshot import snapshot
from app.canvas.templates import Template
from app.database import lock_row
from app.extensions import db
from app.models import Canvas, CanvasNote, CanvasTransition, CanvasVersion, User
from app.models.types import utcnow


class EmptyCanvas(ValueError):
    """A canvas without a single note cannot be submitted: there is nothing to review."""


def template_of(canvas: Canvas) -> Template:
    template = templates.get(canvas.template_key)
    if template is None:  # a template removed from the code while canvases still use it
        raise LookupError(f"unknown canvas template {canvas.template_key!r}")
    return template


def create_canvas(user: User, template_key: str, title: str, locale: str) -> Canvas:
    """A new, empty draft for ``user``'s organisation."""
    if templates.get(template_key) is None:
        raise ValueError(f"unknown template {template_key!r}")
    canvas = Canvas(
        organisation_id=user.organisation_id,
        template_key=template_key,
        title=title.strip(),
        locale=locale,
        created_by_id=user.id,
        legend={},
    )
    db.session.add(canvas)
    db.session.flush()
    return canvas


def live_notes(canvas: Canvas) -> list[CanvasNote]:
    """The draft's notes in board order: block, then position (one query)."""
    return list(
        db.session.scalars(
            sa.select(CanvasNote)
            .where(CanvasNote.canvas_id == canvas.id, CanvasNote.deleted_at.is_(None))
            .order_by(CanvasNote.block_key, CanvasNote.position, CanvasNote.id)
        )
    )


def notes_by_block(canvas: Canvas) -> dict[str, list[CanvasNote]]:
    grouped: dict[str, list[CanvasNote]] = defaultdict(list)
    for note in live_notes(canvas):
        grouped[note.block_key].append(note)
    return grouped


def draft_snapshot(canvas: Canvas) -> dict:
    """The draft as it would be frozen now, in the format of a version."""
    template = template_of(canvas)
    grouped = notes_by_block(canvas)
    ordered = [note for key in template.block_keys for note in grouped.get(key, [])]
    return snapshot(canvas, template, ordered)


def submit(canvas: Canvas, user: User) -> CanvasVersion:
    """Freeze the draft as the next version and move the canvas to *submitted*.

    The canvas row is locked first, so two members submitting at once get two versions
    one after the other, or one version and an IllegalTransition, never the same number.
    """
    lock_row(db.session(), Canvas, canvas.id)
    db.session.refresh(canvas)
    workflow.next_status(canvas.status, workflow.Action.SUBMIT, workflow.Actor.MEMBER)
    data = draft_snapshot(canvas)
    if not any(data["blocks"].values()):
        raise EmptyCanvas
    now = utcnow()
    canvas.version_count += 1
    version = CanvasVersion(
        canvas_id=canvas.id,
        number=canvas.version_count,
        snapshot=data,
        submitted_by_id=user.id,
        submitted_at=now,
    )
    db.session.add(version)
    db.session.flush()
    canvas.submitted_at = now
    apply(canvas, workflow.Action.SUBMIT, user, workflow.Actor.MEMBER, version)
    return version


def latest_version(canvas: Canvas) -> CanvasVersion | None:
    return db.session.scalar(
        sa.select(CanvasVersion)
        .where(CanvasVersion.canvas_id == canvas.id)
        .order_by(CanvasVersion.number.desc())
        .limit(1)
    )


def apply(
    canvas: Canvas,
    action: workflow.Action,
    user: User,
    actor: workflow.Actor,
    version: CanvasVersion | None = None,
    *,
    notify: bool = True,
) -> CanvasTransition:
    """Move ``canvas`` by ``action`` (IllegalTransition if the workflow forbids it), record
    who did it and when, and (unless ``notify`` is false) mail the organisation's members.

    Callers that did not lock the canvas (review actions) are protected by a conditional
    update: of two reviewers approving at once, one wins and the other gets
    IllegalTransition, as if it had seen the new status.
    """
    before = canvas.status
    after = workflow.next_status(before, action, actor)
    now = utcnow()
    moved = db.session.execute(
        sa.update(Canvas)
        .where(Canvas.id == canvas.id, Canvas.status == before)
        .values(status=after.value, status_changed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        db.session.refresh(canvas)
        raise workflow.IllegalTransition(canvas.status, action, actor)
    canvas.status, canvas.status_changed_at = after.value, now
    transition = CanvasTransition(
        canvas_id=canvas.id,
        version_id=(version or latest_version(canvas)).id,
        action=action.value,
        from_status=before,
        to_status=after.value,
        actor_id=user.id,
        at=now,
    )
    db.session.add(transition)
    db.session.flush()
    if notify:
        mails.status_changed(canvas, transition)
    return transition
