"""Forms for accounts: registration, login, password reset, profile, invitations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import EqualTo, Optional

from app.forms import (
    Form,
    email_address,
    known_locale,
    known_timezone,
    max_length,
    required,
    strong_password,
)
from app.i18n import canonical_timezone, timezone_choices
from app.models import OrganisationSize

SIZE_LABELS = {
    OrganisationSize.MICRO: _l("1–9 Beschäftigte"),
    OrganisationSize.SMALL: _l("10–49 Beschäftigte"),
    OrganisationSize.MEDIUM: _l("50–249 Beschäftigte"),
    OrganisationSize.LARGE: _l("250 und mehr Beschäftigte"),
}


NAME_MISSING = _l("Bitte geben Sie Ihren Namen ein.")


class PasswordPair:
    """A new password typed twice; mixed into forms that set one."""

    password = PasswordField(
        _l("Passwort"),
        validators=[required(_l("Bitte wählen Sie ein Passwort.")), strong_password],
        description=_l("Mindestens 10 Zeichen. Ein Satz aus mehreren Wörtern ist ideal."),
    )
    password_confirm = PasswordField(
        _l("Passwort wiederholen"),
        validators=[
            required(_l("Bitte geben Sie das Passwort zur Sicherheit noch einmal ein.")),
            EqualTo(
                "password",
                message=_l(
                    "Die Passwörter stimmen nicht überein. Bitte geben Sie zweimal dasselbe ein."
                ),
            ),
        ],
    )


class RegistrationForm(PasswordPair, Form):
    name = StringField(_l("Ihr Name"), validators=[required(NAME_MISSING), max_length(120)])
    email = EmailField(_l("E-Mail-Adresse"), validators=email_address())
    organisation_name = StringField(
        _l("Unternehmen"),
        validators=[
            required(_l("Bitte geben Sie den Namen Ihres Unternehmens ein.")),
            max_length(200),
        ],
    )
    industry = StringField(
        _l("Branche"),
        validators=[Optional(), max_length(120)],
        description=_l("Zum Beispiel Chemie, Maschinenbau, Handwerk oder Software."),
    )
    city = StringField(_l("Ort"), validators=[Optional(), max_length(120)])
    size = SelectField(
        _l("Unternehmensgröße"),
        choices=[SelectChoice(value, label) for value, label in SIZE_LABELS.items()],
        default=OrganisationSize.MICRO.value,
        validate_choice=False,
    )
    accept_privacy = BooleanField(
        _l(
            "Ich habe die Datenschutzhinweise gelesen und bin mit der Verarbeitung "
            "meiner Daten zur Beratung einverstanden."
        ),
        validators=[
            required(
                _l(
                    "Bitte setzen Sie das Häkchen, um den Datenschutzhinweisen zuzustimmen: "
                    "ohne Ihre Zustimmung dürfen wir Ihre Angaben nicht verarbeiten."
                )
            )
        ],
    )
    # A bot fills every field; people never see this one.
    website = StringField(_l("Website (bitte leer lassen)"))

    def validate_size(self, field) -> None:
        if field.data not in SIZE_LABELS:
            field.data = OrganisationSize.MICRO.value


class InvitedRegistrationForm(PasswordPair, Form):
    """Joining a colleague's organisation: the organisation is known from the invitation."""

    name = StringField(_l("Ihr Name"), validators=[required(NAME_MISSING), max_length(120)])
    email = EmailField(_l("E-Mail-Adresse"), validators=email_address())
    accept_privacy = RegistrationForm.accept_privacy
    website = RegistrationForm.website


class LoginForm(Form):
    email = EmailField(_l("E-Mail-Adresse"), validators=email_address())
    password = PasswordField(
        _l("Passwort"), validators=[required(_l("Bitte geben Sie Ihr Passwort ein."))]
    )
    remember = BooleanField(_l("Angemeldet bleiben (30 Tage)"))


class EmailForm(Form):
    email = EmailField(_l("E-Mail-Adresse"), validators=email_address())


class ResetPasswordForm(PasswordPair, Form):
    pass


class ChangePasswordForm(PasswordPair, Form):
    current_password = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[required(_l("Bitte geben Sie Ihr bisheriges Passwort ein."))],
    )


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[required(NAME_MISSING), max_length(120)])
    locale = SelectField(
        _l("Sprache"),
        # Each language in its own name, marked as such for screen readers (WCAG 3.1.2).
        choices=[
            SelectChoice("de", "Deutsch", render_kw={"lang": "de"}),
            SelectChoice("en", "English", render_kw={"lang": "en"}),
        ],
        validators=[known_locale],
        validate_choice=False,
    )
    timezone = SelectField(
        _l("Zeitzone"),
        validators=[known_timezone],
        # A legacy name ("Asia/Calcutta", e.g. from an old profile) is kept as its zone.
        filters=[lambda name: canonical_timezone(name) or name],
        validate_choice=False,
        description=_l("Alle Termine werden Ihnen in dieser Zeitzone angezeigt."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Grouped by region (<optgroup>), the user's own zone first.
        self.timezone.choices = dict(timezone_choices(self.timezone.data))


class InviteColleagueForm(Form):
    email = EmailField(
        _l("E-Mail-Adresse der Kollegin oder des Kollegen"),
        validators=email_address(
            _l("Bitte geben Sie die E-Mail-Adresse Ihrer Kollegin oder Ihres Kollegen ein.")
        ),
    )
