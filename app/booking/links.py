"""Signed links for bookings: the manage link (until the day after the meeting) and the
guest's confirmation link (as long as the slot is held)."""

from __future__ import annotations

from datetime import timedelta

from app import tokens
from app.models import Booking
from app.models.types import utcnow
from app.web import external_url


def manage_token(booking: Booking) -> str:
    valid_for = max(booking.end - utcnow(), timedelta(0)) + timedelta(days=1)
    return tokens.make_token(tokens.MANAGE_BOOKING, {"uid": booking.uid}, valid_for)


def manage_url(booking: Booking) -> str:
    return external_url("booking.show", uid=booking.uid, token=manage_token(booking))


def confirm_url(booking: Booking) -> str:
    valid_for = booking.hold_expires_at - utcnow()
    token = tokens.make_token(tokens.CONFIRM_BOOKING, {"uid": booking.uid}, valid_for)
    return external_url("booking.confirm_guest", token=token)


def uid_from(token: str, purpose: str) -> str:
    """The booking a link is for; ``tokens.InvalidToken`` when tampered or expired."""
    uid = tokens.read_token(purpose, token).get("uid")
    if not isinstance(uid, str):
        raise tokens.InvalidToken()
    return uid
