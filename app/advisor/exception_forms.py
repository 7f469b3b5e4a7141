"""Forms of the Abwesenheiten page: days off, special hours, public holidays.

Reasons are single-line text: the base form turns line breaks, tabs and NUL into spaces
(``app.forms.single_line``) rather than refusing them, since a pasted reason with a line
break means nothing bad. The date rules themselves live in ``exceptions.range_problem``.
"""

from __future__ import annotations

from datetime import date, time

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    Field,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
    ValidationError,
)
from wtforms.form import BaseForm
from wtforms.validators import StopValidation

from app.advisor import exceptions
from app.advisor.public_holidays import REGIONS
from app.forms import Form, max_length, required


class _Blank:
    """An empty input is no value (not "not a date"); a value that does not parse says so
    alone, in the user's language, without "please fill in" on top."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form: BaseForm) -> None:
        if self.process_errors:
            raise StopValidation()

    def _value(self) -> str:
        # A date input holds a date or nothing: what did not parse is not shown back.
        return "" if self.process_errors else super()._value()


class DayField(_Blank, DateField):
    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(
            label,
            validators,
            invalid_value_message=_l("Bitte wählen Sie ein gültiges Datum."),
            **kwargs,
        )


class ClockField(_Blank, TimeField):
    def __init__(self, label=None, validators=None, **kwargs):
        # Browsers send "09:00", some with seconds when a step is set.
        super().__init__(
            label,
            validators,
            format=["%H:%M", "%H:%M:%S"],
            invalid_value_message=_l("Bitte geben Sie eine Uhrzeit ein, z. B. 09:30."),
            **kwargs,
        )


class _Days(Form):
    """First and last day (inclusive); an empty last day means just the first."""

    first_day = DayField(_l("Erster Tag"), [required(_l("Bitte geben Sie den ersten Tag an."))])
    last_day = DayField(_l("Letzter Tag"), description=_l("Leer lassen für einen einzelnen Tag."))
    reason = StringField(_l("Anlass"), [max_length(exceptions.REASON_MAX)])

    PREFIX = ""  # the two forms share a page: their fields need their own names and ids

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, prefix=self.PREFIX, **kwargs)
        self.today = today

    @property
    def last(self) -> date | None:
        return self.last_day.data or self.first_day.data

    def validate_last_day(self, field: Field) -> None:
        if self.first_day.data is None:
            return
        problem = exceptions.range_problem(self.first_day.data, self.last, self.today)
        if problem:
            raise ValidationError(problem)


class AbsenceForm(_Days):
    PREFIX = "absence"
    reason = StringField(
        _l("Anlass (optional)"),
        [max_length(exceptions.REASON_MAX)],
        description=_l("Nur für Sie sichtbar, z. B. Urlaub oder Messe."),
    )


RANGES = 3  # special hours on a day: up to three ranges (e.g. 08–10, 12–14, 18–20)


class SpecialHoursForm(_Days):
    PREFIX = "special"
    reason = StringField(
        _l("Anlass (optional)"),
        [max_length(exceptions.REASON_MAX)],
        description=_l("Nur für Sie sichtbar, z. B. Abendsprechstunde."),
    )
    start_1 = ClockField(_l("Von"))
    end_1 = ClockField(_l("Bis"))
    start_2 = ClockField(_l("Von"))
    end_2 = ClockField(_l("Bis"))
    start_3 = ClockField(_l("Von"))
    end_3 = ClockField(_l("Bis"))

    def pairs(self) -> list[tuple[Field, Field]]:
        return [(self[f"start_{n}"], self[f"end_{n}"]) for n in range(1, RANGES + 1)]

    @property
    def ranges(self) -> list[tuple[time, time]]:
        return [(s.data, e.data) for s, e in self.pairs() if s.data and e.data]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for start, end in self.pairs():
            if bool(start.data) != bool(end.data) and not (start.errors or end.errors):
                (end if start.data else start).errors.append(
                    _l("Bitte geben Sie Beginn und Ende an.")
                )
                valid = False
        if valid:
            problem = exceptions.hours_problem(self.ranges)
            if problem:
                self.start_1.errors.append(problem)
                valid = False
        return valid


def year_choices(today: date) -> list[SelectChoice]:
    return [SelectChoice(year, str(year)) for year in (today.year, today.year + 1)]


def _year(value) -> int | None:
    """A year from the form; anything else is None (refused by ``validate_year``)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class HolidayForm(Form):
    # Our own checks say what is wrong in the user's language (WTForms' are English).
    region = SelectField(
        _l("Bundesland"),
        choices=[
            SelectChoice("", _l("Bitte wählen …")),
            *(SelectChoice(code, name) for code, name in REGIONS.items()),
        ],
        validators=[required(_l("Bitte wählen Sie Ihr Bundesland."))],
        validate_choice=False,
    )
    year = SelectField(_l("Jahr"), coerce=_year, validate_choice=False)

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.year.choices = year_choices(today)
        # Alphabetical in the reader's language (Bavaria before Berlin, Bayern after it).
        self.region.choices = [
            self.region.choices[0],
            *sorted((SelectChoice(code, name) for code, name in REGIONS.items()),
                    key=lambda choice: str(choice.label)),
        ]  # fmt: skip

    def validate_region(self, field: Field) -> None:
        if field.data not in REGIONS:
            raise ValidationError(_l("Bitte wählen Sie ein Bundesland aus der Liste."))

    def validate_year(self, field: Field) -> None:
        if field.data not in {choice.value for choice in self.year.choices}:
            raise ValidationError(_l("Bitte wählen Sie dieses oder das nächste Jahr."))
