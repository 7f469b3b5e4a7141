"""The mails a booking change sends: to the booker (or guest) and to the advisor."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from app.booking.links import confirm_url, manage_url
from app.mail import enqueue_mail
from app.models import Booking
from app.web import external_url


def _to_booker(booking: Booking, kind: str, **extra) -> None:
    enqueue_mail(
        booking.contact_email,
        "booking",
        locale=booking.locale,
        kind=kind,
        audience="booker",
        booking=booking,
        zone=booking.timezone,
        manage_link=manage_url(booking),
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
    advisor = booking.advisor
    enqueue_mail(
        advisor.user.email,
        "booking",
        locale=advisor.user.locale,
        kind=kind,
        audience="advisor",
        booking=booking,
        zone=advisor.timezone,
        booking_link=advisor_url(booking),
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
    if booking.status == "confirmed":
        _to_advisor(booking, "rescheduled", previous_start=previous_start)


def cancelled(booking: Booking) -> None:
    _to_booker(booking, "cancelled")
    if booking.confirmed_at is not None:
        _to_advisor(booking, "cancelled")
