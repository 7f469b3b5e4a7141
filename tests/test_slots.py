"""Slot computation (app/booking/slots.py): each rule by a hand-checkable case, then all of them
as properties over random hours, exceptions, busy time, bookings, rules and windows, in three
zones and across the 2026 clock changes, and in two zones whose clock once went back across
midnight.

Clock changes in 2026: Europe/Berlin 29 March (02:00 → 03:00) and 25 October (03:00 → 02:00);
America/New_York 8 March and 1 November; Asia/Kolkata has none. Back across midnight:
America/St_Johns on 29 October 2006 (00:01 NDT → 23:01 NST the day before), Antarctica/Casey
on 5 March 2010 (02:00 UTC+11 → 23:00 UTC+8 the day before).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.booking.slots import (
    Booked,
    DayOverride,
    Interval,
    Slot,
    SlotRules,
    WeeklyHours,
    free_slots,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
ST_JOHNS = ZoneInfo("America/St_Johns")  # UTC-3:30/-2:30, changed at 00:01 local until 2011
CASEY = ZoneInfo("Antarctica/Casey")  # UTC+8 or +11 in 2009-2010
MINUTE = timedelta(minutes=1)
QUARTER = timedelta(minutes=15)
_ZERO = timedelta(0)
HALF_HOUR = SlotRules(duration=timedelta(minutes=30), step=timedelta(minutes=30))
MONDAY = date(2026, 3, 2)


def at(day: date, hh_mm: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.combine(day, time.fromisoformat(hh_mm), tzinfo=zone)


def t(hh_mm: str) -> time:
    return time.fromisoformat(hh_mm)


def utc_at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def picker(
    zone: ZoneInfo, weekly: list[WeeklyHours], rules: SlotRules, start: str, end: str
) -> list[Slot]:
    """Free slots in the window [start, end) given in UTC, asked a week ahead."""
    return free_slots(
        zone=zone,
        weekly=weekly,
        rules=rules,
        now=utc_at(start) - timedelta(days=7),
        window_start=utc_at(start),
        window_end=utc_at(end),
    )


def slots_on(
    day: date,
    weekly: list[WeeklyHours] | None = None,
    *,
    zone: ZoneInfo = BERLIN,
    rules: SlotRules = HALF_HOUR,
    days: int = 1,
    **kwargs,
) -> list[Slot]:
    """Free slots on ``days`` local days from ``day``, asked a week ahead unless ``now`` given."""
    start = at(day, "00:00", zone)
    kwargs.setdefault("now", start - timedelta(days=7))
    if weekly is None:
        weekly = [WeeklyHours(day.weekday(), t("09:00"), t("11:00"))]
    return free_slots(
        zone=zone,
        weekly=weekly,
        rules=rules,
        window_start=start,
        window_end=at(day + timedelta(days=days), "00:00", zone),
        **kwargs,
    )


def local(slots: list[Slot], zone: ZoneInfo = BERLIN, fmt: str = "%H:%M") -> list[str]:
    return [slot.start.astimezone(zone).strftime(fmt) for slot in slots]


def utc(slots: list[Slot]) -> list[str]:
    return [slot.start.strftime("%m-%d %H:%MZ") for slot in slots]


# --- Rules 1 and 2: working periods and the step grid ------------------------------------------


def test_weekly_hours_give_a_slot_every_step():
    slots = slots_on(MONDAY)
    assert local(slots) == ["09:00", "09:30", "10:00", "10:30"]
    assert utc(slots) == ["03-02 08:00Z", "03-02 08:30Z", "03-02 09:00Z", "03-02 09:30Z"]
    assert all(s.start.tzinfo is UTC and s.end - s.start == timedelta(minutes=30) for s in slots)


def test_step_shorter_than_duration_and_last_slot_ends_with_the_period():
    rules = SlotRules(duration=timedelta(minutes=30), step=timedelta(minutes=15))
    weekly = [WeeklyHours(0, t("09:00"), t("10:00"))]
    assert local(slots_on(MONDAY, weekly, rules=rules)) == ["09:00", "09:15", "09:30"]


def test_several_periods_per_weekday_and_overlapping_hours_give_unique_slots():
    weekly = [
        WeeklyHours(0, t("13:00"), t("14:00")),
        WeeklyHours(0, t("09:00"), t("10:00")),
        WeeklyHours(0, t("09:00"), t("10:30")),
    ]
    assert local(slots_on(MONDAY, weekly)) == ["09:00", "09:30", "10:00", "13:00", "13:30"]


def test_day_off_override_gives_no_slots():
    weekly = [WeeklyHours(weekday, t("09:00"), t("10:00")) for weekday in range(5)]
    off = DayOverride(date(2026, 3, 3), date(2026, 3, 4))
    slots = slots_on(MONDAY, weekly, overrides=[off], days=5)
    assert local(slots, fmt="%a %H:%M") == [
        "Mon 09:00",
        "Mon 09:30",
        "Thu 09:00",
        "Thu 09:30",
        "Fri 09:00",
        "Fri 09:30",
    ]


def test_special_hours_replace_weekly_hours():
    weekly = [WeeklyHours(weekday, t("09:00"), t("10:00")) for weekday in range(5)]
    overrides = [
        DayOverride(date(2026, 3, 3), date(2026, 3, 3), ((t("14:00"), t("15:00")),)),
        DayOverride(date(2026, 3, 7), date(2026, 3, 7), ((t("10:00"), t("11:00")),)),  # Sat
    ]
    slots = slots_on(date(2026, 3, 3), weekly, overrides=overrides, days=5)
    assert local(slots, fmt="%a %H:%M") == [
        "Tue 14:00",
        "Tue 14:30",
        "Wed 09:00",
        "Wed 09:30",
        "Thu 09:00",
        "Thu 09:30",
        "Fri 09:00",
        "Fri 09:30",
        "Sat 10:00",
        "Sat 10:30",
    ]


def test_day_off_wins_over_special_hours():
    """An advisor who marks a day off is never booked on it, whichever exception came first
    and however their date ranges overlap."""
    weekly = [WeeklyHours(weekday, t("09:00"), t("10:00")) for weekday in range(5)]
    wednesday = DayOverride(date(2026, 3, 4), date(2026, 3, 4), ((t("16:00"), t("17:00")),))
    wednesday_off = DayOverride(date(2026, 3, 4), date(2026, 3, 4))
    for overrides in ([wednesday, wednesday_off], [wednesday_off, wednesday]):
        slots = slots_on(MONDAY, weekly, overrides=overrides, days=5)
        assert local(slots, fmt="%a") == ["Mon", "Mon", "Tue", "Tue", "Thu", "Thu", "Fri", "Fri"]
    # Overlapping but not identical ranges: special hours Tue–Thu, days off Mon–Wed.
    special = DayOverride(date(2026, 3, 3), date(2026, 3, 5), ((t("16:00"), t("17:00")),))
    days_off = DayOverride(date(2026, 3, 2), date(2026, 3, 4))
    for overrides in ([special, days_off], [days_off, special]):
        slots = slots_on(MONDAY, weekly, overrides=overrides, days=5)
        assert local(slots, fmt="%a %H:%M") == ["Thu 16:00", "Thu 16:30", "Fri 09:00", "Fri 09:30"]


def test_latest_listed_special_hours_win():
    weekly = [WeeklyHours(weekday, t("09:00"), t("10:00")) for weekday in range(5)]
    week = DayOverride(date(2026, 3, 2), date(2026, 3, 6), ((t("12:00"), t("13:00")),))
    wednesday = DayOverride(date(2026, 3, 4), date(2026, 3, 4), ((t("16:00"), t("17:00")),))
    later_wins = slots_on(date(2026, 3, 4), weekly, overrides=[week, wednesday])
    assert local(later_wins) == ["16:00", "16:30"]
    assert local(slots_on(date(2026, 3, 4), weekly, overrides=[wednesday, week])) == [
        "12:00",
        "12:30",
    ]


# --- Rule 1 on clock-change days ----------------------------------------------------------------


def test_spring_forward_day_keeps_local_hours():
    sunday = [WeeklyHours(6, t("09:00"), t("11:00"))]
    before, change = date(2026, 3, 22), date(2026, 3, 29)
    assert local(slots_on(before, sunday)) == local(slots_on(change, sunday))
    assert local(slots_on(change, sunday)) == ["09:00", "09:30", "10:00", "10:30"]
    assert utc(slots_on(before, sunday))[0] == "03-22 08:00Z"  # CET, UTC+1
    assert utc(slots_on(change, sunday))[0] == "03-29 07:00Z"  # CEST, UTC+2


def test_fall_back_day_keeps_local_hours():
    sunday = [WeeklyHours(6, t("09:00"), t("11:00"))]
    before, change = date(2026, 10, 18), date(2026, 10, 25)
    assert local(slots_on(change, sunday)) == ["09:00", "09:30", "10:00", "10:30"]
    assert utc(slots_on(before, sunday))[0] == "10-18 07:00Z"  # CEST
    assert utc(slots_on(change, sunday))[0] == "10-25 08:00Z"  # CET


def test_skipped_local_time_moves_to_the_moment_clocks_jump():
    """02:00–03:00 does not exist on 29 March in Berlin; 02:30 is read as 03:00 CEST."""
    change = date(2026, 3, 29)
    night = [WeeklyHours(6, t("01:00"), t("04:00"))]  # 2 hours of real time that night
    assert local(slots_on(change, night), fmt="%H:%M %Z") == [
        "01:00 CET",
        "01:30 CET",
        "03:00 CEST",
        "03:30 CEST",
    ]
    from_gap = [WeeklyHours(6, t("02:30"), t("04:00"))]
    assert local(slots_on(change, from_gap), fmt="%H:%M %Z") == ["03:00 CEST", "03:30 CEST"]
    until_gap = [WeeklyHours(6, t("01:00"), t("02:30"))]
    assert local(slots_on(change, until_gap), fmt="%H:%M %Z") == ["01:00 CET", "01:30 CET"]
    assert slots_on(change, [WeeklyHours(6, t("02:00"), t("02:45"))]) == []


def test_repeated_local_time_covers_both_passes():
    """02:00–03:00 happens twice on 25 October: starts take the first, ends the second."""
    change = date(2026, 10, 25)
    night = [WeeklyHours(6, t("01:00"), t("04:00"))]  # 4 hours of real time that night
    assert local(slots_on(change, night), fmt="%H:%M %Z") == [
        "01:00 CEST",
        "01:30 CEST",
        "02:00 CEST",
        "02:30 CEST",
        "02:00 CET",
        "02:30 CET",
        "03:00 CET",
        "03:30 CET",
    ]
    # The documented price of covering the whole wall-clock span: a period ending at 02:00
    # runs to the second 02:00, so it gets the first pass through the repeated hour; one
    # starting inside that hour also gets the second pass's part before its start.
    until_repeat = [WeeklyHours(6, t("00:00"), t("02:00"))]
    assert local(slots_on(change, until_repeat), fmt="%H:%M %Z")[-3:] == [
        "01:30 CEST",
        "02:00 CEST",
        "02:30 CEST",
    ]
    from_repeat = [WeeklyHours(6, t("02:30"), t("03:30"))]
    assert local(slots_on(change, from_repeat), fmt="%H:%M %Z") == [
        "02:30 CEST",
        "02:00 CET",
        "02:30 CET",
        "03:00 CET",
    ]


def test_buffers_and_notice_are_elapsed_time_across_a_clock_change():
    """90 minutes before 03:00 CEST on 29 March is 00:30 CET, not 01:30 on the wall clock."""
    change = date(2026, 3, 29)
    night = [WeeklyHours(6, t("00:00"), t("06:00"))]  # 23:00Z to 04:00Z
    meeting = Booked(at(change, "03:00"), at(change, "03:30"), timedelta(minutes=90), timedelta(0))
    found = slots_on(change, night, booked=[meeting])
    assert local(found, fmt="%H:%M %Z")[:3] == ["00:00 CET", "03:30 CEST", "04:00 CEST"]
    # Three hours after 00:30 CET is 04:30 CEST.
    rules = SlotRules(duration=timedelta(minutes=30), minimum_notice=timedelta(hours=3))
    found = slots_on(change, night, rules=rules, now=at(change, "00:30"))
    assert local(found, fmt="%H:%M %Z")[0] == "04:30 CEST"


def test_busy_time_given_in_local_time_is_compared_as_instants():
    """Two busy blocks in Berlin time inside the repeated hour of 25 October: 02:30 CEST to
    02:10 CET (00:30–01:10Z) and 02:40–02:50 CEST. Compared on the wall clock, the second would
    seem to end later than the first and free 00:50–01:10Z."""
    change = date(2026, 10, 25)
    repeated = [WeeklyHours(6, t("02:00"), t("03:00"))]  # 02:00 CEST to 03:00 CET: two hours
    busy = [
        Interval(at(change, "02:30"), at(change, "02:10").replace(fold=1)),
        Interval(at(change, "02:40"), at(change, "02:50")),
    ]
    found = slots_on(change, repeated, busy=busy)
    assert local(found, fmt="%H:%M %Z") == ["02:00 CEST", "02:30 CET"]


@pytest.mark.parametrize(
    ("zone", "day", "expected_local", "expected_utc"),
    [
        # New York springs forward at 02:00 EST = 07:00Z: 01:00–04:00 is two real hours.
        (
            NEW_YORK,
            date(2026, 3, 8),
            ["01:00", "01:30", "03:00", "03:30"],
            ["06:00", "06:30", "07:00", "07:30"],
        ),
        # Kolkata (UTC+5:30) has no clock change: 01:00–04:00 is three hours as always.
        (
            KOLKATA,
            date(2026, 3, 29),
            ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"],
            ["19:30", "20:00", "20:30", "21:00", "21:30", "22:00"],
        ),
    ],
)
def test_other_zones_keep_local_hours(zone, day, expected_local, expected_utc):
    weekly = [WeeklyHours(day.weekday(), t("01:00"), t("04:00"))]
    slots = slots_on(day, weekly, zone=zone)
    assert local(slots, zone) == expected_local
    assert [slot.start.strftime("%H:%M") for slot in slots] == expected_utc


# --- Rule 1 where the clock went back across midnight -------------------------------------------
#
# There a local date comes back: St. John's went from 00:01 NDT on 29 October 2006 back to
# 23:01 NST on the 28th (at 02:31Z); Casey from 02:00 (UTC+11) on 5 March 2010 back to 23:00
# (UTC+8) on the 4th (at 15:00Z). A window edge inside such a stretch has one local date, while
# the periods of the date before (or after) still run there.


def went_back(zone: ZoneInfo, instant: datetime, before: str, after: str) -> None:
    """Check the test's premise: the clock read ``before`` a minute before ``instant``, then
    ``after`` (a wall time on the previous local date)."""
    shown = [(instant - d).astimezone(zone).strftime("%Y-%m-%d %H:%M") for d in (MINUTE, _ZERO)]
    assert shown == [before, after]


def test_window_starting_after_the_clock_went_back_keeps_the_previous_dates_hours():
    """The window starts on a date the clock leaves again; the previous date's period still
    runs past that start (to the last moment its clock shows the period's end)."""
    went_back(ST_JOHNS, utc_at("2006-10-29 02:31"), "2006-10-29 00:00", "2006-10-28 23:01")
    saturday = [WeeklyHours(5, t("23:00"), t("23:45"))]  # 01:30Z (NDT) to 03:15Z (NST)
    quarter = SlotRules(duration=QUARTER, step=QUARTER)
    found = picker(ST_JOHNS, saturday, quarter, "2006-10-29 02:30", "2006-10-29 04:00")
    assert local(found, ST_JOHNS, "%d %H:%M %Z") == ["29 00:00 NDT", "28 23:15 NST", "28 23:30 NST"]

    went_back(CASEY, utc_at("2010-03-04 15:00"), "2010-03-05 01:59", "2010-03-04 23:00")
    thursday = [WeeklyHours(3, t("22:00"), t("23:30"))]  # 11:00Z (UTC+11) to 15:30Z (UTC+8)
    found = picker(CASEY, thursday, HALF_HOUR, "2010-03-04 13:00", "2010-03-04 18:00")
    assert utc(found) == [
        "03-04 13:00Z",
        "03-04 13:30Z",
        "03-04 14:00Z",
        "03-04 14:30Z",
        "03-04 15:00Z",
    ]


def test_window_ending_after_the_clock_went_back_keeps_the_next_dates_hours():
    """The window ends on the date the clock went back to; the next date's period started
    before (at the first moment its clock showed the period's start)."""
    sunday = [WeeklyHours(6, t("00:00"), t("00:45"))]  # 02:30Z (NDT) to 04:15Z (NST)
    quarter = SlotRules(duration=QUARTER, step=QUARTER)
    found = picker(ST_JOHNS, sunday, quarter, "2006-10-29 02:00", "2006-10-29 03:00")
    assert local(found, ST_JOHNS, "%d %H:%M %Z") == ["29 00:00 NDT", "28 23:15 NST"]

    friday = [WeeklyHours(4, t("00:00"), t("01:00"))]  # 13:00Z (UTC+11) to 17:00Z (UTC+8)
    found = picker(CASEY, friday, HALF_HOUR, "2010-03-04 12:00", "2010-03-04 15:30")
    assert utc(found) == [
        "03-04 13:00Z",
        "03-04 13:30Z",
        "03-04 14:00Z",
        "03-04 14:30Z",
        "03-04 15:00Z",
    ]


@pytest.mark.parametrize(
    ("zone", "weekly", "change"),
    [
        (
            ST_JOHNS,
            [WeeklyHours(5, t("23:00"), t("23:45")), WeeklyHours(6, t("00:00"), t("00:45"))],
            "2006-10-29 02:31",
        ),
        (
            CASEY,
            [WeeklyHours(3, t("22:00"), t("23:30")), WeeklyHours(4, t("00:00"), t("01:00"))],
            "2010-03-04 15:00",
        ),
    ],
)
def test_picker_and_one_minute_recheck_agree_where_the_clock_went_back(zone, weekly, change):
    """Booking re-checks a slot with a one-minute window from its start (service.is_free)."""
    rules = SlotRules(duration=QUARTER, step=QUARTER)
    common = {
        "zone": zone,
        "weekly": weekly,
        "rules": rules,
        "now": utc_at(change) - timedelta(days=7),
    }
    around = {
        "window_start": utc_at(change) - timedelta(days=1),
        "window_end": utc_at(change) + timedelta(days=1),
    }
    shown = free_slots(**common, **around)
    assert len(shown) > 8
    for slot in shown:
        assert free_slots(**common, window_start=slot.start, window_end=slot.start + MINUTE) == [
            slot
        ]


# --- Rule 3: busy time, bookings and buffers ----------------------------------------------------


def test_no_slot_overlaps_buffer():
    """Our 15-minute buffers around a 30-minute slot keep 15 minutes clear of a booking."""
    rules = SlotRules(
        duration=timedelta(minutes=30),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
        step=timedelta(minutes=15),
    )
    meeting = Booked(at(MONDAY, "10:00"), at(MONDAY, "10:30"), timedelta(0), timedelta(0))
    weekly = [WeeklyHours(0, t("09:00"), t("12:00"))]
    slots = slots_on(MONDAY, weekly, rules=rules, booked=[meeting])
    # Buffers may fall outside working hours (09:00 has its buffer at 08:45).
    assert local(slots) == ["09:00", "09:15", "10:45", "11:00", "11:15", "11:30"]


def test_booking_blocks_its_own_buffers():
    rules = SlotRules(duration=timedelta(minutes=30), step=timedelta(minutes=15))
    meeting = Booked(
        at(MONDAY, "10:00"), at(MONDAY, "10:30"), timedelta(minutes=30), timedelta(minutes=15)
    )
    weekly = [WeeklyHours(0, t("09:00"), t("12:00"))]
    slots = slots_on(MONDAY, weekly, rules=rules, booked=[meeting])
    assert local(slots) == ["09:00", "10:45", "11:00", "11:15", "11:30"]


def test_busy_interval_blocks_slots_it_overlaps():
    busy = [Interval(at(MONDAY, "09:40"), at(MONDAY, "10:10"))]
    assert local(slots_on(MONDAY, busy=busy)) == ["09:00", "10:30"]
    # A busy block without duration (say, an ICS reminder) contains no instant: it blocks nothing.
    empty = [Interval(at(MONDAY, "09:15"), at(MONDAY, "09:15"))]
    assert local(slots_on(MONDAY, busy=empty)) == ["09:00", "09:30", "10:00", "10:30"]


def test_touching_intervals_do_not_overlap():
    busy = [Interval(at(MONDAY, "08:45"), at(MONDAY, "09:30"))]
    meeting = Booked(at(MONDAY, "10:30"), at(MONDAY, "11:00"), timedelta(0), timedelta(0))
    assert local(slots_on(MONDAY, busy=busy, booked=[meeting])) == ["09:30", "10:00"]
    # The same with buffers: a buffer may end exactly where busy time starts.
    rules = SlotRules(
        duration=timedelta(minutes=30),
        step=timedelta(minutes=30),
        buffer_before=timedelta(minutes=30),
        buffer_after=timedelta(minutes=30),
    )
    weekly = [WeeklyHours(0, t("09:00"), t("13:00"))]
    busy = [Interval(at(MONDAY, "09:00"), at(MONDAY, "09:30"))]
    meeting = Booked(at(MONDAY, "11:30"), at(MONDAY, "12:00"), timedelta(0), timedelta(0))
    found = slots_on(MONDAY, weekly, rules=rules, busy=busy, booked=[meeting])
    # 10:00 needs 09:30–11:00, 10:30 needs 10:00–11:30, 12:30 needs 12:00–13:30.
    assert local(found) == ["10:00", "10:30", "12:30"]


# --- Rules 4 and 5: notice, horizon, window -----------------------------------------------------


def test_minimum_notice_and_horizon():
    weekly = [WeeklyHours(weekday, t("09:00"), t("11:00")) for weekday in range(5)]
    now = at(MONDAY, "08:10")
    rules = SlotRules(
        duration=timedelta(minutes=30),
        step=timedelta(minutes=30),
        minimum_notice=timedelta(hours=1),  # earliest start Mon 09:10: the grid resumes 09:30
        horizon=timedelta(days=2, minutes=50),  # latest start Wed 09:00, inclusive
    )
    slots = slots_on(MONDAY, weekly, rules=rules, now=now, days=5)
    assert local(slots, fmt="%a %H:%M") == [
        "Mon 09:30",
        "Mon 10:00",
        "Mon 10:30",
        "Tue 09:00",
        "Tue 09:30",
        "Tue 10:00",
        "Tue 10:30",
        "Wed 09:00",
    ]
    exactly = SlotRules(duration=timedelta(minutes=30), minimum_notice=timedelta(minutes=50))
    assert local(slots_on(MONDAY, weekly, rules=exactly, now=now))[0] == "09:00"


def test_window_selects_slots_by_start():
    weekly = [WeeklyHours(0, t("09:00"), t("11:00"))]
    found = free_slots(
        zone=BERLIN,
        weekly=weekly,
        rules=HALF_HOUR,
        now=at(MONDAY, "00:00"),
        window_start=at(MONDAY, "09:30"),
        window_end=at(MONDAY, "10:15"),  # 10:00 starts inside, so it counts though it ends later
    )
    assert local(found) == ["09:30", "10:00"]
    assert slots_on(MONDAY, weekly, now=at(MONDAY, "12:00")) == []


def test_window_edges_are_read_as_local_dates():
    # Kolkata is ahead of UTC: a window ending 03:00 on 3 March there ends on 2 March in UTC.
    nights = [WeeklyHours(weekday, t("01:00"), t("02:00")) for weekday in range(7)]
    found = free_slots(
        zone=KOLKATA,
        weekly=nights,
        rules=HALF_HOUR,
        now=at(MONDAY, "00:00", KOLKATA),
        window_start=at(MONDAY, "12:00", KOLKATA),
        window_end=at(MONDAY + timedelta(days=1), "03:00", KOLKATA),
    )
    assert local(found, KOLKATA, "%d %H:%M") == ["03 01:00", "03 01:30"]
    # New York is behind: a window starting 21:00 on 1 March there starts on 2 March in UTC.
    evenings = [WeeklyHours(weekday, t("22:00"), t("23:00")) for weekday in range(7)]
    found = free_slots(
        zone=NEW_YORK,
        weekly=evenings,
        rules=HALF_HOUR,
        now=at(date(2026, 2, 28), "00:00", NEW_YORK),
        window_start=at(date(2026, 3, 1), "21:00", NEW_YORK),
        window_end=at(MONDAY, "12:00", NEW_YORK),
    )
    assert local(found, NEW_YORK, "%d %H:%M") == ["01 22:00", "01 22:30"]


# --- Rule 6: max_per_day ------------------------------------------------------------------------


def test_max_per_day():
    """Counted by the booking's local start date; other consultation types do not count."""
    weekly = [WeeklyHours(weekday, t("09:00"), t("10:00")) for weekday in range(5)]
    rules = SlotRules(duration=timedelta(minutes=30), step=timedelta(minutes=30), max_per_day=2)
    tue, wed = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)

    def meeting(when: datetime, counts: bool = True) -> Booked:
        return Booked(when, when + timedelta(minutes=30), timedelta(0), timedelta(0), counts)

    booked = [
        meeting(at(MONDAY, "15:00")),
        meeting(at(MONDAY, "16:00")),  # Monday: two, full
        meeting(at(tue, "15:00")),
        meeting(at(tue, "16:00"), counts=False),  # Tuesday: one counts, open
        meeting(at(wed, "00:30")),  # Tuesday 23:30 in UTC, but Wednesday in Berlin
        meeting(at(wed, "20:00")),  # Wednesday: two, full
    ]
    slots = slots_on(MONDAY, weekly, rules=rules, booked=booked, days=4)
    assert local(slots, fmt="%a %H:%M") == ["Tue 09:00", "Tue 09:30", "Thu 09:00", "Thu 09:30"]


