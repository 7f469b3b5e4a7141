"""Forms for advisors: a new one, their profile, and resolving their bookings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField

from app.admin.forms import StaffUserForm
from app.forms import Form, max_length, required


class NewAdvisorForm(Form):
    name = StaffUserForm.name
    email = StaffUserForm.email
    title_de = StringField(
        _l("Funktion (Deutsch, optional)"),
        validators=[max_length(160)],
        description=_l("z. B. Digitalisierung und Prozesse"),
    )


class AdvisorProfileForm(Form):
    title_de = StringField(_l("Funktion (Deutsch)"), validators=[max_length(160)])
    title_en = StringField(_l("Funktion (Englisch)"), validators=[max_length(160)])
    bio_de = TextAreaField(_l("Kurzprofil (Deutsch)"), validators=[max_length(4000)])
    bio_en = TextAreaField(_l("Kurzprofil (Englisch)"), validators=[max_length(4000)])
    is_reviewer = BooleanField(_l("Darf eingereichte Canvases prüfen"))


class ReassignForm(Form):
    """The advisor is a radio button per candidate, read by the view (``advisor``)."""


class CancelForm(Form):
    reason = TextAreaField(
        _l("Grund der Absage"),
        validators=[
            required(_l("Bitte geben Sie einen Grund an; er steht in der Absage an die Firma.")),
            max_length(1000),
        ],
        description=_l("Steht in der Absage-E-Mail und im Kalender der Firma."),
    )
