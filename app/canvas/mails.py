"""Mail about a canvas's review: every transition tells the organisation's members."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.mail import enqueue_mail
from app.models import Canvas, CanvasTransition, Role, User
from app.web import external_url


def status_changed(canvas: Canvas, transition: CanvasTransition) -> None:
    """One mail per active member, in the member's language, linking to the canvas."""
    members = db.session.scalars(
        sa.select(User).where(
            User.organisation_id == canvas.organisation_id,
            User.role == Role.CLIENT.value,
            User.active,
        )
    )
    url = external_url("canvas.show", canvas_id=canvas.id)
    for member in members:
        enqueue_mail(
            member.email,
            "canvas_status",
            locale=member.locale,
            canvas=canvas,
            transition=transition,
            url=url,
            recipient=member,
        )