def test_advisors_daily_limit_counts_meetings_of_every_type():
    """The advisor's own limit counts every meeting of the day, the type's only its own."""
    weekly = [WeeklyHours(weekday, t("09:00"), t("10:00")) for weekday in range(5)]
    rules = SlotRules(
        duration=timedelta(minutes=30),
        step=timedelta(minutes=30),
        max_per_day=2,
        max_meetings_per_day=2,
    )
    tue = MONDAY + timedelta(days=1)

    def meeting(when: datetime, counts: bool) -> Booked:
        return Booked(when, when + timedelta(minutes=30), timedelta(0), timedelta(0), counts)

    booked = [
        meeting(at(MONDAY, "15:00"), counts=False),
        meeting(at(MONDAY, "16:00"), counts=False),  # two of another type: Monday is full
        meeting(at(tue, "15:00"), counts=False),  # one: Tuesday stays open
    ]
    slots = slots_on(MONDAY, weekly, rules=rules, booked=booked, days=2)
    assert local(slots, fmt="%a %H:%M") == ["Tue 09:00", "Tue 09:30"]


def test_max_per_day_counts_bookings_outside_the_window():
    """A one-minute window (how a booking re-checks its slot) still sees the whole day."""
    weekly = [WeeklyHours(0, t("09:00"), t("11:00"))]
    rules = SlotRules(duration=timedelta(minutes=30), max_per_day=1)
    afternoon = Booked(at(MONDAY, "16:00"), at(MONDAY, "16:30"), timedelta(0), timedelta(0))
    window = {"window_start": at(MONDAY, "09:00"), "window_end": at(MONDAY, "09:01")}
    common = {"zone": BERLIN, "weekly": weekly, "rules": rules, "now": at(MONDAY, "00:00")}
    assert len(free_slots(**common, **window)) == 1
    assert free_slots(**common, **window, booked=[afternoon]) == []


