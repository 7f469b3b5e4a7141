"""The slot rules as the app applies them: exceptions as stored, and the daily maximum as the
admin form takes it (the rules themselves: tests/test_slots.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.booking.availability import free_slots_by_advisor, rules_for
from app.extensions import db
from app.models import Advisor, AvailabilityException, ConsultationType, Role

TUESDAY = date(2026, 3, 3)
BERLIN_OFFSET = timedelta(hours=1)  # CET in March before the 29th


def slot_days(app, world, first_day: date, days: int) -> list[str]:
    """Weekday and Berlin time of brandt's free slots on ``days`` days from ``first_day``."""
    start = datetime.combine(first_day, time(), UTC) - BERLIN_OFFSET
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        ctype = db.session.get(ConsultationType, world.ctype.id)
        slots = free_slots_by_advisor(
            [advisor], ctype, start, start + timedelta(days=days), start - timedelta(days=7)
        )[advisor.id]
    return sorted({(s.start + BERLIN_OFFSET).strftime("%a %H:%M") for s in slots})


def add_exceptions(app, world, *rows: tuple[date, date, tuple[time, time] | None]) -> None:
    """Stored in this order (ids ascending): (first day, last day, hours or None for a day off)."""
    with app.app_context():
        for first_day, last_day, hours in rows:
            start, end = hours or (None, None)
            db.session.add(
                AvailabilityException(
                    advisor_id=world.brandt.id,
                    first_day=first_day,
                    last_day=last_day,
                    start_time=start,
                    end_time=end,
                )
            )
            db.session.commit()


SPECIAL = (time(16), time(17))
TYPE_FORM = {
    "name_de": "Workshop Geschäftsmodell",
    "name_en": "Business model workshop",
    "slug": "workshop",
    "duration_minutes": "90",
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "0",
    "minimum_notice_minutes": "1440",
    "horizon_days": "60",
    "location_kind": "video",
    "active": "y",
}


@pytest.mark.parametrize("day_off_first", [True, False])
def test_day_off_wins_over_special_hours_on_the_same_dates(app, world, day_off_first):
    day_off = (TUESDAY, TUESDAY, None)
    special = (TUESDAY, TUESDAY, SPECIAL)
    add_exceptions(app, world, *([day_off, special] if day_off_first else [special, day_off]))
    assert slot_days(app, world, TUESDAY, 1) == []
    assert "Wed 09:00" in slot_days(app, world, TUESDAY, 2)


@pytest.mark.parametrize("day_off_first", [True, False])
def test_day_off_wins_over_special_hours_on_overlapping_dates(app, world, day_off_first):
    """Special hours Monday to Wednesday, days off Tuesday to Thursday."""
    monday = TUESDAY - timedelta(days=1)
    day_off = (TUESDAY, TUESDAY + timedelta(days=2), None)
    special = (monday, TUESDAY + timedelta(days=1), SPECIAL)
    add_exceptions(app, world, *([day_off, special] if day_off_first else [special, day_off]))
    shown = slot_days(app, world, monday, 5)
    assert {day.split()[0] for day in shown} == {"Mon", "Fri"}
    assert [day for day in shown if day.startswith("Mon")] == ["Mon 16:00", "Mon 16:30"]


def test_special_hours_for_the_same_dates_add_up(app, world):
    add_exceptions(app, world, (TUESDAY, TUESDAY, SPECIAL), (TUESDAY, TUESDAY, (time(8), time(9))))
    assert slot_days(app, world, TUESDAY, 1) == [
        "Tue 08:00",
        "Tue 08:30",
        "Tue 16:00",
        "Tue 16:30",
    ]


def test_daily_maximum_starts_at_one_and_empty_means_no_limit(app, client, auth, make):
    """SlotRules refuses a maximum below 1, so the admin form does too."""
    auth.login(make.user(role=Role.ADMIN).email)
    refused = client.submit("/admin/beratungsarten/neu", {**TYPE_FORM, "max_per_day": "0"})
    assert refused.status_code == 422
    assert "Bitte eine Zahl von 1 bis 20." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ConsultationType.id))) == 0

    client.submit("/admin/beratungsarten/neu", {**TYPE_FORM, "max_per_day": ""})
    with app.app_context():
        ctype = db.session.scalar(sa.select(ConsultationType))
        assert ctype.max_per_day is None
        assert rules_for(ctype).max_per_day is None
