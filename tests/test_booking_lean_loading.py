"""The picker's lean reads give exactly what the models say.

``availability.load_calendars`` reads hours, exceptions, busy time and bookings as plain rows
in two statements, and ``offer.current_offer`` reads the topics' advisors the same way; both
skip the ORM for speed. Here the straightforward path (the models, loaded as objects, turned
into the slot inputs one by one with every check) is computed beside them on a calendar with
every kind of entry, and the free slots and the offered advisors must be the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.booking.availability import (
    MARGIN,
    AdvisorCalendar,
    free_slots_by_advisor,
    holds_time,
    rules_for,
)
from app.booking.choice import read_choice
from app.booking.offer import choose, current_offer
from app.booking.slots import Booked, DayOverride, Interval, WeeklyHours
from app.extensions import db
from app.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingStatus,
    BusyBlock,
    ConsultationType,
    Topic,
    User,
)
from tests.booking_support import BERLIN, at, monday_in

_uids = count()


def add_booking(advisor_id, ctype, topic_id, start, *, status="confirmed", hold=None, after=15):
    """A booking stored as the service stores it: blocked range widened by its buffers."""
    end = start + timedelta(minutes=ctype.duration_minutes)
    db.session.add(
        Booking(
            uid=f"lean-{next(_uids)}",
            advisor_id=advisor_id,
            consultation_type_id=ctype.id,
            topic_id=topic_id,
            start=start,
            end=end,
            blocked_from=start - timedelta(minutes=ctype.buffer_before_minutes),
            blocked_until=end + timedelta(minutes=after),
            status=status,
            hold_expires_at=hold,
            guest_name="Eva Gast",
            guest_email="eva@gast.example",
        )
    )


def straightforward_calendars(advisors, ctype, window_start, window_end, now):
    """The slot inputs built from ORM objects, one query per kind, every value checked."""
    calendars = {a.id: AdvisorCalendar(zone=ZoneInfo(a.timezone)) for a in advisors}
    ids = list(calendars)
    low, high = window_start - MARGIN, window_end + MARGIN
    for rule in db.session.scalars(
        sa.select(AvailabilityRule).where(AvailabilityRule.advisor_id.in_(ids))
    ):
        calendars[rule.advisor_id].weekly.append(
            WeeklyHours(rule.weekday, rule.start_time, rule.end_time)
        )
    special: dict[tuple, list] = {}
    for exception in db.session.scalars(
        sa.select(AvailabilityException)
        .where(
            AvailabilityException.advisor_id.in_(ids),
            AvailabilityException.last_day >= low.date(),
            AvailabilityException.first_day <= high.date(),
        )
        .order_by(AvailabilityException.id)
    ):
        key = (exception.advisor_id, exception.first_day, exception.last_day)
        if exception.start_time is None:
            calendars[exception.advisor_id].overrides.append(DayOverride(*key[1:]))
        else:
            special.setdefault(key, []).append((exception.start_time, exception.end_time))
    for (advisor_id, first, last), hours in special.items():
        calendars[advisor_id].overrides.append(DayOverride(first, last, tuple(hours)))
    for block in db.session.scalars(sa.select(BusyBlock).where(BusyBlock.advisor_id.in_(ids))):
        calendars[block.advisor_id].busy.append(Interval(block.start, block.end))
    for booking in db.session.scalars(
        sa.select(Booking).where(Booking.advisor_id.in_(ids), holds_time(now))
    ):
        calendars[booking.advisor_id].booked.append(
            Booked(
                booking.start,
                booking.end,
                booking.start - booking.blocked_from,
                booking.blocked_until - booking.end,
                booking.consultation_type_id == ctype.id,
            )
        )
    return calendars


def test_lean_loading_gives_the_same_slots_as_the_models(app, world, make):
    other = make.consultation_type(slug="workshop", duration_minutes=60, buffer_before_minutes=30)
    week = monday_in(2)
    # Before the bookings are made: "now" is when the pending holds are judged.
    now = datetime.now(UTC)
    with app.app_context():
        ctype = db.session.get(ConsultationType, world.ctype.id)
        workshop = db.session.get(ConsultationType, other.id)
        brandt, becker = world.brandt.id, world.becker.id
        topic = world.topic.id
        # Brandt: a booking of each type, a live and an expired hold, a cancelled one.
        add_booking(brandt, ctype, topic, at(week, "10:00"))
        add_booking(brandt, workshop, topic, at(week, "14:00"), after=0)
        add_booking(brandt, ctype, topic, at(week + timedelta(days=1), "09:00"), status="pending",
                    hold=now + timedelta(hours=1))  # fmt: skip
        add_booking(brandt, ctype, topic, at(week + timedelta(days=1), "11:00"), status="pending",
                    hold=now - timedelta(minutes=1))  # fmt: skip
        add_booking(brandt, ctype, topic, at(week + timedelta(days=2), "09:00"),
                    status=BookingStatus.CANCELLED.value)  # fmt: skip
        # Becker: busy elsewhere, a day off, and two special periods for the same days.
        db.session.add(BusyBlock(advisor_id=becker, start=at(week, "12:00"), end=at(week, "15:10")))
        db.session.add_all(
            [
                AvailabilityException(
                    advisor_id=becker, first_day=week + timedelta(days=2),
                    last_day=week + timedelta(days=2),
                ),
                AvailabilityException(
                    advisor_id=becker, first_day=week + timedelta(days=3),
                    last_day=week + timedelta(days=4), start_time=time(7), end_time=time(8),
                ),
                AvailabilityException(
                    advisor_id=becker, first_day=week + timedelta(days=3),
                    last_day=week + timedelta(days=4), start_time=time(18), end_time=time(19),
                ),
            ]
        )  # fmt: skip
        db.session.commit()

        advisors = list(
            db.session.scalars(sa.select(Advisor).where(Advisor.id.in_([brandt, becker])))
        )
        start = datetime.combine(week, time(), UTC)
        end = start + timedelta(days=7)

        def both() -> tuple[dict, dict]:
            lean = free_slots_by_advisor(advisors, ctype, start, end, now)
            models = straightforward_calendars(advisors, ctype, start, end, now)
            rules = {a.id: rules_for(ctype, a) for a in advisors}
            return lean, {a: models[a].free_slots(rules[a], now, start, end) for a in models}

        lean, expected = both()
        assert lean == expected
        # The daily maximum counts this type's bookings only (not the workshop).
        ctype.max_per_day = 1
        db.session.commit()
        lean_limited, expected_limited = both()
        assert lean_limited == expected_limited

    shown = {a: {f"{s.start.astimezone(BERLIN):%a %H:%M}" for s in lean[a]} for a in lean}
    assert {"Mon 09:00", "Mon 11:00"} <= shown[brandt]
    assert not {"Mon 09:30", "Mon 10:00", "Mon 10:30"} & shown[brandt], "the booking and buffer"
    assert "Mon 13:00" not in shown[brandt], "the workshop's buffer before blocks it"
    assert "Mon 15:00" in shown[brandt], "touching its blocked time is free"
    assert "Tue 09:00" not in shown[brandt], "a live hold keeps its time"
    assert "Tue 11:00" in shown[brandt], "an expired hold frees it"
    assert "Wed 09:00" in shown[brandt], "a cancelled booking frees it"
    assert "Mon 13:00" not in shown[becker] and "Mon 15:00" not in shown[becker], "busy"
    assert "Mon 15:30" in shown[becker]
    assert not any(day.startswith("Wed") for day in shown[becker]), "a day off"
    assert {"Thu 07:00", "Thu 07:30", "Thu 18:00", "Thu 18:30"} <= shown[becker]
    assert "Thu 09:00" not in shown[becker], "special hours replace the weekly ones"
    limited = {f"{s.start.astimezone(BERLIN):%a}" for s in lean_limited[brandt]}
    assert "Mon" not in limited and "Tue" not in limited and "Wed" in limited


def test_the_offer_names_the_same_advisors_as_the_models(app, world, make):
    """Only bookable advisors who offer the type, as ``Topic.advisors_for`` says."""
    other = make.consultation_type(slug="workshop")
    inactive = make.advisor(world.topic, name="Inaktiv")
    no_hours = make.advisor(world.topic, name="Ohne Zeiten")
    declines = make.advisor(world.topic, name="Nur Workshops")
    second_topic = make.topic(slug="datenstrategie", name="Datenstrategie")
    data_only = make.advisor(second_topic, name="Nur Daten")
    with app.app_context():
        db.session.get(Advisor, inactive.id).active = False
        db.session.execute(
            sa.delete(AvailabilityRule).where(AvailabilityRule.advisor_id == no_hours.id)
        )
        db.session.get(Advisor, declines.id).declined_types = [
            db.session.get(ConsultationType, world.ctype.id)
        ]
        becker = db.session.get(Advisor, world.becker.id)
        becker.topics.append(db.session.get(Topic, second_topic.id))
        db.session.get(User, world.brandt.user_id).name = "Dr. Katharina Brandt-Neu"
        db.session.commit()

    with app.test_request_context():
        offer = current_offer()
        for slug in ("erstgespraech", "workshop"):
            for topic_slug in ("digitalisierung", "datenstrategie"):
                values = {"type": slug, "topic": topic_slug}
                lean, models = choose(offer, values), read_choice(values)
                # By name, as the home page lists them ("Dr. Katharina Brandt-Neu" first).
                assert [(a.user.name, a.id, a.timezone) for a in lean.team] == sorted(
                    (a.user.name, a.id, a.timezone) for a in models.team
                )
        assert [t.slug for t in offer.topics] == ["digitalisierung", "datenstrategie"]
        names = {a.user.name for a in choose(offer, {"type": "erstgespraech"}).team}
        assert names == {"Dr. Katharina Brandt-Neu", "Thomas Becker"}
        assert declines.id in {a.id for a in choose(offer, {"type": other.slug}).team}
        # An advisor named without a topic brings their own topic along.
        chosen = choose(offer, {"advisor": str(data_only.id)})
        assert chosen.advisor.id == data_only.id and chosen.topic.slug == "datenstrategie"
        assert chosen.advisors == [chosen.advisor]
