"""The cached picker fragment is never stale: every kind of change shows at once.

The fragment is cached under the versions it read (the catalogue's, and each advisor's of
the topic); each test warms the cache, checks the repeat is served from it, makes one kind
of change the way the app makes it, and expects the next fragment to show it. The last test
proves that versions per advisor let bookings of different advisors run side by side.
"""

from __future__ import annotations

import time as clock
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from app.booking import service
from app.booking.freshness import BUCKET_SECONDS
from app.extensions import db
from app.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BusyBlock,
    ConsultationType,
    Topic,
    User,
)
from app.models.types import utcnow
from tests.booking_support import GUEST, at, book, monday_in, writing

BRANDT = "Dr. Katharina Brandt"


def picker_url(advisor="any", day_offset: int = 0) -> str:
    """The picker on a day of the week after next (its Monday, unless ``day_offset``)."""
    return (
        "/beratung/termine?type=erstgespraech&topic=digitalisierung"
        f"&advisor={advisor}&day={monday_in(2) + timedelta(days=day_offset)}"
    )


def slot(clock: str, day_offset: int = 0) -> str:
    return f"start={at(monday_in(2) + timedelta(days=day_offset), clock):%Y-%m-%dT%H:%MZ}"


def clear_of_the_bucket_edge() -> None:
    """A cache key holds a five-minute bucket of the clock: a test that straddles its edge
    would see a fresh key and a miss, so it starts after the edge instead."""
    left = BUCKET_SECONDS - clock.time() % BUCKET_SECONDS
    if left < 5:
        clock.sleep(left + 0.1)


def warm(htmx_client, count_queries, url: str) -> str:
    """Fetch the fragment twice; the second time it must come from the cache."""
    clear_of_the_bucket_edge()
    first = htmx_client.get(url)
    assert first.status_code == 200
    with count_queries() as repeat:
        again = htmx_client.get(url).get_data(as_text=True)
    assert repeat == [], "the repeat is served from the cache"
    assert again == first.get_data(as_text=True)
    return again


def change(app, apply) -> None:
    """Make a change the way a view does: one transaction, committed."""
    with writing(app):
        apply()
        db.session.commit()


def test_a_booking_shows_at_once(app, htmx_client, world, count_queries):
    url = picker_url(world.brandt.id)
    assert slot("10:00") in warm(htmx_client, count_queries, url)
    book(app, world, at(monday_in(2), "10:00"))
    assert slot("10:00") not in htmx_client.get(url).get_data(as_text=True)


def test_a_cancellation_shows_at_once(app, htmx_client, world, count_queries):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    url = picker_url(world.brandt.id)
    assert slot("10:00") not in warm(htmx_client, count_queries, url)
    change(app, lambda: service.cancel(db.session.get(Booking, booking_id), ""))
    assert slot("10:00") in htmx_client.get(url).get_data(as_text=True)


def test_new_weekly_hours_show_at_once(app, htmx_client, world, count_queries):
    url = picker_url(world.brandt.id)
    assert slot("16:30") in warm(htmx_client, count_queries, url)

    def shorter_mondays():
        rule = db.session.scalar(
            sa.select(AvailabilityRule).where(
                AvailabilityRule.advisor_id == world.brandt.id, AvailabilityRule.weekday == 0
            )
        )
        rule.end_time = time(12)

    change(app, shorter_mondays)
    page = htmx_client.get(url).get_data(as_text=True)
    assert slot("16:30") not in page and slot("11:30") in page
    tuesday = htmx_client.get(picker_url(world.brandt.id, day_offset=1)).get_data(as_text=True)
    assert slot("16:30", day_offset=1) in tuesday  # Tuesday keeps its hours


def test_a_day_off_shows_at_once(app, htmx_client, world, count_queries):
    url = picker_url(world.brandt.id)
    assert slot("10:00") in warm(htmx_client, count_queries, url)
    monday = monday_in(2)
    change(
        app,
        lambda: db.session.add(
            AvailabilityException(advisor_id=world.brandt.id, first_day=monday, last_day=monday)
        ),
    )
    page = htmx_client.get(url).get_data(as_text=True)
    assert slot("10:00") not in page and "An diesem Tag ist nichts frei." in page
    tuesday = htmx_client.get(picker_url(world.brandt.id, day_offset=1)).get_data(as_text=True)
    assert slot("10:00", day_offset=1) in tuesday


def test_a_busy_block_shows_at_once(app, htmx_client, world, count_queries):
    url = picker_url(world.brandt.id)
    assert slot("10:00") in warm(htmx_client, count_queries, url)
    busy = BusyBlock(
        advisor_id=world.brandt.id,
        start=at(monday_in(2), "10:00"),
        end=at(monday_in(2), "11:00"),
    )
    change(app, lambda: db.session.add(busy))
    page = htmx_client.get(url).get_data(as_text=True)
    assert slot("10:00") not in page and slot("11:00") in page


