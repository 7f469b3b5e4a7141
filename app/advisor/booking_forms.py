"""Forms of the booking details page: a private note, and the outcome with next steps.

A NUL byte never gets this far: ``app.edges`` refuses a request carrying one with a 400."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField, TextAreaField, ValidationError
from wtforms.validators import AnyOf, Optional

from app.advisor.bookings import FOLLOW_UP_MAX, NOTE_MAX, OUTCOME_LABELS
from app.forms import Form, max_length, required
from app.models import BookingStatus


class NoteForm(Form):
    body = TextAreaField(
        _l("Notiz"),
        validators=[
            required(_l("Bitte schreiben Sie etwas in die Notiz.")),
            max_length(NOTE_MAX),
        ],
        description=_l("Nur für Sie und das Team des Hubs sichtbar, nie für das Unternehmen."),
    )


class OutcomeForm(Form):
    # Sent by the button pressed ("Durchgeführt" or "Nicht erschienen"), not typed.
    outcome = StringField(
        _l("Ergebnis"),
        validators=[AnyOf(list(OUTCOME_LABELS), message=_l("Bitte wählen Sie ein Ergebnis."))],
    )
    next_steps = TextAreaField(
        _l("Nächste Schritte (optional)"),
        validators=[Optional(), max_length(FOLLOW_UP_MAX)],
        description=_l(
            "Nur bei „Durchgeführt“: Wir schicken den Text per E-Mail an die Ansprechperson, "
            "in der Sprache ihrer Buchung, mit einem Link zum nächsten Termin."
        ),
    )

    def validate_next_steps(self, field: Field) -> None:
        if field.data and self.outcome.data == BookingStatus.NO_SHOW.value:
            raise ValidationError(
                _l(
                    "Nächste Schritte schicken wir nur nach einer durchgeführten Beratung. "
                    "Bitte leeren Sie das Feld oder wählen Sie „Durchgeführt“."
                )
            )
