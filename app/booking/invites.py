"""A booking as a calendar event for one person: the invite in their mail, the download.

The booker and the advisor get the same event (one UID, one SEQUENCE, the same times and
people), each written in their own language and from their own side: the booker meets the
advisor and the hub, the advisor meets the company. The ORGANIZER is the mailbox the mail
comes from (``MAIL_DEFAULT_SENDER``), so a calendar that answers an invite answers the
address that sent it; both the company contact and the advisor are ATTENDEEs.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.booking.labels import what, where
from app.calendar import events
from app.calendar.events import Meeting, Person
from app.i18n import localised
from app.mail.transport import mailbox
from app.models import Booking, BookingStatus, LocationKind
from app.models.types import utcnow

BOOKER, ADVISOR = "booker", "advisor"


def organizer() -> Person:
    """The hub's mailbox, exactly as the mail's From names it."""
    name, address = mailbox(current_app.config["MAIL_DEFAULT_SENDER"])
    return Person(name, address)


def attendees(booking: Booking) -> tuple[Person, ...]:
    """The company contact and the advisor: the two people who meet."""
    advisor = booking.advisor.user
    return Person(booking.contact_name, booking.contact_email), Person(advisor.name, advisor.email)


def _other_party(booking: Booking, audience: str) -> str:
    """Whom the recipient meets: for the advisor the company, for the booker the advisor."""
    if audience == ADVISOR:
        company = booking.company_name
        return f"{booking.contact_name} ({company})" if company else booking.contact_name
    return f"{booking.advisor.user.name} ({current_app.config['HUB_NAME']})"


def _location(booking: Booking, audience: str) -> str:
    """LOCATION: the bare link or address, which calendars make clickable or find on a map;
    the number to call with its label; otherwise what ``where`` says."""
    ctype = booking.consultation_type
    if ctype.location_kind == LocationKind.VIDEO and booking.meeting_url:
        return booking.meeting_url
    detail = localised(ctype, "location_detail")
    if ctype.location_kind == LocationKind.ON_SITE and detail:
        return detail
    return where(booking, audience)


def _description(booking: Booking, audience: str, link: str) -> str:
    """The place, the agenda and the way to the booking; for a cancelled one, why."""
    lines = []
    if booking.status == BookingStatus.CANCELLED:
        lines += [_("Dieser Termin findet nicht statt.")]
        if booking.cancel_reason and booking.cancel_reason != "expired":
            lines += [f"{_('Grund der Absage:')} {booking.cancel_reason}"]
        lines += [""]
    lines += [f"{_('Wo:')} {where(booking, audience)}"]
    if booking.agenda:
        lines += ["", _("Agenda:"), booking.agenda]
    if audience == ADVISOR:
        lines += ["", _("Buchung ansehen:"), link]
    elif booking.status != BookingStatus.CANCELLED:
        lines += ["", _("Termin ansehen, verschieben oder absagen:"), link]
    return "\n".join(lines)


def meeting(booking: Booking, audience: str, locale: str, link: str) -> Meeting:
    """The booking as ``audience`` ("booker" or "advisor") sees it, in ``locale``.

    ``link`` goes into the description: the booker's manage link, or for the advisor the
    booking page behind the login (a forwarded invite must not let anyone change it).
    """
    with force_locale(locale):
        other = _other_party(booking, audience)
        summary = _("%(what)s mit %(name)s", what=what(booking), name=other)
        return Meeting(
            uid=booking.uid,
            sequence=booking.sequence,
            start=booking.start,
            end=booking.end,
            summary=summary,
            location=_location(booking, audience),
            description=_description(booking, audience, link),
            organizer=organizer(),
            attendees=attendees(booking),
            cancelled=booking.status == BookingStatus.CANCELLED,
            language=locale,
            video_link=booking.meeting_url if booking.status != BookingStatus.CANCELLED else None,
            video_label=_("Videokonferenz beitreten"),
            alarm_text=summary,
            stamp=utcnow(),  # fresh each time: calendars take the newest as the update
        )


def invite(booking: Booking, audience: str, locale: str, link: str) -> tuple[str, str]:
    """The METHOD and calendar for a booking mail: REQUEST, or CANCEL once cancelled."""
    return events.invite(meeting(booking, audience, locale, link))


def download(booking: Booking, audience: str, locale: str, link: str) -> str:
    """The booking as a ``.ics`` file to open in any calendar (METHOD:PUBLISH)."""
    return events.calendar([meeting(booking, audience, locale, link)], events.PUBLISH)
