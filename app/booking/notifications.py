"""The mails a booking change sends: to the booker (or guest) and to the advisor.

Once a booking is confirmed, every mail about it carries the calendar invite
(``app.booking.invites``): REQUEST when confirmed or moved, CANCEL when cancelled. A guest's
booking that was never confirmed was never in anyone's calendar, so its mails carry none.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from app.booking import invites
from app.booking.links import confirm_url, manage_url
from app.mail import enqueue_mail
from app.models import Booking
from app.web import external_url


def _in_calendars(booking: Booking) -> bool:
    """Whether the people were sent an invite: the booking is, or was, confirmed."""
    return booking.confirmed_at is not None


def _to_booker(booking: Booking, kind: str, **extra) -> None:
    link = manage_url(booking)
    method, ics = None, None
    if _in_calendars(booking):
        method, ics = invites.invite(booking, invites.BOOKER, booking.locale, link)
    enqueue_mail(
        booking.contact_email,
        "booking",
        locale=booking.locale,
        ics_method=method,
        ics_body=ics,
        kind=kind,
        audience="booker",
        booking=booking,
        zone=booking.timezone,
        manage_link=link,
        **extra,
    )


def advisor_url(booking: Booking) -> str:
    """The booking's page behind the login (straight through when already logged in).

    Unlike the booker's manage link it carries no token: a forwarded advisor mail must not
    let anyone move or cancel the meeting. The page itself answers 404 to strangers, so
    the login comes first.
    """
    page = urlsplit(external_url("booking.show", uid=booking.uid)).path
    return external_url("auth.login", next=page)


def _to_advisor(booking: Booking, kind: str, **extra) -> None:
    """Only once confirmed: the advisor hears of a guest's booking when it is certain."""
    advisor = booking.advisor
    link = advisor_url(booking)
    method, ics = invites.invite(booking, invites.ADVISOR, advisor.user.locale, link)
    enqueue_mail(
        advisor.user.email,
        "booking",
        locale=advisor.user.locale,
        ics_method=method,
        ics_body=ics,
        kind=kind,
        audience="advisor",
        booking=booking,
        zone=advisor.timezone,
        booking_link=link,
        **extra,
    )


def booked(booking: Booking) -> None:
    if booking.status == "pending":
        _to_booker(booking, "pending", confirm_link=confirm_url(booking))
    else:
        confirmed(booking)


def confirmed(booking: Booking) -> None:
    _to_booker(booking, "confirmed")
    _to_advisor(booking, "confirmed")


def rescheduled(booking: Booking, previous_start: datetime) -> None:
    _to_booker(booking, "rescheduled", previous_start=previous_start)
    if _in_calendars(booking):
        _to_advisor(booking, "rescheduled", previous_start=previous_start)


def cancelled(booking: Booking) -> None:
    _to_booker(booking, "cancelled")
    if _in_calendars(booking):
        _to_advisor(booking, "cancelled")
