from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectChoice, SelectField, StringField, ValidationError
from wtforms.validators import AnyOf, Optional

from app.auth.forms import SIZE_LABELS
from app.forms import Form, email_address, max_length, required
from app.models import Role


class StaffUserForm(Form):
    name = StringField(
        _l("Name"),
        validators=[required(_l("Bitte geben Sie den Namen der Person ein.")), max_length(120)],
    )
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=email_address(_l("Bitte geben Sie die E-Mail-Adresse der Person ein.")),
        description=_l("Hierhin geht die Einladung mit dem Link, ein Passwort zu wählen."),
    )
    role = SelectField(
        _l("Rolle"),
        choices=[
            SelectChoice(Role.ADVISOR.value, _l("Beraterin / Berater")),
            SelectChoice(Role.ADMIN.value, _l("Administration")),
        ],
        validators=[
            AnyOf(
                [Role.ADVISOR.value, Role.ADMIN.value],
                message=_l("Bitte wählen Sie eine Rolle."),
            )
        ],
        validate_choice=False,
    )


class UserForm(Form):
    """An account's name and role; which roles it may take is the service's rule."""

    name = StaffUserForm.name
    role = SelectField(_l("Rolle"), validate_choice=False)

    def __init__(self, roles: dict[str, str], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(value, label) for value, label in roles.items()]

    def validate_role(self, field) -> None:
        if field.data not in set(Role):
            raise ValidationError(_l("Bitte wählen Sie eine der angebotenen Rollen."))


class OrganisationForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            required(_l("Bitte geben Sie den Namen der Organisation ein.")),
            max_length(200),
        ],
    )
    industry = StringField(_l("Branche"), validators=[Optional(), max_length(120)])
    city = StringField(_l("Ort"), validators=[Optional(), max_length(120)])
    size = SelectField(
        _l("Unternehmensgröße"),
        choices=[SelectChoice(value, label) for value, label in SIZE_LABELS.items()],
        validate_choice=False,
    )

    def validate_size(self, field) -> None:
        if field.data not in SIZE_LABELS:
            raise ValidationError(_l("Bitte wählen Sie eine der angebotenen Größen."))
