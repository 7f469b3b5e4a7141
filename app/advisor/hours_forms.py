"""The weekly-hours form: the advisor's zone, and a draft week of time ranges as typed.

The ranges are repeated inputs ``start-<weekday>``/``end-<weekday>`` (as many as the day
has), so the browser posts them without JavaScript. A draft keeps the text as typed, so a
form sent back with errors shows exactly what was posted; ``parsed`` turns it into times.
Buttons post ``action``: ``add:<day>``, ``remove:<day>:<index>``, ``copy:<day>``,
``suggest`` change the draft without saving; anything else saves.
"""

from __future__ import annotations

import re
from datetime import time
from itertools import zip_longest

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from app.advisor.hours import MAX_RANGES_PER_DAY, WEEKDAYS, Place, Week, copy_to_workdays
from app.forms import Form, known_timezone, single_line
from app.i18n import canonical_timezone, timezone_choices

# Longer than any time a browser sends ("09:00:00.000"); the rest is cut, not echoed back.
VALUE_MAX = 12
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::00(?:\.0+)?)?")
SUGGESTED = ("09:00", "17:00")
NEW_RANGE_HOURS = 1

Draft = dict[int, list[tuple[str, str]]]


class HoursForm(Form):
    timezone = SelectField(
        _l("Zeitzone Ihrer Zeiten"),
        validators=[known_timezone],
        # A legacy name ("Asia/Calcutta") is kept as its zone, as on the profile page.
        filters=[lambda name: canonical_timezone(name) or name],
        validate_choice=False,
        description=_l(
            "Ihre Zeiten gelten in dieser Zeitzone, auch über die Zeitumstellung hinweg. "
            "Buchende sehen sie in ihrer eigenen."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = dict(timezone_choices(self.timezone.data))


def clock_text(value: time) -> str:
    return value.strftime("%H:%M")


def draft_of(week: Week) -> Draft:
    """The saved ``week`` as a draft, every weekday present."""
    return {
        day: [(clock_text(start), clock_text(end)) for start, end in week.get(day, [])]
        for day in WEEKDAYS
    }


def _clean(value: str) -> str:
    return single_line(value)[:VALUE_MAX]


def read_draft(formdata: MultiDict) -> Draft:
    """The posted ranges per weekday, as typed; rows left entirely empty are dropped, and a
    day keeps at most one row more than it may have (enough to say it has too many)."""
    draft: Draft = {}
    for day in WEEKDAYS:
        rows = zip_longest(
            formdata.getlist(f"start-{day}"), formdata.getlist(f"end-{day}"), fillvalue=""
        )
        cleaned = [(_clean(start), _clean(end)) for start, end in rows]
        draft[day] = [row for row in cleaned if row != ("", "")][: MAX_RANGES_PER_DAY + 1]
    return draft


def parse_clock(text: str) -> time | None:
    """``HH:MM`` (seconds only as zero, as browsers may send them), else None."""
    match = _CLOCK.fullmatch(text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parsed(draft: Draft) -> tuple[dict[int, list[tuple[time, time]]], dict[Place, str]]:
    """The draft's ranges as times, and the rows that are no times (with why)."""
    week: dict[int, list[tuple[time, time]]] = {}
    errors: dict[Place, str] = {}
    for day, rows in draft.items():
        week[day] = []
        for index, (start_text, end_text) in enumerate(rows):
            start, end = parse_clock(start_text), parse_clock(end_text)
            if start is None or end is None:
                wrong = end_text if start is not None else start_text
                errors[(day, index)] = (
                    _l("Bitte geben Sie Beginn und Ende an.")
                    if not wrong
                    else _l(
                        "„%(text)s“ ist keine Uhrzeit. Bitte geben Sie Uhrzeiten wie 09:00 ein.",
                        text=wrong,
                    )
                )
                # A placeholder keeps the indices of the following rows in step.
                week[day].append((time(0), time(0)))
            else:
                week[day].append((start, end))
    return week, errors


def shown(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The rows as time inputs hold them: a value that is no time shows as empty (a time
    input cannot hold it; the row's error quotes it)."""
    return [
        tuple(text if parse_clock(text) else "" for text in row)  # type: ignore[misc]
        for row in rows
    ]


def _next_range(rows: list[tuple[str, str]]) -> tuple[str, str]:
    """A new row: an hour after the day's last range ends, else the suggested day."""
    last_end = parse_clock(rows[-1][1]) if rows else None
    if last_end is None:
        return SUGGESTED if not rows else ("", "")
    start_hour = last_end.hour + NEW_RANGE_HOURS
    if start_hour + NEW_RANGE_HOURS > 23:
        return ("", "")
    start = last_end.replace(hour=start_hour)
    return clock_text(start), clock_text(start.replace(hour=start_hour + NEW_RANGE_HOURS))


def edit(draft: Draft, action: str) -> tuple[Draft, Place | None] | None:
    """The draft after an editing ``action`` and where the keyboard should go next; None
    for any other action (which saves)."""
    verb, _, rest = action.partition(":")
    parts = rest.split(":") if rest else []
    if not all(part.isascii() and part.isdigit() and len(part) <= 2 for part in parts):
        return None
    numbers = [int(part) for part in parts]
    if verb == "suggest" and not numbers:
        return {day: [SUGGESTED] if day in range(5) else [] for day in WEEKDAYS}, (0, 0)
    if not numbers or numbers[0] not in WEEKDAYS:
        return None
    day = numbers[0]
    rows = list(draft.get(day, []))
    if verb == "add" and len(numbers) == 1:
        if len(rows) >= MAX_RANGES_PER_DAY:
            return draft, (day, None)
        rows.append(_next_range(rows))
        return {**draft, day: rows}, (day, len(rows) - 1)
    if verb == "remove" and len(numbers) == 2:
        if numbers[1] < len(rows):
            del rows[numbers[1]]
        return {**draft, day: rows}, (day, None)
    if verb == "copy" and len(numbers) == 1:
        return copy_to_workdays(draft, day), (day, None)
    return None
