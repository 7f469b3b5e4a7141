"""Who may see, edit and review a canvas.

- Members of the canvas's organisation read and edit it (its draft, versions, exports).
- Reviewers (admins, and advisors an admin marked as reviewer) read every canvas that has
  been submitted at least once, and comment on its versions.
- The advisor of a booking the canvas is attached to reads it.

Everyone else gets a 404 for the canvas and everything in it, so nobody learns that it
exists. Pages that exist for a role, such as the review queue, answer 403 to other roles.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from app.extensions import db
from app.models import Advisor, Booking, Canvas, CanvasVersion, Role, User


def is_reviewer(user: User) -> bool:
    """Admins, and advisors whose profile an admin marked as reviewer."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    return user.is_advisor and bool(
        db.session.scalar(
            sa.select(Advisor.is_reviewer).where(Advisor.user_id == user.id, Advisor.active)
        )
    )


def is_member(user: User, canvas: Canvas) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.CLIENT
        and user.organisation_id == canvas.organisation_id
    )


def advises_on(user: User, canvas: Canvas) -> bool:
    """``user`` is the advisor of a booking that brings this canvas."""
    if not (user.is_authenticated and user.is_active and user.is_advisor):
        return False
    return bool(
        db.session.scalar(
            sa.select(sa.literal(True))
            .select_from(Booking)
            .join(Advisor, Advisor.id == Booking.advisor_id)
            .where(Booking.canvas_id == canvas.id, Advisor.user_id == user.id)
            .limit(1)
        )
    )


def may_read(user: User, canvas: Canvas) -> bool:
    if is_member(user, canvas):
        return True
    if canvas.version_count and is_reviewer(user):
        return True
    return advises_on(user, canvas)


def may_review(user: User, canvas: Canvas) -> bool:
    return canvas.version_count > 0 and is_reviewer(user)


def _canvas(canvas_id: int) -> Canvas:
    canvas = db.session.get(Canvas, canvas_id)
    if canvas is None:
        abort(404)
    return canvas


def editable_canvas_or_404(canvas_id: int) -> Canvas:
    """The canvas for a member of its organisation; 404 for everyone else."""
    canvas = _canvas(canvas_id)
    if not is_member(current_user, canvas):
        abort(404)
    return canvas


def readable_canvas_or_404(canvas_id: int) -> Canvas:
    canvas = _canvas(canvas_id)
    if not may_read(current_user, canvas):
        abort(404)
    return canvas


def reviewable_canvas_or_404(canvas_id: int) -> Canvas:
    canvas = _canvas(canvas_id)
    if not may_review(current_user, canvas):
        abort(404)
    return canvas


def version_or_404(canvas: Canvas, number: int) -> CanvasVersion:
    """Version ``number`` of a canvas the caller already may read."""
    version = db.session.scalar(
        sa.select(CanvasVersion).where(
            CanvasVersion.canvas_id == canvas.id, CanvasVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return version
