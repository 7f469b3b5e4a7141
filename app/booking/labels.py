"""Words for booking values, shared by pages and mails."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.booking.meeting import gives_rooms
from app.i18n import localised
from app.models import Booking, BookingStatus, ConsultationType, LocationKind

LOCATION_KINDS = {
    LocationKind.ON_SITE: _l("vor Ort"),
    LocationKind.VIDEO: _l("Videokonferenz"),
    LocationKind.PHONE: _l("Telefon"),
}

STATUSES = {
    BookingStatus.PENDING: _l("wartet auf Bestätigung"),
    BookingStatus.CONFIRMED: _l("bestätigt"),
    BookingStatus.CANCELLED: _l("abgesagt"),
    BookingStatus.COMPLETED: _l("stattgefunden"),
    BookingStatus.NO_SHOW: _l("nicht erschienen"),
}


def location(ctype: ConsultationType) -> str:
    """ "Videokonferenz: https://…" — the kind, and the address or link when there is one."""
    label = str(LOCATION_KINDS[LocationKind(ctype.location_kind)])
    detail = localised(ctype, "location_detail")
    return f"{label}: {detail}" if detail else label


def video_link(booking: Booking) -> str | None:
    """The room to join: a confirmed video booking's link. None while a guest's booking
    waits for confirmation, once cancelled, and when no video service gave a room."""
    if booking.status != BookingStatus.CONFIRMED.value:
        return None
    return booking.meeting_url or None


def _one_line(name: str) -> str:
    return " ".join(name.split())


def where(booking: Booking, audience: str = "booker") -> str:
    """Where the meeting happens, in one line for mails, pages and calendars.

    Phone and on-site: the type's number or address. Video: the booking's own link once
    confirmed. A video booking without a link says who brings it, honestly: the
    confirmation (for a waiting guest, if a room will be given then), else the advisor.
    ``audience`` is "booker" or "advisor": the advisor is told to send the link.
    """
    ctype = booking.consultation_type
    place = location(ctype)
    if ctype.location_kind != LocationKind.VIDEO or booking.status == BookingStatus.CANCELLED:
        return place
    if booking.meeting_url:
        return f"{LOCATION_KINDS[LocationKind.VIDEO]}: {booking.meeting_url}"
    # For a waiting guest's booking, whether confirming will give it a room (the advisor's
    # link or the hub's service); the room itself is only made then.
    if booking.status == BookingStatus.PENDING and gives_rooms(booking.advisor):
        if audience == "advisor":
            return place
        note = _("den Link bekommen Sie mit der Bestätigung")
    elif audience == "advisor":
        note = _(
            "bitte schicken Sie %(name)s den Link vor dem Termin",
            name=_one_line(booking.contact_name),
        )
    else:
        note = _("den Link schickt Ihnen %(name)s vor dem Termin", name=booking.advisor.user.name)
    return f"{place} – {note}"


def status(value: str) -> str:
    return str(STATUSES[BookingStatus(value)])


def what(booking: Booking) -> str:
    """ "Workshop Geschäftsmodell – Digitalisierung": the type and the topic, the topic only
    when the type's name does not already say it ("Erstgespräch Digitalisierung")."""
    kind = localised(booking.consultation_type, "name")
    topic = localised(booking.topic, "name")
    return kind if topic.casefold() in kind.casefold() else f"{kind} – {topic}"
