"""Words for booking values, shared by pages and mails."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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


def status(value: str) -> str:
    return str(STATUSES[BookingStatus(value)])


def what(booking: Booking) -> str:
    """ "Workshop Geschäftsmodell – Digitalisierung": the type and the topic, the topic only
    when the type's name does not already say it ("Erstgespräch Digitalisierung")."""
    kind = localised(booking.consultation_type, "name")
    topic = localised(booking.topic, "name")
    return kind if topic.casefold() in kind.casefold() else f"{kind} – {topic}"
