"""Where a video consultation happens: a real, unguessable room for every video booking.

The advisor's fixed link (their own Teams or Jitsi room) wins; otherwise the hub's video
service (``VIDEO_ROOM_BASE_URL``, e.g. a self-hosted Jitsi) gets a room with a random
128-bit name. The room is given once, when the booking is confirmed, and kept when the
booking moves, so the link in the first invite stays right.
"""

from __future__ import annotations

import secrets

from flask import current_app

from app.models import Advisor, Booking, LocationKind


def gives_rooms(advisor: Advisor) -> bool:
    """Whether a video booking with ``advisor`` gets a room when it is confirmed."""
    return bool(advisor.meeting_link or current_app.config["VIDEO_ROOM_BASE_URL"].strip())


def video_room(advisor: Advisor) -> str | None:
    """A link for a new video meeting with ``advisor``; None when neither is configured."""
    if advisor.meeting_link:
        return advisor.meeting_link
    base = current_app.config["VIDEO_ROOM_BASE_URL"].strip()
    if not base:
        return None
    # Lower-case hex: Jitsi folds room names to lower case, so a mixed-case name would
    # lose bits; 32 hex digits are 128 random bits.
    return f"{base.rstrip('/')}/sprechstunde-{secrets.token_hex(16)}"


def give_room(booking: Booking) -> None:
    """Give a confirmed video booking its room, once."""
    if booking.meeting_url or booking.consultation_type.location_kind != LocationKind.VIDEO:
        return
    booking.meeting_url = video_room(booking.advisor)