# --- Rule 7: output and refusals ----------------------------------------------------------------


@pytest.mark.parametrize("argument", ["now", "window_start", "window_end"])
def test_naive_datetime_is_refused(argument):
    kwargs = {
        "now": at(MONDAY, "00:00"),
        "window_start": at(MONDAY, "00:00"),
        "window_end": at(MONDAY, "23:00"),
    }
    kwargs[argument] = kwargs[argument].replace(tzinfo=None)
    with pytest.raises(ValueError, match=argument):
        free_slots(zone=BERLIN, weekly=[], rules=HALF_HOUR, **kwargs)


def test_naive_busy_time_or_booking_is_refused():
    naive = datetime(2026, 3, 2, 9)
    with pytest.raises(ValueError, match="naive"):
        Interval(naive, at(MONDAY, "10:00"))
    with pytest.raises(ValueError, match="naive"):
        Booked(at(MONDAY, "09:00"), naive, timedelta(0), timedelta(0))


@pytest.mark.parametrize(
    "rules",
    [
        {"duration": timedelta(0)},
        {"duration": -MINUTE},
        {"duration": MINUTE, "step": timedelta(0)},
        {"duration": MINUTE, "step": -MINUTE},
    ],
)
def test_non_positive_duration_or_step_is_refused(rules):
    with pytest.raises(ValueError, match="must be positive"):
        SlotRules(**rules)


