"""Forms of the Kalender page: the fixed video link and the address of the busy-time import."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import Field, URLField, ValidationError
from wtforms.form import BaseForm
from wtforms.validators import Optional

from app.calendar.fetch import FetchError, normalise_url
from app.forms import Form, max_length, required

MEETING_LINK_MAX = 500
CALENDAR_URL_MAX = 2000
IMPORT_SCHEMES = ("https", "http", "webcal")


def _has_host(value: str) -> bool:
    try:
        return bool(urlsplit(value).hostname)
    except ValueError:  # e.g. a malformed IPv6 address or port
        return False


def video_address(form: BaseForm, field: Field) -> None:
    """An https link to a meeting room: encrypted, one piece, with a host."""
    value = field.data or ""
    if any(ch.isspace() for ch in value):
        raise ValidationError(_l("Der Link darf keine Leerzeichen enthalten."))
    if not value.lower().startswith("https://") or not _has_host(value):
        raise ValidationError(
            _l(
                "Bitte geben Sie einen vollständigen Link ein, der mit https:// beginnt, "
                "z. B. https://meet.example.de/ihr-raum."
            )
        )


def _fetchable(value: str) -> bool:
    try:
        normalise_url(value)
    except FetchError:
        return False
    return True


def calendar_address(form: BaseForm, field: Field) -> None:
    """An address a calendar app would subscribe to: https, http or webcal, and one the
    import can fetch (``app.calendar.fetch.normalise_url``: a host, a valid port)."""
    value = field.data or ""
    if any(ch.isspace() for ch in value):
        raise ValidationError(_l("Die Adresse darf keine Leerzeichen enthalten."))
    scheme = value.partition("://")[0].lower()
    if scheme not in IMPORT_SCHEMES or not _fetchable(value):
        raise ValidationError(
            _l(
                "Bitte geben Sie die vollständige Adresse ein, die mit https://, http:// "
                "oder webcal:// beginnt."
            )
        )


class MeetingLinkForm(Form):
    meeting_link = URLField(
        _l("Fester Link für Videoberatungen"),
        validators=[Optional(), max_length(MEETING_LINK_MAX), video_address],
        description=_l(
            "Zum Beispiel Ihr persönlicher Teams-, Zoom- oder Jitsi-Raum. Er gilt für alle "
            "Ihre Videoberatungen statt eines eigenen Raums für jede Buchung. Leer lassen, "
            "damit jede Buchung ihren eigenen Raum bekommt."
        ),
    )


class ImportForm(Form):
    url = URLField(
        _l("Adresse Ihres Kalenders (ICS)"),
        validators=[
            required(_l("Bitte geben Sie die Adresse Ihres Kalenders ein.")),
            max_length(CALENDAR_URL_MAX),
            calendar_address,
        ],
    )
