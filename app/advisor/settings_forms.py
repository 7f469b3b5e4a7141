"""The booking-rules form: which types and topics an advisor offers, and their own buffer,
notice and daily limit (each only ever stricter than a consultation type's own)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.validators import Optional

from app.forms import Form, WholeNumberField, number_between

BUFFER_MAX = 240
NOTICE_MAX_HOURS = 90 * 24
DAILY_MAX = 50


def _id(value) -> int | None:
    """A posted id as a number; anything else (garbage, a huge number) counts as none."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


class SettingsForm(Form):
    # Unknown or foreign ids are dropped by the service, so a tampered list changes nothing.
    offered = SelectMultipleField(
        _l("Beratungsarten, die Sie anbieten"), coerce=_id, validate_choice=False
    )
    topics = SelectMultipleField(
        _l("Themen, zu denen Sie beraten"), coerce=_id, validate_choice=False
    )
    buffer_minutes = WholeNumberField(
        _l("Puffer vor und nach jedem Termin (Minuten)"),
        validators=[Optional(), number_between(0, BUFFER_MAX)],
        description=_l(
            "Zeit zum Vorbereiten und Nacharbeiten. Leer oder 0: nur der Puffer der Beratungsart."
        ),
    )
    notice_hours = WholeNumberField(
        _l("Mindestvorlauf (Stunden)"),
        validators=[Optional(), number_between(0, NOTICE_MAX_HOURS)],
        description=_l(
            "So viele Stunden vorher muss spätestens gebucht werden. "
            "Leer: der Vorlauf der Beratungsart."
        ),
    )
    max_per_day = WholeNumberField(
        _l("Höchstens Termine pro Tag"),
        validators=[Optional(), number_between(1, DAILY_MAX)],
        description=_l("Über alle Beratungsarten zusammen. Leer: keine eigene Grenze."),
    )
