"""Signed links for bookings: the manage link (until the day after the meeting) and the
guest's confirmation link (as long as the slot is held)."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for

from app import tokens
from app.models import Booking
from app.models.types import utcnow


def manage_token(booking: Booking) -> str:
    valid_for = max(booking.end - utcnow(), timedelta(0)) + timedelta(days=1)
    return tokens.make_token(tokens.MANAGE_BOOKING, {"uid": booking.uid}, valid_for)


def manage_url(booking: Booking) -> str:
    return url_for("booking.show", uid=booking.uid, token=manage_token(booking), _external=True)


def confirm_url(booking: Booking) -> str:
    valid_for = booking.hold_expires_at - utcnow()
    token = tokens.make_token(tokens.CONFIRM_BOOKING, {"uid": booking.uid}, valid_for)
    return url_for("booking.confirm_guest", token=token, _external=True)


def uid_from(token: str, purpose: str) -> str:
    """The booking a link is for; ``tokens.InvalidToken`` when tampered or expired."""
    uid = tokens.read_token(purpose, token).get("uid")
    if not isinstance(uid, str):
        raise tokens.InvalidToken()
    return uid
