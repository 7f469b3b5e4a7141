"""Forms of the data-protection pages (self-service and administration)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from app.forms import Form, email_address, max_length, required

# Typed to confirm an account's deletion; German and English are both accepted.
CONFIRM_WORDS = ("LÖSCHEN", "LOESCHEN", "DELETE")


def _confirm_word(form, field) -> None:
    if (field.data or "").strip().upper() not in CONFIRM_WORDS:
        raise ValidationError(
            _l("Bitte tippen Sie zur Bestätigung das Wort LÖSCHEN (in Großbuchstaben) ein.")
        )


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Ihr Passwort"),
        validators=[required(_l("Bitte geben Sie Ihr Passwort ein."))],
    )
    confirm = StringField(
        _l("Bestätigung: Tippen Sie LÖSCHEN"),
        validators=[
            required(_l("Bitte tippen Sie das Wort LÖSCHEN ein.")),
            max_length(20),
            _confirm_word,
        ],
    )


class ExportForm(Form):
    """An empty form: the button's CSRF token."""


class LookupForm(Form):
    kind = RadioField(
        _l("Wessen Daten?"),
        choices=[
            SelectChoice("account", _l("Ein Konto")),
            SelectChoice("guest", _l("Eine Gast-Adresse")),
        ],
        default="account",
        validators=[required(_l("Bitte wählen Sie Konto oder Gast-Adresse."))],
    )
    email = StringField(
        _l("E-Mail-Adresse"),
        validators=email_address(_l("Bitte geben Sie die E-Mail-Adresse ein.")),
    )


class EmailForm(Form):
    email = StringField(
        _l("E-Mail-Adresse"),
        validators=email_address(_l("Bitte geben Sie die E-Mail-Adresse ein.")),
    )


class ConfirmEmailForm(Form):
    """The confirmation step's POST: the address being erased, carried along."""

    email = HiddenField(validators=email_address())
