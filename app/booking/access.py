"""Who may see and change a booking.

The booker, members of the booker's organisation, the booking's advisor and admins; or
whoever holds a valid manage link (guests have no account). Everyone else gets a 404, so
nobody learns that a booking exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app import tokens
from app.booking.links import uid_from
from app.extensions import db
from app.models import Advisor, Booking, User


def may_manage(user: User, booking: Booking) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin or booking.booked_by_id == user.id:
        return True
    if booking.organisation_id is not None and booking.organisation_id == user.organisation_id:
        return True
    return user.is_advisor and booking.advisor.user_id == user.id


def token_grants(uid: str) -> str | None:
    """The request's manage token, if it is valid for this booking."""
    token = request.values.get("token")
    if not token:
        return None
    try:
        return token if uid_from(token, tokens.MANAGE_BOOKING) == uid else None
    except tokens.InvalidToken:
        return None


def booking_or_404(uid: str) -> tuple[Booking, str | None]:
    """The booking and the manage token to carry along, or 404 for anyone not allowed."""
    booking = db.session.scalar(
        sa.select(Booking)
        .where(Booking.uid == uid)
        .options(joinedload(Booking.advisor).joinedload(Advisor.user))
    )
    if booking is None:
        abort(404)
    token = token_grants(uid)
    if token is None and not may_manage(current_user, booking):
        abort(404)
    return booking, token
