"""The agenda (``/berater/``), the workspace's home: today, a week, and the meetings that
still need an outcome. It only reads; every booking links to its details page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask import request

from app.advisor import agenda as service
from app.advisor import bp
from app.advisor.workspace import current_advisor
from app.auth.access import role_required
from app.booking import labels
from app.booking.choice import week_of
from app.i18n import clock, localised, select_timezone
from app.models import BookingStatus, Role
from app.models.types import utcnow
from app.web import render


@bp.get("/")
@role_required(Role.ADVISOR)
def agenda():
    """Today and the week of ``?woche=`` (any date in it; unreadable: this week)."""
    advisor = current_advisor()
    now, zone = utcnow(), ZoneInfo(select_timezone())
    monday = week_of(request.args.get("woche"), zone, now)
    agenda = service.build(advisor, now, zone, monday)
    name_of = cache(lambda record: localised(record, "name"))
    _label(agenda, _clock_of(zone), name_of)
    return render(
        "advisor/agenda.html",
        advisor=advisor,
        agenda=agenda,
        name_of=name_of,
        status_words={status.value: labels.status(status) for status in BookingStatus},
    )


def _label(agenda: service.Agenda, time_of, name_of) -> None:
    """Each row's time and its "type · topic · contact" line, written here once rather than
    in the template: two hundred rows' worth of calls from Jinja were a third of its time."""
    for day in (agenda.today, *agenda.week):
        for row in day.rows:
            row.when = f"{time_of(row.start)}–{time_of(row.end)}"
            parts = [name_of(row.kind), name_of(row.topic)]
            if row.company:
                parts.append(row.contact)
            row.meta = " · ".join(parts)


def _clock_of(zone: ZoneInfo) -> Callable[[datetime], str]:
    """``clock`` for the rows, each local time of day formatted once: Babel once per row
    was a fifth of the page's time with 200 bookings (the pattern shows hours and minutes
    only, so they decide the text)."""
    seen: dict[tuple[int, int], str] = {}

    def time_of(moment: datetime) -> str:
        local = moment.astimezone(zone)
        key = (local.hour, local.minute)
        if key not in seen:
            seen[key] = clock(moment, zone)
        return seen[key]

    return time_of
