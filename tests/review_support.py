"""Helpers for the review tests: a hub with a company, its submitted canvas and people in
every role, and short ways to read back what the review stored."""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

from app.extensions import db
from app.models import Advisor, Canvas, CanvasTransition, ReviewComment, Role, User
from tests.canvas_support import make_canvas, submit

NOTES = {"value_propositions": ["Digitaler Zwilling"], "customer_segments": ["Mittelstand"]}


def make_hub(app, make) -> SimpleNamespace:
    """A company with two members, an outsider, an admin, a reviewing advisor and a plain
    advisor; the company has one canvas ("Digitaler Kundenservice"), submitted once."""
    organisation = make.organisation("Rheinchem Spezialchemie GmbH")
    member = make.user(name="Andreas Krüger", organisation=organisation)
    colleague = make.user(name="Jana Weber", organisation=organisation)
    outsider = make.user(name="Fremde Person")
    admin = make.user(role=Role.ADMIN, name="Ada Admin")
    reviewing = make.advisor(name="Katharina Brandt")
    plain = make.advisor(name="Thomas Becker")
    with app.app_context():
        db.session.get(Advisor, reviewing.id).is_reviewer = True
        db.session.commit()
    canvas_id = make_canvas(app, member, notes=NOTES)
    submit(app, member, canvas_id)
    return SimpleNamespace(
        organisation=organisation,
        member=member,
        colleague=colleague,
        outsider=outsider,
        admin=admin,
        reviewer=_detached(app, User, reviewing.user_id),
        advisor=_detached(app, User, plain.user_id),
        canvas_id=canvas_id,
    )


def _detached(app, model, row_id: int):
    with app.app_context():
        row = db.session.get(model, row_id)
        db.session.expunge(row)
        return row


def review_url(canvas_id: int, number: int = 1) -> str:
    return f"/canvas/{canvas_id}/pruefung/{number}"


def canvas_row(app, canvas_id: int) -> Canvas:
    return _detached(app, Canvas, canvas_id)


def _all(app, query) -> list:
    with app.app_context():
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def comments(app) -> list[ReviewComment]:
    return _all(app, sa.select(ReviewComment).order_by(ReviewComment.id))


def transitions(app, canvas_id: int) -> list[CanvasTransition]:
    return _all(
        app,
        sa.select(CanvasTransition)
        .where(CanvasTransition.canvas_id == canvas_id)
        .order_by(CanvasTransition.id),
    )
