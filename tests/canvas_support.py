"""Helpers for canvas tests: a canvas with notes, and a submitted version, made through the
services as the views do."""

from __future__ import annotations

from app.canvas import notes as note_service
from app.canvas import service
from app.extensions import db
from app.models import Canvas, CanvasVersion, User
from tests.booking_support import writing


def make_canvas(
    app,
    member: User,
    template: str = "bmc",
    notes: dict[str, list[str]] | None = None,
    title: str = "Digitaler Kundenservice",
    locale: str = "de",
) -> int:
    """A committed canvas of ``member``'s organisation with ``notes`` ({block: [texts]});
    returns its id."""
    with writing(app):
        user = db.session.get(User, member.id)
        canvas = service.create_canvas(user, template, title, locale)
        for block, texts in (notes or {}).items():
            for text in texts:
                note_service.add_note(canvas, user, block, text)
        db.session.commit()
        return canvas.id


def submit(app, member: User, canvas_id: int) -> int:
    """Submit the canvas as ``member``, committing; returns the new version's number."""
    with writing(app):
        canvas = db.session.get(Canvas, canvas_id)
        version: CanvasVersion = service.submit(canvas, db.session.get(User, member.id))
        db.session.commit()
        return version.number
