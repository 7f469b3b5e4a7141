"""The form of the legal-text editor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field, HiddenField, TextAreaField, ValidationError
from wtforms.form import BaseForm

from app.forms import Form, max_length, required
from app.main.legal import MAX_BODY


def _no_nul(form: BaseForm, field: Field) -> None:
    """A NUL byte is no character anybody types: refused, not silently dropped."""
    if any("\x00" in value for value in field.raw_data or ()):
        raise ValidationError(
            _l("Der Text enthält ein unzulässiges Steuerzeichen (NUL). Bitte entfernen Sie es.")
        )


def _whole_number(form: BaseForm, field: Field) -> None:
    text = field.data or ""
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ValidationError(_l("Bitte laden Sie die Seite neu."))


class LegalTextForm(Form):
    body_de = TextAreaField(
        _l("Text (Deutsch)"),
        validators=[
            _no_nul,
            required(_l("Bitte geben Sie den deutschen Text ein.")),
            max_length(MAX_BODY),
        ],
        description=_l(
            "Markdown: ## Überschrift, **fett**, - Aufzählung, [Linktext](https://…). "
            "HTML und Bilder werden nicht übernommen."
        ),
        render_kw={"rows": 18},
    )
    body_en = TextAreaField(
        _l("Text (Englisch, freiwillig)"),
        validators=[_no_nul, max_length(MAX_BODY)],
        description=_l("Leer gelassen, sehen englischsprachige Leser den deutschen Text."),
        render_kw={"rows": 18},
    )
    # The version the editor showed: a publish is always "the next one after this".
    based_on = HiddenField(validators=[_whole_number])
