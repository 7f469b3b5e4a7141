"""An advisor's weekly hours: several time ranges per weekday, local to their zone.

A week is a mapping weekday (0 = Monday) → list of ``(start, end)`` local times. The rules
a saved week obeys, checked by ``week_errors`` before anything is written:

1. every range ends after it starts (the same day; hours never run past midnight);
2. ranges of one day neither overlap nor touch (09–12 and 12–13 are one range, 09–13);
3. at most ``MAX_RANGES_PER_DAY`` ranges a day, so a week has at most 7 × that many rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.booking import freshness
from app.extensions import db
from app.models import Advisor, AvailabilityRule

MAX_RANGES_PER_DAY = 8
WEEKDAYS = range(7)
WORKDAYS = range(5)

Week = Mapping[int, Sequence[tuple[time, time]]]
# Where an error belongs: (weekday, index of the range) or (weekday, None) for the day.
Place = tuple[int, int | None]


class InvalidWeek(ValueError):
    """A week that breaks a rule; ``errors`` says where and why."""

    def __init__(self, errors: dict[Place, str]) -> None:
        super().__init__("invalid week")
        self.errors = errors


def week_errors(week: Week) -> dict[Place, str]:
    """What is wrong with ``week``, by place; empty when it may be saved (rules above)."""
    errors: dict[Place, str] = {}
    for weekday, ranges in week.items():
        if weekday not in WEEKDAYS:
            errors[(weekday, None)] = _l("Unbekannter Wochentag.")
            continue
        if len(ranges) > MAX_RANGES_PER_DAY:
            errors[(weekday, None)] = _l(
                "Höchstens %(max)d Zeiträume pro Tag.", max=MAX_RANGES_PER_DAY
            )
        for index, (start, end) in enumerate(ranges):
            if end <= start:
                errors[(weekday, index)] = _l("Das Ende muss nach dem Beginn liegen.")
        ordered = sorted(
            (start, end, index)
            for index, (start, end) in enumerate(ranges)
            if (weekday, index) not in errors
        )
        reach: time | None = None  # the latest end of the ranges before this one
        for start, end, index in ordered:
            if reach is not None and start < reach:
                errors[(weekday, index)] = _l("Überschneidet sich mit einem anderen Zeitraum.")
            elif reach is not None and start == reach:
                errors[(weekday, index)] = _l(
                    "Schließt direkt an den vorigen Zeitraum an. Bitte fassen Sie beide zu "
                    "einem zusammen."
                )
            reach = end if reach is None else max(reach, end)
    return errors


def week_of(advisor: Advisor) -> dict[int, list[tuple[time, time]]]:
    """The advisor's saved week, every weekday present, each day's ranges by start."""
    week: dict[int, list[tuple[time, time]]] = {day: [] for day in WEEKDAYS}
    for rule in db.session.scalars(
        sa.select(AvailabilityRule)
        .where(AvailabilityRule.advisor_id == advisor.id)
        .order_by(AvailabilityRule.weekday, AvailabilityRule.start_time)
    ):
        week[rule.weekday].append((rule.start_time, rule.end_time))
    return week


def replace_week(advisor: Advisor, week: Week) -> None:
    """Make ``week`` the advisor's weekly hours, replacing all their rules (and no one
    else's); raises ``InvalidWeek`` before changing anything. Flushes; the view commits."""
    errors = week_errors(week)
    if errors:
        raise InvalidWeek(errors)
    # A bulk delete bypasses the ORM's flush hook: bump the calendar version ourselves, and
    # first, as that update locks the advisor's row: a second save of the same week waits
    # here and then deletes this one's rows, instead of adding its ranges to them.
    freshness.bump_advisors(db.session, [advisor.id])
    db.session.execute(sa.delete(AvailabilityRule).where(AvailabilityRule.advisor_id == advisor.id))
    db.session.add_all(
        AvailabilityRule(advisor_id=advisor.id, weekday=day, start_time=start, end_time=end)
        for day, ranges in sorted(week.items())
        for start, end in sorted(ranges)
    )
    db.session.flush()
    # ``has_hours`` and ``calendar_version`` were read before; read them afresh.
    db.session.expire(advisor, ["has_hours", "calendar_version"])


def copy_to_workdays(week: Week, weekday: int) -> dict[int, list[tuple]]:
    """``week`` with the ranges of ``weekday`` on every day Monday to Friday (the weekend
    keeps its own). Works on drafts, so the ranges may be any values the form holds."""
    copied = {day: list(ranges) for day, ranges in week.items()}
    for day in WORKDAYS:
        copied[day] = list(week.get(weekday, []))
    return copied
