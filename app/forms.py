"""The base form and the validators every form shares.

WTForms' own messages are English; ours go through Babel so a German user reads German.
Every form inherits ``Form``, which keeps control characters out of what users type.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, PasswordField, TextAreaField, ValidationError
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, Email, Length, NumberRange, Regexp, StopValidation

from app.i18n import is_known_locale, is_known_timezone

# Unicode category Cc (C0, DEL, C1) plus the line and paragraph separators.
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_CONTROL_RUN = re.compile(rf"\s*(?:[{_CONTROL}]\s*)+")
_LINE_BREAK = re.compile(r"\r\n?|[\x85\u2028\u2029]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def single_line(value):
    """One line of text: each run of control characters (line breaks, tabs, NUL …) with
    the spaces around it becomes one space, and no space is left at either end."""
    if not isinstance(value, str):
        return value
    return _CONTROL_RUN.sub(" ", value).strip()


def multi_line(value):
    """A text area: every line break (CR LF, CR, U+2028, U+2029) becomes LF, tabs stay,
    every other control character goes, and no blank space is left at either end."""
    if not isinstance(value, str):
        return value
    return _TEXT_CONTROL.sub("", _LINE_BREAK.sub("\n", value)).strip()


def no_nul(value):
    """A password counts as typed, but NUL is no character anybody types: refused."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(
            _l("Das Passwort darf keine Steuerzeichen enthalten. Bitte tippen Sie es neu ein.")
        )
    return value


class Form(FlaskForm):
    """The base of every form: text reaches the view free of control characters.

    Single-line fields (everything but text areas and passwords) get ``single_line``,
    text areas ``multi_line``, passwords ``no_nul``; before the field's own filters.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, PasswordField):
                clean = no_nul
            elif issubclass(field_class, TextAreaField):
                clean = multi_line
            else:
                clean = single_line
            filters = [clean, *unbound_field.kwargs.get("filters", ())]
            return super().bind_field(form, unbound_field, {**options, "filters": filters})


COMMON_PASSWORDS = frozenset(
    [
        "passwort",
        "passwort1",
        "passwort123",
        "password",
        "password1",
        "password123",
        "1234567890",
        "123456789",
        "12345678",
        "qwertzuiop",
        "qwertyuiop",
        "hallo12345",
        "sommer2024",
        "sommer2025",
        "sommer2026",
        "winter2025",
        "letmein123",
        "willkommen",
        "willkommen1",
        "iloveyou1",
        "abc123456",
        "geheim1234",
        "admin12345",
    ]
)
PASSWORD_MIN_LENGTH = 10


def required(message: str | None = None):
    """An empty field's complaint: say which entry is missing ("Bitte geben Sie Ihren Namen
    ein."); the general fallback only names no field, so give every field its own."""
    return DataRequired(message=message or _l("Bitte füllen Sie dieses Feld aus."))


def email_address(missing: str | None = None):
    return [
        required(missing or _l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
        Length(
            max=254,
            message=_l(
                "Die E-Mail-Adresse ist zu lang. Bitte prüfen Sie sie: höchstens 254 Zeichen."
            ),
        ),
        Email(
            message=_l("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@firma.de."),
            check_deliverability=False,
        ),
    ]


def max_length(limit: int):
    return Length(max=limit, message=_l("Bitte höchstens %(max)d Zeichen.", max=limit))


def strong_password(form: BaseForm, field: Field) -> None:
    """At least 10 characters, not a well-known password, not the e-mail address."""
    password = field.data or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationError(
            _l(
                "Das Passwort ist zu kurz. Bitte wählen Sie eines mit mindestens %(min)d Zeichen.",
                min=PASSWORD_MIN_LENGTH,
            )
        )
    if len(password) > 128:
        raise ValidationError(
            _l("Das Passwort ist zu lang. Bitte wählen Sie eines mit höchstens 128 Zeichen.")
        )
    email = getattr(getattr(form, "email", None), "data", None) or ""
    local_part = email.partition("@")[0].lower()
    if password.lower() in COMMON_PASSWORDS or (
        len(local_part) >= 4 and local_part in password.lower()
    ):
        raise ValidationError(
            _l("Dieses Passwort ist zu leicht zu erraten. Bitte wählen Sie ein anderes.")
        )


def known_locale(form: BaseForm, field: Field) -> None:
    if not is_known_locale(field.data):
        raise ValidationError(
            _l("Diese Sprache wird nicht angeboten. Bitte wählen Sie eine aus der Liste.")
        )


def known_timezone(form: BaseForm, field: Field) -> None:
    if not is_known_timezone(field.data):
        raise ValidationError(_l("Unbekannte Zeitzone. Bitte wählen Sie eine aus der Liste."))


class WholeNumberField(IntegerField):
    """An integer input whose complaint is in the user's language (WTForms' is English)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or valuelist[0] == "":
            self.data = None
            return
        try:
            self.data = int(valuelist[0])
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Bitte geben Sie eine ganze Zahl ein.")) from error

    def pre_validate(self, form: BaseForm) -> None:
        # Not a number: that is the one thing to say; skip "required" and range checks.
        if self.process_errors:
            raise StopValidation()


def number_between(low: int, high: int):
    return NumberRange(
        min=low, max=high, message=_l("Bitte eine Zahl von %(min)d bis %(max)d.", min=low, max=high)
    )


def slug():
    return Regexp(
        r"^[a-z0-9]+(-[a-z0-9]+)*$",
        message=_l("Nur Kleinbuchstaben, Ziffern und Bindestriche, z. B. erstgespraech."),
    )