@pytest.mark.parametrize(
    "rules",
    [
        {"duration": MINUTE, "buffer_before": -MINUTE},
        {"duration": MINUTE, "buffer_after": -MINUTE},
    ],
)
def test_negative_buffer_is_refused(rules):
    with pytest.raises(ValueError, match="must not be negative"):
        SlotRules(**rules)


@pytest.mark.parametrize("field", ["max_per_day", "max_meetings_per_day"])
@pytest.mark.parametrize("limit", [0, -1])
def test_daily_maximum_below_one_is_refused(field, limit):
    """Zero would limit only dates that already have bookings; "nothing offered" is what an
    inactive type is for, and no limit is ``None``."""
    with pytest.raises(ValueError, match="daily limits must be at least 1"):
        SlotRules(duration=MINUTE, **{field: limit})
    assert getattr(SlotRules(duration=MINUTE, **{field: 1}), field) == 1
    assert SlotRules(duration=MINUTE).max_per_day is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: WeeklyHours(7, t("09:00"), t("10:00")),
        lambda: WeeklyHours(0, t("10:00"), t("10:00")),
        lambda: DayOverride(date(2026, 3, 3), date(2026, 3, 2)),
        lambda: DayOverride(MONDAY, MONDAY, ((t("12:00"), t("11:00")),)),
        lambda: Interval(at(MONDAY, "10:00"), at(MONDAY, "09:00")),
        lambda: Booked(at(MONDAY, "09:00"), at(MONDAY, "10:00"), -MINUTE, timedelta(0)),
    ],
)
def test_impossible_hours_and_intervals_are_refused(make):
    with pytest.raises(ValueError, match=r"weekday|start|end|day|buffer"):
        make()


