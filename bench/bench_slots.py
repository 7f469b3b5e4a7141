"""Slot computation budget (DESIGN.md §9): a 4-week window, an advisor with 10,000 bookings.

Builds one Berlin advisor (Mon–Fri 08:00–18:00, 30-minute consultations every 15 minutes with
15-minute buffers on both sides) with 10,000 bookings spread over two years
(``random.Random(42)``, so every run measures the same calendar), then times one
``free_slots`` call at a time (``timeit``, garbage collector paused as timeit does) for 200
4-week windows spread over those two years, 5 calls each: 1,000 samples. Reports the median
and p95 in ms and as a ratio to the 5 ms budget; exits 1 when the p95 is over budget.

Run from the project root::

    .venv/bin/python bench/bench_slots.py
"""

from __future__ import annotations

import random
import statistics
import sys
import timeit
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.booking.slots import Booked, SlotRules, WeeklyHours, free_slots

BUDGET_MS = 5.0
WINDOWS = 200
CALLS_PER_WINDOW = 5
BOOKINGS = 10_000
ZONE = ZoneInfo("Europe/Berlin")
FIRST_DAY = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
DAYS = 2 * 365
WEEKLY = [WeeklyHours(weekday, time(8), time(18)) for weekday in range(5)]
RULES = SlotRules(
    duration=timedelta(minutes=30),
    buffer_before=timedelta(minutes=15),
    buffer_after=timedelta(minutes=15),
    minimum_notice=timedelta(hours=24),
    horizon=timedelta(days=60),
    step=timedelta(minutes=15),
)


def make_bookings(rng: random.Random) -> list[Booked]:
    """10,000 bookings at random quarter hours of working days, overlaps and all, unsorted."""
    bookings = []
    while len(bookings) < BOOKINGS:
        day = FIRST_DAY.date() + timedelta(days=rng.randrange(DAYS))
        if day.weekday() >= 5:
            continue
        local = datetime.combine(day, time(8), tzinfo=ZONE) + timedelta(
            minutes=15 * rng.randrange(38)
        )
        start = local.astimezone(UTC)
        bookings.append(
            Booked(
                start=start,
                end=start + timedelta(minutes=rng.choice((30, 45, 60))),
                buffer_before=timedelta(minutes=rng.choice((0, 15))),
                buffer_after=timedelta(minutes=rng.choice((0, 15))),
                counts_for_daily_max=rng.random() < 0.7,
            )
        )
    return bookings


def main() -> int:
    rng = random.Random(42)  # noqa: S311 - reproducible test data, not security
    booked = make_bookings(rng)
    # Windows start on Mondays across both years; `now` is just before each window, as when
    # a guest pages through the picker.
    starts = [FIRST_DAY + timedelta(weeks=rng.randrange(DAYS // 7 - 4)) for _ in range(WINDOWS)]
    times_ms: list[float] = []
    slot_counts: list[int] = []
    for window_start in starts:
        kwargs = {
            "zone": ZONE,
            "weekly": WEEKLY,
            "booked": booked,
            "rules": RULES,
            "now": window_start - timedelta(days=1),
            "window_start": window_start,
            "window_end": window_start + timedelta(weeks=4),
        }
        slot_counts.append(len(free_slots(**kwargs)))
        samples = timeit.repeat(
            lambda kw=kwargs: free_slots(**kw), number=1, repeat=CALLS_PER_WINDOW
        )
        times_ms += [seconds * 1000 for seconds in samples]

    median = statistics.median(times_ms)
    p95 = statistics.quantiles(times_ms, n=20)[-1]
    print(
        f"free_slots, 4-week window, {BOOKINGS:,} bookings: "
        f"{len(times_ms)} calls over {WINDOWS} windows"
    )
    print(f"  slots per window: median {statistics.median(slot_counts):.0f}")
    print(f"  median {median:.3f} ms  ratio {median / BUDGET_MS:.2f}")
    print(f"  p95    {p95:.3f} ms  ratio {p95 / BUDGET_MS:.2f}  (budget {BUDGET_MS} ms)")
    if p95 > BUDGET_MS:
        print("OVER BUDGET", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
