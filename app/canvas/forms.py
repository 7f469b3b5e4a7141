"""The form that starts a canvas. Notes, the title and the legend are small forms written
in the board's markup and checked by ``app/canvas/notes.py``, the one place of their rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field, RadioField, SelectChoice, StringField, ValidationError
from wtforms.form import BaseForm

from app.canvas import templates
from app.forms import Form, max_length, required
from app.models import Canvas

CANVAS_LANGUAGES = [SelectChoice("de", _l("Deutsch")), SelectChoice("en", _l("Englisch"))]


def known_choice(message: str):
    """WTForms' own complaint about a choice is English: ours says what to do."""

    def check(form: BaseForm, field: Field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message)

    return check


class NewCanvasForm(Form):
    # The page lists each template with its summary; the labels here name them in errors.
    template = RadioField(
        _l("Vorlage"),
        choices=[SelectChoice(key, key) for key in templates.TEMPLATES],
        default="bmc",
        validate_choice=False,
        validators=[known_choice(_l("Bitte wählen Sie eine Vorlage aus der Liste."))],
    )
    title = StringField(
        _l("Titel"),
        validators=[
            required(_l("Bitte geben Sie dem Canvas einen Titel.")),
            max_length(Canvas.TITLE_MAX),
        ],
        description=_l("Zum Beispiel das Produkt oder Vorhaben, um das es geht."),
    )
    locale = RadioField(
        _l("Sprache des Canvas"),
        choices=CANVAS_LANGUAGES,
        default="de",
        validate_choice=False,
        validators=[known_choice(_l("Bitte wählen Sie Deutsch oder Englisch."))],
        description=_l("In dieser Sprache stehen Blöcke und Fragen im PDF und im Export."),
    )