def test_result_is_utc_and_independent_of_the_zones_of_the_arguments():
    weekly = [WeeklyHours(0, t("09:00"), t("12:00"))]
    busy = [Interval(at(MONDAY, "10:00"), at(MONDAY, "10:30"))]
    in_utc = slots_on(MONDAY, weekly, busy=busy, now=at(MONDAY, "00:00").astimezone(UTC))
    in_new_york = free_slots(
        zone=BERLIN,
        weekly=weekly,
        busy=[Interval(i.start.astimezone(NEW_YORK), i.end.astimezone(NEW_YORK)) for i in busy],
        rules=HALF_HOUR,
        now=at(MONDAY, "00:00").astimezone(NEW_YORK),
        window_start=at(MONDAY, "00:00").astimezone(NEW_YORK),
        window_end=at(MONDAY, "23:59").astimezone(NEW_YORK),
    )
    assert in_new_york == in_utc
    assert local(in_utc) == ["09:00", "09:30", "10:30", "11:00", "11:30"]
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in in_new_york)


def test_inputs_are_not_modified_and_results_repeat():
    weekly = [WeeklyHours(0, t("09:00"), t("12:00")), WeeklyHours(0, t("08:00"), t("09:00"))]
    busy = [
        Interval(at(MONDAY, "11:00"), at(MONDAY, "11:30")),
        Interval(at(MONDAY, "09:00"), at(MONDAY, "09:30")),
    ]
    copies = (list(weekly), list(busy))
    first = slots_on(MONDAY, weekly, busy=busy)
    assert (weekly, busy) == copies
    assert slots_on(MONDAY, weekly, busy=busy) == first


