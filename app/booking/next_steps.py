"""Where a booking's page leads on: the picker with the same choice, as far as it still exists.

A confirmed, cancelled or lapsed booking is no dead end: "book another" and "choose a new
time" open the picker with the booking's type, topic (and advisor). Only what the picker can
still offer is passed on: a type switched off since, a topic nobody advises on any more or
an advisor who left would make the link a 404; the picker fills such gaps itself.
"""

from __future__ import annotations

from flask import url_for

from app.models import Booking


def picker_params(booking: Booking, same_advisor: bool = False) -> dict[str, str]:
    """Query parameters for ``booking.picker`` that repeat this booking's choice."""
    params: dict[str, str] = {}
    if booking.consultation_type.active:
        params["type"] = booking.consultation_type.slug
    bookable = booking.topic.bookable_advisors
    if bookable:
        params["topic"] = booking.topic.slug
        if same_advisor and booking.advisor in booking.topic.advisors_for(
            booking.consultation_type
        ):
            params["advisor"] = str(booking.advisor_id)
    return params


def picker_url(booking: Booking, same_advisor: bool = False) -> str:
    return url_for("booking.picker", **picker_params(booking, same_advisor))
