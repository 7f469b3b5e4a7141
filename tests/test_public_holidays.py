"""German public holidays by Bundesland, from the ``holidays`` package: which state keeps
which holiday, in which language they are named, and what adding a year of them does."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa

from app.advisor import exceptions
from app.advisor.public_holidays import REGIONS, holidays_of
from app.extensions import db
from app.models import Advisor, AvailabilityException


def names(region: str, year: int, locale: str = "de") -> dict[date, str]:
    return dict(holidays_of(region, year, locale))


def test_all_sixteen_bundeslaender_are_offered():
    assert len(REGIONS) == 16
    assert {"NW", "BE", "BY", "SN", "TH"} <= set(REGIONS)


def test_corpus_christi_is_a_holiday_in_nrw_but_not_in_berlin():
    assert names("NW", 2027)[date(2027, 5, 27)] == "Fronleichnam"
    assert date(2027, 5, 27) not in names("BE", 2027)


def test_berlin_keeps_womens_day():
    assert names("BE", 2027)[date(2027, 3, 8)] == "Frauentag"
    assert date(2027, 3, 8) not in names("NW", 2027)


def test_names_are_in_the_ui_language():
    assert names("NW", 2027, "en")[date(2027, 5, 27)] == "Corpus Christi"
    assert names("NW", 2027, "en")[date(2027, 10, 3)] == "German Unity Day"
    # A language the package does not name holidays in falls back to German.
    assert names("NW", 2027, "fr")[date(2027, 10, 3)] == "Tag der Deutschen Einheit"


def test_holidays_come_by_date():
    days = [day for day, _ in holidays_of("BY", 2027)]
    assert days == sorted(days) and days[0] == date(2027, 1, 1)


def test_an_unknown_region_is_refused():
    with pytest.raises(ValueError, match="unknown Bundesland"):
        holidays_of("XX", 2027)


def day_offs(advisor_id: int) -> list[tuple[date, date, str]]:
    return [
        (row.first_day, row.last_day, row.reason)
        for row in db.session.scalars(
            sa.select(AvailabilityException)
            .where(AvailabilityException.advisor_id == advisor_id)
            .order_by(AvailabilityException.first_day)
        )
    ]


def test_adding_holidays_twice_adds_each_once(app, world):
    today = date(2026, 12, 7)
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        first = exceptions.add_holidays(advisor, "NW", 2027, today, "de")
        assert {h.status for h in first} == {exceptions.NEW}
        again = exceptions.add_holidays(advisor, "NW", 2027, today, "de")
        assert {h.status for h in again} == {exceptions.THERE}
        db.session.commit()
        stored = day_offs(advisor.id)
        assert len(stored) == len(first) == 11
        assert (date(2027, 5, 27), date(2027, 5, 27), "Fronleichnam") in stored
        assert advisor.holiday_region == "NW"


def test_a_holiday_inside_a_vacation_is_already_there(app, world):
    today = date(2026, 12, 7)
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        exceptions.add_absence(advisor, date(2027, 12, 23), date(2028, 1, 2), "Urlaub")
        plan = {h.day: h.status for h in exceptions.add_holidays(advisor, "NW", 2027, today, "de")}
        assert plan[date(2027, 12, 25)] == plan[date(2027, 12, 26)] == exceptions.THERE
        assert plan[date(2027, 11, 1)] == exceptions.NEW
        reasons = [reason for *_, reason in day_offs(advisor.id)]
        assert "Erster Weihnachtstag" not in reasons and "Allerheiligen" in reasons


def test_special_hours_do_not_count_as_a_holiday_off(app, world):
    """Special hours on a holiday are still working time: the holiday is added as a day
    off, which wins over them."""
    today = date(2026, 12, 7)
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        exceptions.add_special_hours(
            advisor, date(2027, 10, 3), date(2027, 10, 3), [(time(9), time(12))], "Messe"
        )
        plan = {h.day: h.status for h in exceptions.holiday_plan(advisor, "NW", 2027, today, "de")}
        assert plan[date(2027, 10, 3)] == exceptions.NEW


def test_past_holidays_are_skipped(app, world):
    today = date(2027, 6, 1)  # New Year, Easter and Fronleichnam (27 May) are behind
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        plan = exceptions.add_holidays(advisor, "NW", 2027, today, "de")
        past = [h.day for h in plan if h.status == exceptions.PAST]
        assert date(2027, 5, 27) in past and date(2027, 1, 1) in past
        stored = [first for first, *_ in day_offs(advisor.id)]
        assert stored and min(stored) >= today
        assert date(2027, 10, 3) in stored
