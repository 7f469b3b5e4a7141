"""Free consultation slots: a pure function of hours, exceptions, busy time and bookings.

No Flask, no database, no clock: the caller passes ``now``. Instants are aware datetimes and
are compared in UTC; an advisor's hours are wall-clock times in the advisor's zone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_ZERO = timedelta(0)
_TICK = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
# max_per_day counts bookings by local start date. A local date lasts 24 h plus what its clock
# goes back (a few hours at most), so it starts and ends within two days of any instant in it.
_DAY_MARGIN = timedelta(days=2)


def _in_utc(name: str, value: datetime) -> datetime:
    """``value`` in UTC, where ``+ timedelta`` is elapsed time and comparisons see instants.

    (Python adds a timedelta to a zoned datetime on the wall clock, and compares two datetimes
    of the same zone by wall clock, ignoring ``fold``: both wrong around clock changes.)
    """
    if value.tzinfo is UTC:  # the common case, and the picker's hot loop: nothing to do
        return value
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """An advisor's regular hours: ``weekday`` (0 = Monday) from ``start`` to ``end``, local."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None or self.end <= self.start:
            raise ValueError(f"need naive local times with start < end: {self!r}")


@dataclass(frozen=True, slots=True)
class DayOverride:
    """Local days ``first_day``..``last_day`` (inclusive): ``hours`` replace the weekly hours;
    no hours means a day off, which wins over any hours for the same day."""

    first_day: date
    last_day: date
    hours: tuple[tuple[time, time], ...] = ()

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError(f"last_day before first_day: {self!r}")
        for start, end in self.hours:
            if start.tzinfo is not None or end.tzinfo is not None or end <= start:
                raise ValueError(f"need naive local times with start < end: {self!r}")


@dataclass(frozen=True, slots=True)
class Interval:
    """Busy time ``[start, end)`` from the advisor's own calendar; kept in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _in_utc("Interval.start", self.start))
        object.__setattr__(self, "end", _in_utc("Interval.end", self.end))
        if self.end < self.start:
            raise ValueError(f"end before start: {self!r}")


@dataclass(frozen=True, slots=True)
class Booked:
    """An active booking, kept in UTC: it blocks ``[start - buffer_before, end + buffer_after)``."""

    start: datetime
    end: datetime
    buffer_before: timedelta
    buffer_after: timedelta
    counts_for_daily_max: bool = True

    def __post_init__(self) -> None:
        # The picker loads a month of bookings already in UTC: skip the calls for those.
        if self.start.tzinfo is not UTC or self.end.tzinfo is not UTC:
            object.__setattr__(self, "start", _in_utc("Booked.start", self.start))
            object.__setattr__(self, "end", _in_utc("Booked.end", self.end))
        if self.end < self.start or self.buffer_before < _ZERO or self.buffer_after < _ZERO:
            raise ValueError(f"need start <= end and buffers >= 0: {self!r}")


@dataclass(frozen=True, slots=True)
class SlotRules:
    """What the consultation type asks for; see :func:`free_slots` for how each is applied."""

    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    minimum_notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(days=60)
    max_per_day: int | None = None
    step: timedelta = timedelta(minutes=15)
    # The advisor's own limit: meetings of any type a day (``max_per_day`` counts the type's).
    max_meetings_per_day: int | None = None

    def __post_init__(self) -> None:
        if self.duration <= _ZERO or self.step <= _ZERO:
            raise ValueError(f"duration and step must be positive: {self!r}")
        if self.buffer_before < _ZERO or self.buffer_after < _ZERO:
            raise ValueError(f"buffers must not be negative: {self!r}")
        for limit in (self.max_per_day, self.max_meetings_per_day):
            if limit is not None and limit < 1:
                raise ValueError(f"daily limits must be at least 1, or None: {self!r}")


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A free slot ``[start, end)`` in UTC."""

    start: datetime
    end: datetime


@lru_cache(maxsize=8192)
def _instant(day: date, wall: time, zone: ZoneInfo, fold: int) -> datetime:
    """The UTC instant of wall-clock ``wall`` on local ``day``.

    Kept per (day, time, zone, fold): twenty advisors with the same hours ask for the same
    instants every day of the month, and the answer never changes (a ``ZoneInfo`` is the
    same object for the same key, and its rules are fixed while the process runs).

    An ambiguous wall time (clocks going back) takes occurrence ``fold`` (0 first, 1 second).
    A wall time that does not exist (clocks going forward) becomes the first instant after
    the gap, i.e. the moment the clocks jump.
    """
    local = datetime.combine(day, wall, tzinfo=zone).replace(fold=fold)
    instant = local.astimezone(UTC)
    naive = local.replace(tzinfo=None)
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return instant
    # In the gap the two folds read the wall time with the offsets before and after the jump;
    # the jump lies between those readings. Bisect to the first instant reading >= ``wall``.
    other = local.replace(fold=1 - fold).astimezone(UTC)
    low, high = min(instant, other), max(instant, other)
    while high - low > _TICK:
        middle = low + (high - low) // 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high


def _hours_on(
    day: date, weekly: Sequence[WeeklyHours], overrides: Sequence[DayOverride]
) -> list[tuple[time, time]]:
    """Rule 1: a day off covering ``day`` wins, then the last-listed override with hours
    covering it, else that weekday's hours."""
    covering = [o for o in overrides if o.first_day <= day <= o.last_day]
    if covering:
        return [] if any(not o.hours for o in covering) else list(covering[-1].hours)
    weekday = day.weekday()
    return [(hours.start, hours.end) for hours in weekly if hours.weekday == weekday]


