"""Forms for what the hub offers: consultation types and topics."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Optional

from app.booking.labels import LOCATION_KINDS
from app.forms import Form, WholeNumberField, max_length, number_between, required, slug

NAME_DE = _l("Bitte geben Sie einen deutschen Namen ein.")
NAME_EN = _l("Bitte geben Sie einen englischen Namen ein; er erscheint auf den englischen Seiten.")


class KeptWhenMissingField(WholeNumberField):
    """A number that a form posted without it (a page loaded before the field existed)
    leaves as it was; an emptied field is still asked for again by its range check."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            super().process_formdata(valuelist)


class ConsultationTypeForm(Form):
    slug = StringField(
        _l("Kurzname in Adressen"),
        validators=[
            required(_l("Bitte geben Sie einen Kurznamen für Adressen ein, z. B. erstgespraech.")),
            max_length(80),
            slug(),
        ],
        description=_l("Erscheint in Links, z. B. erstgespraech."),
    )
    name_de = StringField(_l("Name (Deutsch)"), validators=[required(NAME_DE), max_length(160)])
    name_en = StringField(_l("Name (Englisch)"), validators=[required(NAME_EN), max_length(160)])
    description_de = TextAreaField(_l("Beschreibung (Deutsch)"), validators=[max_length(2000)])
    description_en = TextAreaField(_l("Beschreibung (Englisch)"), validators=[max_length(2000)])
    duration_minutes = WholeNumberField(
        _l("Dauer in Minuten"),
        validators=[
            required(_l("Bitte geben Sie die Dauer in Minuten an.")),
            number_between(5, 480),
        ],
    )
    buffer_before_minutes = WholeNumberField(
        _l("Puffer davor (Minuten)"), default=0, validators=[number_between(0, 120)]
    )
    buffer_after_minutes = WholeNumberField(
        _l("Puffer danach (Minuten)"), default=0, validators=[number_between(0, 120)]
    )
    minimum_notice_minutes = WholeNumberField(
        _l("Mindestvorlauf (Minuten)"),
        default=24 * 60,
        validators=[number_between(0, 60 * 24 * 30)],
        description=_l("So lange vorher muss spätestens gebucht werden; 1440 = ein Tag."),
    )
    horizon_days = WholeNumberField(
        _l("Buchbar bis (Tage im Voraus)"), default=60, validators=[number_between(1, 365)]
    )
    max_per_day = WholeNumberField(
        _l("Höchstens pro Beraterin/Berater und Tag"),
        validators=[Optional(), number_between(1, 20)],
        description=_l("Leer lassen für keine Grenze."),
    )
    reminder_hours = KeptWhenMissingField(
        _l("Erinnerung vorher (Stunden)"),
        default=24,
        validators=[number_between(0, 336)],
        description=_l("0 = keine Erinnerung"),
    )
    location_kind = SelectField(
        _l("Ort der Beratung"),
        choices=[SelectChoice(kind.value, label) for kind, label in LOCATION_KINDS.items()],
        validators=[
            AnyOf(
                [k.value for k in LOCATION_KINDS],
                message=_l("Bitte wählen Sie, wo die Beratung stattfindet."),
            )
        ],
        validate_choice=False,
    )
    location_detail_de = StringField(
        _l("Adresse, Link oder Telefonnummer (Deutsch)"), validators=[max_length(255)]
    )
    location_detail_en = StringField(
        _l("Adresse, Link oder Telefonnummer (Englisch)"),
        validators=[max_length(255)],
        description=_l("Leer lassen, wenn es dasselbe ist wie auf Deutsch."),
    )
    active = BooleanField(_l("Online buchbar"), default=True)


class TopicForm(Form):
    slug = ConsultationTypeForm.slug
    name_de = StringField(_l("Name (Deutsch)"), validators=[required(NAME_DE), max_length(120)])
    name_en = StringField(_l("Name (Englisch)"), validators=[required(NAME_EN), max_length(120)])
    description_de = TextAreaField(_l("Beschreibung (Deutsch)"), validators=[max_length(2000)])
    description_en = TextAreaField(_l("Beschreibung (Englisch)"), validators=[max_length(2000)])
    active = BooleanField(
        _l("Wird angeboten"),
        default=True,
        description=_l(
            "Ohne Haken erscheint das Thema nirgends mehr zur Buchung; "
            "bestehende Termine behalten es."
        ),
    )
