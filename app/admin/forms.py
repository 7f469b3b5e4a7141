from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf

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