def assert_offered_no_more(response) -> None:
    """A link to an advisor no longer offered shows everyone's times and says why."""
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert BRANDT not in page
    assert "nicht (mehr) online buchbar" in page


def test_an_advisor_whose_account_is_deactivated_disappears_at_once(
    app, htmx_client, world, count_queries
):
    assert BRANDT in warm(htmx_client, count_queries, picker_url())
    assert warm(htmx_client, count_queries, picker_url(world.brandt.id))

    def deactivate_account():
        db.session.get(Advisor, world.brandt.id).user.active = False

    change(app, deactivate_account)
    assert BRANDT not in htmx_client.get(picker_url()).get_data(as_text=True)
    assert_offered_no_more(htmx_client.get(picker_url(world.brandt.id)))


def test_an_advisor_renamed_shows_at_once(app, htmx_client, world, count_queries):
    assert BRANDT in warm(htmx_client, count_queries, picker_url())

    def rename():
        db.session.get(Advisor, world.brandt.id).user.name = "Dr. Katharina Brandt-Wolf"

    change(app, rename)
    assert "Brandt-Wolf" in htmx_client.get(picker_url()).get_data(as_text=True)


def test_an_advisor_profile_deactivated_disappears_at_once(app, htmx_client, world, count_queries):
    assert BRANDT in warm(htmx_client, count_queries, picker_url())
    assert warm(htmx_client, count_queries, picker_url(world.brandt.id))
    change(app, lambda: setattr(db.session.get(Advisor, world.brandt.id), "active", False))
    assert BRANDT not in htmx_client.get(picker_url()).get_data(as_text=True)
    assert_offered_no_more(htmx_client.get(picker_url(world.brandt.id)))


def test_a_changed_consultation_type_shows_at_once(app, htmx_client, world, count_queries):
    url = picker_url(world.brandt.id)
    assert slot("16:30") in warm(htmx_client, count_queries, url)
    change(
        app,
        lambda: setattr(db.session.get(ConsultationType, world.ctype.id), "duration_minutes", 60),
    )
    page = htmx_client.get(url).get_data(as_text=True)
    assert slot("16:30") not in page and slot("16:00") in page


def test_an_advisor_taken_off_the_topic_disappears_at_once(app, htmx_client, world, count_queries):
    assert BRANDT in warm(htmx_client, count_queries, picker_url())

    def without_brandt():
        topic = db.session.get(Topic, world.topic.id)
        topic.advisors = [a for a in topic.advisors if a.id != world.brandt.id]

    change(app, without_brandt)
    assert BRANDT not in htmx_client.get(picker_url()).get_data(as_text=True)
    assert_offered_no_more(htmx_client.get(picker_url(world.brandt.id)))


def test_a_released_expired_hold_shows_at_once(app, htmx_client, world, count_queries):
    book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    url = picker_url(world.brandt.id)
    assert slot("10:00") not in warm(htmx_client, count_queries, url)
    later = utcnow() + timedelta(hours=1)
    change(app, lambda: service.release_expired_holds(later))
    assert slot("10:00") in htmx_client.get(url).get_data(as_text=True)


def test_other_peoples_changes_leave_the_cache_alone(app, htmx_client, world, count_queries):
    """A login or a client's profile change is no calendar change: the cache stays warm."""
    url = picker_url(world.brandt.id)
    warm(htmx_client, count_queries, url)

    def client_renamed():
        db.session.get(User, world.client.id).name = "Andreas Krüger-Lang"

    change(app, client_renamed)
    book(app, world, at(monday_in(2), "10:00"), advisor="becker")  # another advisor
    with count_queries() as repeat:
        htmx_client.get(url)
    assert len(repeat) <= 4  # the versions are read again, the fragment is still cached


@pytest.mark.postgres
def test_bookings_of_different_advisors_do_not_wait_for_each_other(app, world):
    """One booking stays open (uncommitted) while a booking with another advisor commits."""
    with writing(app):
        service.book(
            ctype=db.session.get(ConsultationType, world.ctype.id),
            topic=db.session.get(Topic, world.topic.id),
            advisor=db.session.get(Advisor, world.brandt.id),
            start=at(monday_in(2), "10:00"),
            agenda="Offen",
            booker=db.session.get(User, world.client.id),
        )
        db.session.flush()  # holds whatever it locks until the end of this block
        # A second request: its own app context, so its own session and connection.
        with app.app_context(), app.test_request_context():
            db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            service.book(
                ctype=db.session.get(ConsultationType, world.ctype.id),
                topic=db.session.get(Topic, world.topic.id),
                advisor=db.session.get(Advisor, world.becker.id),
                start=at(monday_in(2), "10:00"),
                agenda="Parallel",
                booker=db.session.get(User, world.client.id),
            )
            db.session.commit()
        db.session.rollback()
    with app.app_context():
        advisors = db.session.scalars(sa.select(Booking.advisor_id)).all()
    assert advisors == [world.becker.id]