def test_berlin_nine_o_clock_for_a_new_york_viewer():
    """Slots carry no viewer zone; a viewer just converts them, and 09:00 Berlin reads 03:00
    in New York except while only one side has switched: 8–28 March 2026 (the US switches on
    the second Sunday of March, the EU on the last) and 25–31 October (EU back first), when
    it reads 04:00."""
    mondays = [WeeklyHours(0, t("09:00"), t("09:30"))]
    year = SlotRules(duration=timedelta(minutes=30), horizon=timedelta(days=366))
    slots = slots_on(date(2026, 2, 23), mondays, rules=year, days=260)
    in_new_york = {
        slot.start.date().isoformat(): slot.start.astimezone(NEW_YORK).strftime("%H:%M %Z")
        for slot in slots
    }
    assert in_new_york["2026-03-02"] == "03:00 EST"
    assert in_new_york["2026-03-09"] == "04:00 EDT"
    assert in_new_york["2026-03-30"] == "03:00 EDT"
    assert in_new_york["2026-10-26"] == "04:00 EDT"
    assert in_new_york["2026-11-02"] == "03:00 EST"
    four_o_clock = sorted(day for day, shown in in_new_york.items() if shown.startswith("04"))
    assert four_o_clock == ["2026-03-09", "2026-03-16", "2026-03-23", "2026-10-26"]
    # Converting for the viewer and back changes nothing.
    assert [s.start.astimezone(NEW_YORK).astimezone(UTC) for s in slots] == [s.start for s in slots]
    assert len(slots) == 38 and set(local(slots)) == {"09:00"}  # every Monday, 23 Feb–9 Nov


# --- Properties ---------------------------------------------------------------------------------
#
# A brute-force model with its own reading of wall-clock hours: a period runs from the first
# instant the local clock shows its start to the last instant it shows its end (a time the
# clock skips counts as shown when it jumps past it). All generated hours and all UTC offsets
# are multiples of 15 minutes, and clock changes happen on the hour except St. John's (at 00:01
# local until 2011), so scanning a 15-minute UTC grid (St. John's: 1-minute) finds these
# instants exactly.

ZONES = (BERLIN, NEW_YORK, KOLKATA)
# Where the clock went back across midnight, so a local date comes back (see Rule 1 above).
BACK_ACROSS_MIDNIGHT = (ST_JOHNS, CASEY)
# The clock changes the properties gather around, as found with zoneinfo (checked below).
CHANGES = {
    BERLIN: (utc_at("2026-03-29 01:00"), utc_at("2026-10-25 01:00")),
    NEW_YORK: (utc_at("2026-03-08 07:00"), utc_at("2026-11-01 06:00")),
    ST_JOHNS: (utc_at("2006-04-02 03:31"), utc_at("2006-10-29 02:31")),
    CASEY: (utc_at("2009-10-17 18:00"), utc_at("2010-03-04 15:00")),
}
# Windows gather around the days of the advisor's own clock changes (Kolkata: the others').
CHANGE_DAYS = {
    zone: tuple(change.date() for change in changes) for zone, changes in CHANGES.items()
}
CHANGE_DAYS[KOLKATA] = CHANGE_DAYS[BERLIN] + CHANGE_DAYS[NEW_YORK]
CHANGES[KOLKATA] = CHANGES[BERLIN] + CHANGES[NEW_YORK]
GRID = {ST_JOHNS: MINUTE}


@pytest.mark.parametrize(("zone", "change"), [(z, c) for z in CHANGES for c in CHANGES[z]])
def test_clock_changes_of_the_properties_are_real(zone, change):
    offsets = [instant.astimezone(zone).utcoffset() for instant in (change - MINUTE, change)]
    if zone is KOLKATA:
        assert offsets == [timedelta(hours=5, minutes=30)] * 2
    else:
        assert offsets[0] != offsets[1]


@dataclass(frozen=True)
class Case:
    zone: ZoneInfo
    weekly: tuple[WeeklyHours, ...]
    overrides: tuple[DayOverride, ...]
    busy: tuple[Interval, ...]
    booked: tuple[Booked, ...]
    rules: SlotRules
    now: datetime
    window_start: datetime
    window_end: datetime

    def slots(self, **changes) -> list[Slot]:
        kwargs = {name: getattr(self, name) for name in self.__dataclass_fields__} | changes
        return free_slots(**kwargs)

    def hours_on(self, day: date) -> list[tuple[time, time]]:
        covering = [o for o in self.overrides if o.first_day <= day <= o.last_day]
        if any(not o.hours for o in covering):
            return []  # a day off wins
        if covering:
            return list(covering[-1].hours)
        return [(w.start, w.end) for w in self.weekly if w.weekday == day.weekday()]

    def blocked(self) -> list[tuple[datetime, datetime]]:
        """Busy time and bookings with their buffers (added in UTC: elapsed time)."""
        return [(i.start, i.end) for i in self.busy] + [
            (b.start.astimezone(UTC) - b.buffer_before, b.end.astimezone(UTC) + b.buffer_after)
            for b in self.booked
        ]

    def bookings_on(self, day: date) -> int:
        return sum(
            b.counts_for_daily_max and b.start.astimezone(self.zone).date() == day
            for b in self.booked
        )