def working_periods(
    day: date,
    zone: ZoneInfo,
    weekly: Sequence[WeeklyHours],
    overrides: Sequence[DayOverride] = (),
) -> list[tuple[datetime, datetime]]:
    """The instants (UTC) the advisor works on local ``day``, by rule 1 of ``free_slots``."""
    return [
        (_instant(day, start, zone, 0), _instant(day, end, zone, 1))
        for start, end in _hours_on(day, weekly, overrides)
    ]


def _merge(ranges: list[tuple[datetime, datetime]]) -> tuple[list[datetime], list[datetime]]:
    """Sorted, disjoint starts and ends covering the same instants as ``ranges``."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    for start, end in sorted(ranges):
        if start >= end:
            continue  # an empty range blocks nothing
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def free_slots(
    *,
    zone: ZoneInfo,
    weekly: Sequence[WeeklyHours],
    overrides: Sequence[DayOverride] = (),
    busy: Sequence[Interval] = (),
    booked: Sequence[Booked] = (),
    rules: SlotRules,
    now: datetime,
    window_start: datetime,
    window_end: datetime,
) -> list[Slot]:
    """The advisor's free slots starting in ``[window_start, window_end)``.

    1. Working periods of each local date (advisor's ``zone``): none if a day off (an override
       without hours) covers it, whatever else covers it too (an advisor who marked a day off
       is never booked on it); else those of the last-listed override with hours covering it;
       else the weekly hours of its weekday. Hours are wall-clock times on every day,
       clock-change days included. A period runs from the first moment the clock shows its
       start to the last moment it shows its end: an ambiguous start takes the first
       occurrence (fold=0), an ambiguous end the second (fold=1), and a time skipped by the
       clocks becomes the moment they jump. So 01:00–04:00 Berlin lasts 2 h on the last
       Sunday of March and 4 h on the last Sunday of October (and 02:30–04:00 that day also
       covers 02:00–02:30 of the repeated hour: both passes count). Where a clock went back
       across midnight (St. John's 2006, Casey 2010), a date's periods can run while the
       clock shows the date before or after it; they count all the same.
    2. Candidates start at each period's start and every ``rules.step`` after it (absolute
       time), as long as ``start + duration <= period end``. A slot is ``[start, start +
       duration)``.
    3. A slot is free if ``[start - buffer_before, end + buffer_after)`` overlaps no busy
       interval and no booking's ``[start - its buffer_before, end + its buffer_after)``.
       Ranges are half-open: touching is not overlapping.
    4. ``now + minimum_notice <= start <= now + horizon``.
    5. ``window_start <= start < window_end``.
    6. A local date with ``max_per_day`` or more bookings counting for it (by the booking's
       local start date), or with ``max_meetings_per_day`` or more bookings of any kind,
       offers nothing. ``None`` is no limit; below 1 is a ValueError (SlotRules), as "offer
       nothing" is what an inactive consultation type is for.
    7. Sorted, unique slots in UTC; inputs are not modified. A naive datetime (here or in an
       Interval or Booked), or a non-positive duration or step (SlotRules), is a ValueError.

    The result for a window is the result for any wider window cut to it: a one-minute window
    from a slot's start (booking's re-check) finds that slot exactly when the picker shows it.

    Runs in time linear in the inputs plus ``n log n`` in what lies near the window.
    """
    now = _in_utc("now", now)
    window_start = _in_utc("window_start", window_start)
    window_end = _in_utc("window_end", window_end)
    duration, step = rules.duration, rules.step
    earliest = max(window_start, now + rules.minimum_notice)
    # Starts must be < window_end and <= now + horizon; one exclusive limit for both.
    limit = min(window_end, now + rules.horizon + _TICK)
    if earliest >= limit:
        return []

    # One linear pass keeps what can matter: blocked ranges reaching the candidates' buffered
    # ranges, and bookings that may start on one of the window's local dates.
    low = earliest - max(rules.buffer_before, _DAY_MARGIN)
    high = limit + duration + max(rules.buffer_after, _DAY_MARGIN)
    near = [b for b in booked if b.start - b.buffer_before < high and b.end + b.buffer_after > low]
    blocked = [(i.start, i.end) for i in busy if i.start < high and i.end > low]
    blocked += [(b.start - b.buffer_before, b.end + b.buffer_after) for b in near]
    block_starts, block_ends = _merge(blocked)

    full_days: set[date] = set()
    for daily_limit, counted in (
        (rules.max_per_day, [b for b in near if b.counts_for_daily_max]),
        (rules.max_meetings_per_day, near),
    ):
        if daily_limit is not None:
            counts: dict[date, int] = {}
            for b in counted:
                day = b.start.astimezone(zone).date()
                counts[day] = counts.get(day, 0) + 1
            full_days |= {day for day, count in counts.items() if count >= daily_limit}

    found: set[datetime] = set()
    # A local date can come back (a clock going back across midnight), so periods of the dates
    # just before the first and after the last one seen at the window's edges can reach into
    # it. One day more on each side suffices: no clock goes back a whole day.
    day = earliest.astimezone(zone).date() - _ONE_DAY
    last_day = (limit - _TICK).astimezone(zone).date() + _ONE_DAY
    while day <= last_day:
        if day not in full_days:
            for start, period_end in working_periods(day, zone, weekly, overrides):
                last_start = min(period_end - duration, limit - _TICK)
                if start < earliest:  # jump to the first grid point not before `earliest`
                    start += -((start - earliest) // step) * step
                while start <= last_start:
                    # Free unless the first blocked range ending after our buffered start
                    # begins before our buffered end.
                    i = bisect_right(block_ends, start - rules.buffer_before)
                    end = start + duration + rules.buffer_after
                    if i == len(block_starts) or block_starts[i] >= end:
                        found.add(start)
                    start += step
        day += _ONE_DAY
    return [Slot(start, start + duration) for start in sorted(found)]
