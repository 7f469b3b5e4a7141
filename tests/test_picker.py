"""Which month and day the picker opens on, called directly (``app.booking.picker``).

The test world's advisors work Monday to Friday, 09:00–17:00 Berlin; the type needs a
hour's notice and is bookable 60 days ahead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.booking.choice import Choice
from app.booking.picker import open_month
from app.extensions import db
from app.models import Advisor, AvailabilityException, ConsultationType, Topic

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def choice_of(world, advisor=None) -> Choice:
    ctype = db.session.get(ConsultationType, world.ctype.id)
    topic = db.session.get(Topic, world.topic.id)
    return Choice(ctype, topic, db.session.get(Advisor, advisor.id) if advisor else None)


@pytest.fixture
def ctx(app):
    with app.app_context(), app.test_request_context():
        yield


def test_a_month_whose_last_days_are_past_opens_on_the_next_month(ctx, world):
    # Monday 30 November 2026, 19:00 Berlin: the last day of November is over for work.
    now = datetime(2026, 11, 30, 18, tzinfo=UTC)
    month = open_month(choice_of(world), BERLIN, now)
    assert month.first == date(2026, 12, 1)
    assert month.selected == date(2026, 12, 1), "the first free day, a Tuesday"
    assert month.times[0].start == datetime(2026, 12, 1, 8, tzinfo=UTC)  # 09:00 Berlin
    assert month.previous == date(2026, 11, 1), "November can still be looked at"


def test_the_same_instants_fall_on_the_viewers_own_dates_and_clock(ctx, world):
    now = datetime(2026, 11, 30, 18, tzinfo=UTC)
    berlin, new_york = (
        open_month(choice_of(world), BERLIN, now),
        open_month(choice_of(world), NEW_YORK, now),
    )
    assert berlin.times[0].start == new_york.times[0].start
    assert new_york.times[0].start.astimezone(NEW_YORK).hour == 3  # 09:00 in Berlin


def test_an_asked_day_without_times_offers_the_next_free_one(ctx, world):
    now = datetime(2026, 11, 20, 11, tzinfo=UTC)
    saturday = date(2026, 12, 5)
    month = open_month(choice_of(world), BERLIN, now, asked=saturday)
    assert month.selected == saturday and month.times == []
    assert month.later_free_day() == date(2026, 12, 7), "the Monday after"


def test_a_month_without_any_free_day_points_to_the_next_free_day(ctx, world):
    now = datetime(2026, 11, 20, 11, tzinfo=UTC)
    for advisor in (world.brandt, world.becker):  # both away all of December
        db.session.add(
            AvailabilityException(
                advisor_id=advisor.id, first_day=date(2026, 12, 1), last_day=date(2026, 12, 31)
            )
        )
    db.session.flush()
    month = open_month(choice_of(world), BERLIN, now, asked=date(2026, 12, 10))
    assert month.first == date(2026, 12, 1) and not month.free
    assert month.next_free == date(2027, 1, 1), "a Friday; the test advisors have no holidays"
    assert month.later_free_day() == month.next_free


def test_nothing_until_the_horizon_is_said_not_guessed(ctx, world):
    now = datetime(2026, 11, 20, 11, tzinfo=UTC)
    db.session.add(
        AvailabilityException(
            advisor_id=world.brandt.id, first_day=date(2026, 11, 1), last_day=date(2027, 6, 30)
        )
    )
    db.session.flush()
    month = open_month(choice_of(world, world.brandt), BERLIN, now)
    assert not month.free and month.selected is None
    assert month.later_free_day() is None
    assert month.first == date(2026, 11, 1), "stays on this month, and says so"
