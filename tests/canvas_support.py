"""Helpers for canvas tests: a canvas with notes, and a submitted version, made through the
services as the views do."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa

from app import create_app
from app.canvas import notes as note_service
from app.canvas import service, workflow
from app.database import begin_write
from app.extensions import db
from app.models import Canvas, CanvasNote, CanvasVersion, User
from tests.booking_support import writing
from tests.conftest import app_config

# Note text, titles and comments must show as text wherever they appear.
SCRIPT = "<script>alert(1)</script>"


def signed_in_member(make, auth) -> User:
    """A company member, logged in on the test client."""
    user = make.user(name="Andreas Krüger")
    auth.login(user.email)
    return user


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


def live_texts(app, canvas_id: int, block: str) -> list[str]:
    """The texts of a block's notes in the draft, in board order, as stored."""
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(CanvasNote.text)
                .where(
                    CanvasNote.canvas_id == canvas_id,
                    CanvasNote.block_key == block,
                    CanvasNote.deleted_at.is_(None),
                )
                .order_by(CanvasNote.position, CanvasNote.id)
            )
        )


def submit(app, member: User, canvas_id: int) -> int:
    """Submit the canvas as ``member``, committing; returns the new version's number."""
    with writing(app):
        canvas = db.session.get(Canvas, canvas_id)
        version: CanvasVersion = service.submit(canvas, db.session.get(User, member.id))
        db.session.commit()
        return version.number


RACERS = 10


def race(database_url, action) -> Counter:
    """Run ``action`` in RACERS threads at the same moment, each in its own request context
    and transaction; count "moved" (committed) and "refused" (IllegalTransition)."""
    racing = create_app(
        app_config(
            database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": RACERS + 2, "max_overflow": 0}
        )
    )
    ready = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def press() -> None:
        with racing.test_request_context():
            ready.wait(timeout=30)
            try:
                begin_write(db.session())
                action()
                db.session.commit()
                outcomes.append("moved")
            except workflow.IllegalTransition:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as error:  # shown in the failed assertion, not lost in a thread
                db.session.rollback()
                outcomes.append(repr(error))

    threads = [threading.Thread(target=press) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with racing.app_context():
        db.engine.dispose()
    return Counter(outcomes)
