"""Forms of the booking journey."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.form import BaseForm
from wtforms.validators import Optional

from app.auth.forms import RegistrationForm
from app.booking.consent import GUEST_CONSENT
from app.forms import Form, email_address, max_length, required


def _offered(form: BaseForm, field: Field) -> None:
    """Only a canvas the select offered: a forged or stale id is refused, never attached."""
    if field.data and field.data not in {choice.value for choice in field.choices}:
        raise ValidationError(_l("Bitte wählen Sie eines der Canvases Ihres Unternehmens."))


class CanvasForm(Form):
    """Which canvas of the organisation a booking brings (choices: ``attach.offers``)."""

    canvas = SelectField(
        _l("Canvas mitbringen"),
        choices=[],
        validators=[Optional(), _offered],
        validate_choice=False,
        description=_l(
            "Ihre Beraterin oder Ihr Berater kann es vor dem Termin lesen, aber nicht ändern."
        ),
    )

    def offer(self, offers) -> None:
        self.canvas.choices = [SelectChoice("", _l("Kein Canvas"))] + [
            SelectChoice(offer.value, offer.label) for offer in offers
        ]


class BookingForm(CanvasForm):
    agenda = TextAreaField(
        _l("Worüber möchten Sie sprechen?"),
        validators=[
            required(_l("Bitte schreiben Sie kurz, worüber Sie sprechen möchten.")),
            max_length(2000),
        ],
        description=_l("Ihre Fragen und Ziele, damit wir uns gut vorbereiten können."),
        render_kw={"rows": 5},
    )


class GuestBookingForm(BookingForm):
    """Without an account: who you are, and consent to the privacy notice (and no canvas:
    guests have none)."""

    canvas = None

    guest_name = StringField(
        _l("Ihr Name"),
        validators=[required(_l("Bitte geben Sie Ihren Namen ein.")), max_length(120)],
    )
    guest_email = EmailField(
        _l("E-Mail-Adresse"),
        validators=email_address(),
        description=_l("Dorthin schicken wir den Link, mit dem Sie die Buchung bestätigen."),
    )
    guest_company = StringField(
        _l("Unternehmen"),
        validators=[
            required(_l("Bitte geben Sie den Namen Ihres Unternehmens ein.")),
            max_length(200),
        ],
    )
    # Its label is the sentence stored with the booking (app.booking.consent).
    accept_privacy = BooleanField(
        GUEST_CONSENT, validators=RegistrationForm.accept_privacy.kwargs["validators"]
    )
    website = RegistrationForm.website


class CancelForm(Form):
    reason = TextAreaField(
        _l("Grund (freiwillig)"), validators=[Optional(), max_length(1000)], render_kw={"rows": 3}
    )


class ConfirmForm(Form):
    """A bare form with only the CSRF token, for "yes, do it" buttons."""
