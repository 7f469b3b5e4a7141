"""What every page of the advisor workspace needs: the signed-in advisor, and a booking
they may open (their own; admins may open any)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from sqlalchemy.orm import lazyload, selectinload

from app.extensions import db
from app.models import Advisor, Booking

# The workspace's sections, in the order of its navigation.
SECTIONS = (
    ("advisor.agenda", _l("Agenda")),
    ("advisor.hours", lazy_pgettext("Arbeitsplatz", "Zeiten")),
    ("advisor.exceptions", _l("Abwesenheiten")),
    ("advisor.settings", _l("Buchungsregeln")),
    ("advisor.calendar", _l("Kalender")),
)


def current_advisor() -> Advisor:
    """The signed-in advisor's profile; 404 for an advisor account without one yet.

    The types they decline are read only when a page asks (the agenda never does): a
    statement less on every workspace page."""
    advisor = Advisor.of_user(current_user, lazyload(Advisor.declined_types))
    if advisor is None:
        abort(404)
    return advisor


def booking_or_404(booking_id: int, *options) -> Booking:
    """A booking of the signed-in advisor, or any booking for an admin; 404 for everyone
    else, so nobody learns that another advisor's booking exists."""
    query = sa.select(Booking).where(Booking.id == booking_id)
    if not current_user.is_admin:
        query = query.join(Advisor, Advisor.id == Booking.advisor_id).where(
            Advisor.user_id == current_user.id
        )
    booking = db.session.scalar(
        query.options(selectinload(Booking.advisor).selectinload(Advisor.user), *options)
    )
    if booking is None:
        abort(404)
    return booking