@functools.cache
def _clock(zone: ZoneInfo, day: date) -> tuple[list[datetime], list[datetime]]:
    """A 15-minute (or finer) UTC grid around local ``day`` and what the local clock shows."""
    first, step = datetime.combine(day, time(), UTC) - timedelta(hours=15), GRID.get(zone, QUARTER)
    grid = [first + n * step for n in range(timedelta(hours=54) // step)]
    return grid, [g.astimezone(zone).replace(tzinfo=None) for g in grid]


@functools.cache
def period(zone: ZoneInfo, day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """From the first instant the clock shows ``start`` to the last instant it shows ``end``;
    a time the clock skips is read as the first instant it shows more."""
    grid, shown = _clock(zone, day)
    begin, finish = datetime.combine(day, start), datetime.combine(day, end)
    first = next(g for g, s in zip(grid, shown, strict=True) if s >= begin)
    at_end = [g for g, s in zip(grid, shown, strict=True) if s == finish]
    last = at_end[-1] if at_end else next(g for g, s in zip(grid, shown, strict=True) if s > finish)
    return first, last


def overlap(one: tuple[datetime, datetime], other: tuple[datetime, datetime]) -> bool:
    """Whether two half-open ranges share an instant (an empty range shares none)."""
    return max(one[0], other[0]) < min(one[1], other[1])


def clock_changes_on(zone: ZoneInfo, day: date) -> bool:
    grid, shown = _clock(zone, day)
    return len({s - g.replace(tzinfo=None) for g, s in zip(grid, shown, strict=True)}) > 1


def model(case: Case) -> list[tuple[datetime, datetime]]:
    """Every rule, checked the slow and obvious way."""
    rules, found = case.rules, set()
    now = case.now.astimezone(UTC)  # `+ timedelta` on a zoned datetime moves the wall clock
    earliest, latest = now + rules.minimum_notice, now + rules.horizon
    blocked = case.blocked()
    day = case.window_start.astimezone(case.zone).date() - timedelta(days=2)
    while day <= case.window_end.astimezone(case.zone).date() + timedelta(days=2):
        full = rules.max_per_day is not None and case.bookings_on(day) >= rules.max_per_day
        for start_time, end_time in [] if full else case.hours_on(day):
            start, end = period(case.zone, day, start_time, end_time)
            while start + rules.duration <= end:
                buffered = (
                    start - rules.buffer_before,
                    start + rules.duration + rules.buffer_after,
                )
                if (
                    case.window_start <= start < case.window_end
                    and earliest <= start <= latest
                    and not any(overlap(buffered, other) for other in blocked)
                ):
                    found.add(start)
                start += rules.step
        day += timedelta(days=1)
    return [(start, start + rules.duration) for start in sorted(found)]


def minutes(low: int, high: int) -> st.SearchStrategy[timedelta]:
    return st.integers(low, high).map(lambda n: n * MINUTE)


# Strategies are built once here, not inside `cases`: building them per example is slow.
# Quarter hours of the day, with the hours around the clock changes drawn more often.
QUARTERS = st.one_of(st.integers(0, 95), st.sampled_from([4, 8, 9, 10, 11, 12, 14, 16]))
HOUR_RANGES = st.lists(QUARTERS, min_size=2, max_size=2, unique=True).map(
    lambda pair: tuple(time(q // 4, q % 4 * 15) for q in sorted(pair))
)
NIGHT_RANGES = st.lists(st.integers(0, 24), min_size=2, max_size=2, unique=True).map(
    lambda pair: tuple(time(q // 4, q % 4 * 15) for q in sorted(pair))
)  # within 00:00–06:00, where the clocks change
EVENING_RANGES = st.lists(st.integers(80, 95), min_size=2, max_size=2, unique=True).map(
    lambda pair: tuple(time(q // 4, q % 4 * 15) for q in sorted(pair))
)  # within 20:00–23:45, before clocks that go back across midnight
ANY_DAY = st.dates(date(2026, 1, 1), date(2026, 12, 31))
SOME_ZONE = st.sampled_from((UTC, *ZONES, *BACK_ACROSS_MIDNIGHT))
CLOCK_CHANGE_ZONES = (BERLIN, NEW_YORK, *BACK_ACROSS_MIDNIGHT)
# Offsets of a window edge from a clock change: anywhere within three hours, or right at it
# (St. John's first 00:00 on 29 October 2006 lasted one minute).
NEAR_CHANGE = st.one_of(
    minutes(-3 * 60, 3 * 60), st.sampled_from([-1, 0, 1, 59, 60, 61]).map(MINUTE.__mul__)
)
BUFFERS = st.sampled_from([0, 5, 15, 30, 60]).map(lambda n: n * MINUTE)
NEAR_WINDOW = minutes(-36 * 60, 4 * 24 * 60)  # offsets from the window start
WEEKLY = st.one_of(
    st.lists(
        st.builds(lambda day, hours: WeeklyHours(day, *hours), st.integers(0, 6), HOUR_RANGES),
        min_size=1,
        max_size=6,
    ),
    # The usual shape: the same one or two periods on several weekdays.
    st.builds(
        lambda days, periods: [WeeklyHours(d, *hours) for d in sorted(days) for hours in periods],
        st.sets(st.integers(0, 6), min_size=3),
        st.lists(HOUR_RANGES, min_size=1, max_size=2),
    ),
)
OVERRIDES = st.lists(  # (first day from the anchor, days more, hours or () for a day off)
    st.tuples(
        st.integers(-3, 4),
        st.integers(0, 3),
        st.one_of(st.lists(HOUR_RANGES, min_size=1, max_size=2), st.just(())),
    ),
    max_size=2,
)
BUSY = st.lists(st.tuples(NEAR_WINDOW, minutes(0, 5 * 60), SOME_ZONE), max_size=4)
BOOKED = st.lists(
    st.tuples(NEAR_WINDOW, minutes(15, 120), SOME_ZONE, BUFFERS, BUFFERS, st.booleans()),
    max_size=6,
)
RULES = st.builds(
    SlotRules,
    duration=st.sampled_from([15, 20, 30, 45, 60, 90]).map(lambda n: n * MINUTE),
    step=st.sampled_from([5, 10, 15, 20, 30, 60]).map(lambda n: n * MINUTE),
    buffer_before=BUFFERS,
    buffer_after=BUFFERS,
    minimum_notice=st.sampled_from([0, 0, 30, 24 * 60]).map(lambda n: n * MINUTE),
    horizon=st.one_of(
        st.just(timedelta(days=60)), st.sampled_from([60, 24 * 60, 3 * 24 * 60]).map(MINUTE.__mul__)
    ),
    max_per_day=st.none() | st.integers(1, 3),
)


@st.composite
def cases(draw, *, clock_change: bool = False, zones: tuple[ZoneInfo, ...] = ZONES) -> Case:
    """An advisor in one of ``zones``; a window of up to four days around a clock-change
    day or any 2026 day (the whole local day when long, anything when short); hours,
    exceptions, busy time and bookings around it, their instants given in assorted zones.

    With ``clock_change``: an advisor in Berlin, New York, St. John's or Casey working nights
    or evenings (and maybe days) on every weekday, asked well ahead for a window around one
    of their clock changes, or with one edge within three hours of it.
    """
    zone = draw(st.sampled_from(CLOCK_CHANGE_ZONES if clock_change else zones))
    if clock_change:
        change = draw(st.sampled_from(CHANGES[zone]))
        anchor = change.date()
    else:
        anchor = draw(st.sampled_from((*CHANGE_DAYS[zone], None))) or draw(ANY_DAY)
    midnight = datetime.combine(anchor, time(), UTC)  # local midnight is 11 h before to 5 after
    if not clock_change and draw(st.booleans()):
        window_start = midnight + draw(minutes(-6 * 60, 30 * 60))
        window_end = window_start + draw(minutes(1, 5 * 60))
    elif clock_change and draw(st.booleans()):
        edge, length = change + draw(NEAR_CHANGE), draw(minutes(1, 30 * 60))
        window_start, window_end = draw(
            st.sampled_from([(edge, edge + length), (edge - length, edge)])
        )
    else:
        window_start = midnight - timedelta(hours=6) - draw(minutes(0, 30 * 60))
        window_end = midnight + timedelta(hours=30) + draw(minutes(0, 40 * 60))
    now = window_start + draw(minutes(-3 * 24 * 60, 0 if clock_change else 12 * 60))
    if clock_change:
        ranges = st.one_of(NIGHT_RANGES, EVENING_RANGES, HOUR_RANGES)
        periods = draw(st.lists(ranges, min_size=1, max_size=2))
        weekly = [WeeklyHours(day, *hours) for day in range(7) for hours in periods]
        rules = replace(draw(RULES), minimum_notice=timedelta(0), horizon=timedelta(days=60))
    else:
        weekly, rules = draw(WEEKLY), draw(RULES)
    overrides = [
        DayOverride(anchor + timedelta(days=n), anchor + timedelta(days=n + more), tuple(hours))
        for n, more, hours in draw(OVERRIDES)
    ]
    busy = [
        Interval((window_start + d).astimezone(z), (window_start + d + length).astimezone(z))
        for d, length, z in draw(BUSY)
    ]
    booked = [
        Booked((window_start + d).astimezone(z), (window_start + d + length).astimezone(z), *rest)
        for d, length, z, *rest in draw(BOOKED)
    ]
    return Case(
        zone=zone,
        weekly=tuple(weekly),
        overrides=tuple(overrides),
        busy=tuple(busy),
        booked=tuple(booked),
        rules=rules,
        now=now.astimezone(draw(SOME_ZONE)),
        window_start=window_start,
        window_end=window_end.astimezone(draw(SOME_ZONE)),
    )


@settings(max_examples=200, deadline=None)
@given(cases())
def test_property_matches_the_brute_force_model(case):
    assert [(slot.start, slot.end) for slot in case.slots()] == model(case)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_property_no_slot_overlaps_busy_time_or_a_booking(case):
    rules = case.rules
    for slot in case.slots():
        buffered = (slot.start - rules.buffer_before, slot.end + rules.buffer_after)
        for blocked in case.blocked():
            assert not overlap(buffered, blocked), (slot, blocked)


def assert_in_local_working_hours(case: Case) -> None:
    """Each slot, read in the advisor's zone, lies in a period of its local date's hours
    (where the clock went back across midnight: maybe of the date before or after)."""
    for slot in case.slots():
        start, end = slot.start.astimezone(case.zone), slot.end.astimezone(case.zone)
        day = start.date()
        if not clock_changes_on(case.zone, day):  # the plain reading on an ordinary day
            assert end.date() == day
            assert any(a <= start.time() and end.time() <= b for a, b in case.hours_on(day)), slot
            days = [day]
        else:
            days = [day - timedelta(days=1), day, day + timedelta(days=1)]
        # On every day, clock changes included: between the first moment the clock shows the
        # period's start and the last moment it shows its end.
        assert any(
            period(case.zone, d, a, b)[0] <= slot.start
            and slot.end <= period(case.zone, d, a, b)[1]
            for d in days
            for a, b in case.hours_on(d)
        ), (slot, day)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_property_every_slot_lies_in_local_working_hours(case):
    assert_in_local_working_hours(case)


@settings(max_examples=200, deadline=None)
@given(cases(clock_change=True))
def test_property_clock_change_days_keep_local_hours(case):
    """Night, evening and day hours around Berlin's and New York's 2026 clock changes, and
    around St. John's 2006 and Casey's 2009/2010 ones (back across midnight)."""
    assert_in_local_working_hours(case)
    assert [(slot.start, slot.end) for slot in case.slots()] == model(case)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_property_notice_horizon_and_window(case):
    rules, now = case.rules, case.now.astimezone(UTC)
    for slot in case.slots():
        assert now + rules.minimum_notice <= slot.start <= now + rules.horizon
        assert case.window_start <= slot.start < case.window_end


@settings(max_examples=200, deadline=None)
@given(cases())
def test_property_sorted_unique_utc_and_daily_maximum(case):
    slots = case.slots()
    assert slots == sorted(set(slots))
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in slots)
    assert all(s.end - s.start == case.rules.duration for s in slots)
    if case.rules.max_per_day is not None:
        days = {slot.start.astimezone(case.zone).date() for slot in slots}
        assert all(case.bookings_on(day) < case.rules.max_per_day for day in days)


@settings(max_examples=200, deadline=None)
@given(cases(), st.sampled_from((NEW_YORK, KOLKATA, BERLIN)))
def test_property_viewer_zone_does_not_change_the_result(case, viewer):
    slots = case.slots()
    as_viewer = case.slots(
        now=case.now.astimezone(viewer),
        window_start=case.window_start.astimezone(viewer),
        window_end=case.window_end.astimezone(viewer),
    )
    assert as_viewer == slots
    shown = [(s.start.astimezone(NEW_YORK), s.end.astimezone(NEW_YORK)) for s in slots]
    assert [Slot(a.astimezone(UTC), b.astimezone(UTC)) for a, b in shown] == slots


@settings(max_examples=100, deadline=None)
@given(cases(zones=ZONES + BACK_ACROSS_MIDNIGHT))
def test_property_picker_and_one_minute_recheck_agree(case):
    """Every slot the picker shows for a week (from the case's window start: often a few days
    before a clock change), booking's re-check finds too: a one-minute window from the slot's
    start, as in service.is_free."""
    week = {"window_start": case.window_start, "window_end": case.window_start + timedelta(days=7)}
    for slot in case.slots(**week):
        assert case.slots(window_start=slot.start, window_end=slot.start + MINUTE) == [slot]
