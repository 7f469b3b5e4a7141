"""The advisor's calendar subscription: the lean writer against ``events.event``, and the
``/kalender/<token>.ics`` feed as a calendar app sees it (window, statuses, privacy, ETag)."""

from __future__ import annotations

import gzip
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.advisor import feed as feed_view
from app.advisor.feed import WINDOW
from app.booking import service
from app.calendar import events
from app.calendar.feed import LIMIT, clean_line, clean_text, feed, fold
from app.extensions import db
from app.models import Advisor, Booking, ConsultationType, Topic, User
from app.models.types import utcnow
from tests.booking_support import GUEST, at, book, monday_in, reschedule, writing

STAMP = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
HUB = events.Person("Industry Hub", "beratung@hub.example")
# Properties the feed writes; each must read back as events.event() makes it.
PROPERTIES = (
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SEQUENCE",
    "STATUS",
    "SUMMARY",
    "LOCATION",
    "DESCRIPTION",
    "URL",
    "TRANSP",
)
HOSTILE = (
    "Zeile 1\r\nZeile 2\nZeile 3\rEnde; Semikolon, Komma \\ Backslash \\n kein Umbruch "
    'Anführung " Doppelpunkt: ÄÖÜß 😀🇩🇪 NUL\x00 Glocke\x07 Tab\t'
)


def meeting(**fields) -> events.Meeting:
    values = {
        "uid": "0f3c9a@hub.example",
        "sequence": 2,
        "start": datetime(2026, 12, 10, 9, 0, tzinfo=UTC),
        "end": datetime(2026, 12, 10, 9, 30, tzinfo=UTC),
        "summary": "Andreas Krüger (Rheinchem GmbH) – Erstgespräch Digitalisierung",
        "location": "https://meet.hub.example/sprechstunde-abc",
        "description": "Erstgespräch\nMit: Andreas Krüger\nWo: Videokonferenz",
        "organizer": HUB,
        "video_link": "https://meet.hub.example/sprechstunde-abc",
        "alarm_before": None,
        "stamp": STAMP,
    }
    return events.Meeting(**{**values, **fields})


def parsed_events(text: str) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(text).walk("VEVENT")


def assert_same_event(written: icalendar.Event, expected: icalendar.Event) -> None:
    for name in PROPERTIES:
        assert (name in written) == (name in expected), name
        if name in expected:
            assert written.decoded(name) == expected.decoded(name), name
            assert dict(written[name].params) == dict(expected[name].params), name


def test_every_property_reads_back_as_the_invite_builder_writes_it() -> None:
    meetings = [
        meeting(),
        meeting(uid="b@hub.example", cancelled=True, sequence=5, language="en"),
        meeting(uid="c@hub.example", location="", video_link=None, stamp=None),
    ]
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    written = parsed_events(
        feed(meetings, name="Sprechstunde", refresh=timedelta(minutes=15), now=now)
    )
    assert len(written) == 3
    for vevent, one in zip(written, meetings, strict=True):
        expected = events.event(replace(one, stamp=one.stamp or now), events.PUBLISH)
        assert_same_event(vevent, expected)
    assert str(written[1]["STATUS"]) == "CANCELLED"
    assert str(written[1]["TRANSP"]) == "TRANSPARENT"
    assert "ORGANIZER" not in written[0] and "ATTENDEE" not in written[0]


def test_a_remembered_event_still_gets_the_current_dtstamp() -> None:
    one = meeting(stamp=None)
    first, later = STAMP, STAMP + timedelta(hours=3)
    [a] = parsed_events(feed([one], name="x", refresh=timedelta(minutes=15), now=first))
    [b] = parsed_events(feed([one], name="x", refresh=timedelta(minutes=15), now=later))
    assert a.decoded("DTSTAMP") == first and b.decoded("DTSTAMP") == later
    assert a.decoded("DESCRIPTION") == b.decoded("DESCRIPTION")


def test_calendar_header_names_the_feed_and_asks_for_refreshes() -> None:
    name, refresh = "Sprechstunde – Dr. Katharina Brandt; Köln, \\ Büro", timedelta(minutes=15)
    text = feed([], name=name, refresh=refresh)
    ours = icalendar.Calendar.from_ical(text)
    theirs = icalendar.Calendar.from_ical(events.calendar([], events.PUBLISH))
    for prop in ("PRODID", "VERSION", "CALSCALE", "METHOD"):
        assert ours.decoded(prop) == theirs.decoded(prop), prop
    assert str(ours["METHOD"]) == "PUBLISH"
    assert ours.decoded("REFRESH-INTERVAL") == refresh
    lines = text.split("\r\n")
    assert "X-PUBLISHED-TTL:PT15M" in lines
    # NAME (RFC 7986) and X-WR-CALNAME are TEXT: escaped, unlike icalendar 7's vUnknown.
    escaped = icalendar.vText(name).to_ical().decode()
    assert f"X-WR-CALNAME:{escaped}" in lines and f"NAME:{escaped}" in lines


@pytest.mark.parametrize("size", [1, 10_000])
def test_hostile_text_round_trips(size: int) -> None:
    text = (HOSTILE * (size // len(HOSTILE) + 1))[: max(size, len(HOSTILE))]
    one = meeting(summary=text, location=text, description=text)
    written = feed([one], name=text, refresh=timedelta(minutes=15))
    [vevent] = parsed_events(written)
    assert_same_event(vevent, events.event(one, events.PUBLISH))
    assert "\x00" not in vevent.decoded("DESCRIPTION")
    assert "Semikolon, Komma \\ Backslash \\n kein" in vevent.decoded("SUMMARY")


def test_lines_are_folded_at_75_octets_with_crlf() -> None:
    text = ("Grüße 😀 aus Köln; " * 600)[:10_000]
    written = feed([meeting(description=text)], name="x", refresh=timedelta(minutes=15))
    raw = written.encode()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= LIMIT
        line.decode()  # every physical line is whole UTF-8: no sequence split


@given(st.text(min_size=0, max_size=400))
def test_folding_never_splits_a_character_or_an_escape(text: str) -> None:
    escaped = icalendar.vText(text).to_ical().decode()
    line = f"DESCRIPTION:{escaped}"
    folded = fold(line)
    physical = folded.encode().split(b"\r\n")
    assert folded.replace("\r\n ", "") == line
    for number, part in enumerate(physical):
        assert len(part) <= LIMIT
        chunk = part.decode()  # raises if a UTF-8 sequence was cut
        if number < len(physical) - 1:
            body = chunk[1:] if number else chunk
            trailing = len(body) - len(body.rstrip("\\"))
            assert trailing % 2 == 0  # no backslash parted from what it escapes


@given(st.text(max_size=200) | st.text(st.sampled_from(" \t\n\r\x00\x85a\xa0\u2028\u3000é😀,;\\")))
def test_the_quick_cleaning_is_the_invites_cleaning(text: str) -> None:
    assert clean_text(text) == events.plain_text(text)
    assert clean_line(text) == events.one_line(text)


# ------------------------------------------------------------------ the feed over HTTP


def feed_token(app, advisor: Advisor) -> str:
    token = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.get(Advisor, advisor.id).feed_token = token
        db.session.commit()
    return token


def insert(app, world, start: datetime, status: str, *, advisor="brandt", confirmed=True, **fields):
    """A booking row as history leaves it (past or finished ones cannot be booked now)."""
    with app.app_context():
        ctype_minutes = 30
        booking = Booking(
            uid=f"{secrets.token_hex(16)}@hub.example",
            advisor_id=getattr(world, advisor).id,
            consultation_type_id=world.ctype.id,
            topic_id=world.topic.id,
            booked_by_id=world.client.id,
            organisation_id=db.session.get(User, world.client.id).organisation_id,
            start=start,
            end=start + timedelta(minutes=ctype_minutes),
            blocked_from=start,
            blocked_until=start + timedelta(minutes=ctype_minutes + 15),
            status=status,
            confirmed_at=start - timedelta(days=3) if confirmed else None,
            agenda="Geheime Agenda zur Rezeptur",
            **fields,
        )
        db.session.add(booking)
        db.session.commit()
        return booking.uid


def events_by_uid(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return {str(e["UID"]): e for e in parsed_events(response.get_data(as_text=True))}


@pytest.fixture
def subscribed(app, world):
    return feed_token(app, world.brandt)


def test_feed_lists_the_window_with_cancelled_meetings_marked(app, client, world, subscribed):
    now = utcnow()
    confirmed = insert(app, world, at(monday_in(2), "10:00"), "confirmed")
    cancelled = insert(app, world, at(monday_in(2), "11:00"), "cancelled")
    completed = insert(app, world, now - timedelta(days=80), "completed")
    no_show = insert(app, world, now - timedelta(days=30), "no_show")
    too_old = insert(app, world, now - WINDOW - timedelta(days=2), "completed")
    expired_hold = insert(app, world, at(monday_in(3), "10:00"), "cancelled", confirmed=False)
    others = insert(app, world, at(monday_in(2), "10:00"), "confirmed", advisor="becker")

    listed = events_by_uid(client.get(f"/kalender/{subscribed}.ics"))

    assert set(listed) == {confirmed, cancelled, completed, no_show}
    assert {too_old, expired_hold, others}.isdisjoint(listed)
    assert str(listed[cancelled]["STATUS"]) == "CANCELLED"
    assert listed[cancelled].decoded("SUMMARY").startswith("Abgesagt:")
    assert {str(listed[uid]["STATUS"]) for uid in (confirmed, completed, no_show)} == {"CONFIRMED"}


def test_feed_shows_what_the_advisor_needs_and_no_contact_data(app, client, world, subscribed):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        uid, start, end = booking.uid, booking.start, booking.end
        email = booking.contact_email
    text = client.get(f"/kalender/{subscribed}.ics").get_data(as_text=True)
    event = events_by_uid(client.get(f"/kalender/{subscribed}.ics"))[uid]

    assert event.decoded("DTSTART") == start and event.decoded("DTEND") == end
    summary = event.decoded("SUMMARY")
    assert "Andreas Krüger" in summary and "Firma" in summary  # name and company
    description = event.decoded("DESCRIPTION")
    assert f"/konto/anmelden?next=/beratung/termin/{uid}" in description
    assert "Erstgespräch Digitalisierung" in description
    assert email not in text and "@firma.example" not in text
    assert "Wie digitalisieren wir unser Labor?" not in text  # the agenda stays behind login
    assert "X-WR-CALNAME:Sprechstunde – Dr. Katharina Brandt" in text


def test_a_confirmed_guest_is_listed_without_their_address(app, client, world, subscribed):
    with writing(app):
        ctype = db.session.get(ConsultationType, world.ctype.id)
        booking = service.book(
            ctype=ctype,
            topic=db.session.get(Topic, world.topic.id),
            advisor=db.session.get(Advisor, world.brandt.id),
            start=at(monday_in(2), "14:00"),
            agenda="Agenda",
            booker=None,
            guest=GUEST,
        )
        db.session.commit()
        pending_uid = booking.uid
    assert pending_uid not in events_by_uid(client.get(f"/kalender/{subscribed}.ics"))
    with writing(app):
        service.confirm_guest_booking(
            db.session.scalar(sa.select(Booking).where(Booking.uid == pending_uid))
        )
        db.session.commit()
    text = client.get(f"/kalender/{subscribed}.ics").get_data(as_text=True)
    event = events_by_uid(client.get(f"/kalender/{subscribed}.ics"))[pending_uid]
    assert event.decoded("SUMMARY").startswith("Eva Gast (Gast GmbH)")
    assert GUEST.email not in text


def test_feed_is_in_the_advisors_language(app, client, world, subscribed):
    with app.app_context():
        db.session.get(User, world.brandt.user_id).locale = "en"
        db.session.commit()
    uid = insert(app, world, at(monday_in(2), "10:00"), "cancelled")
    event = events_by_uid(client.get(f"/kalender/{subscribed}.ics"))[uid]
    assert event["SUMMARY"].params["LANGUAGE"] == "en"
    assert "First consultation" in event.decoded("DESCRIPTION")


def test_unknown_and_malformed_tokens_are_404(client, subscribed):
    assert client.get(f"/kalender/{secrets.token_urlsafe(32)}.ics").status_code == 404
    assert client.get("/kalender/x.ics").status_code == 404
    assert client.get(f"/kalender/{subscribed[:-1]}.ics").status_code == 404


def test_feed_needs_no_login_and_sets_no_cookie(client, subscribed):
    response = client.get(f"/kalender/{subscribed}.ics")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "private, max-age=0, must-revalidate"


def test_an_unchanged_feed_answers_304_with_one_query(
    app, client, world, subscribed, count_queries
):
    insert(app, world, at(monday_in(2), "10:00"), "confirmed")
    first = client.get(f"/kalender/{subscribed}.ics")
    etag = first.headers["ETag"]
    with count_queries() as counted:
        again = client.get(f"/kalender/{subscribed}.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert len(counted) == 1


def test_a_booking_change_makes_a_new_etag(app, client, world, subscribed):
    etag = client.get(f"/kalender/{subscribed}.ics").headers["ETag"]
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    changed = client.get(f"/kalender/{subscribed}.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    with app.app_context():
        assert db.session.get(Booking, booking_id).uid in events_by_uid(changed)


def test_an_unchanged_feed_is_read_from_the_cache_even_when_asked_unconditionally(
    app, client, world, subscribed, count_queries
):
    # Google and others poll without If-None-Match: the feed is not written again.
    insert(app, world, at(monday_in(2), "10:00"), "confirmed")
    first = client.get(f"/kalender/{subscribed}.ics")
    with count_queries() as counted:
        again = client.get(f"/kalender/{subscribed}.ics")
    assert again.status_code == 200 and len(counted) == 1
    assert again.get_data() == first.get_data()


def test_a_client_that_accepts_gzip_gets_the_same_feed_compressed(app, client, world, subscribed):
    for day in range(1, 30):
        insert(app, world, utcnow() + timedelta(days=day), "confirmed")
    plain = client.get(f"/kalender/{subscribed}.ics")
    packed = client.get(f"/kalender/{subscribed}.ics", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    for response in (plain, packed):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) * 5 < len(plain.get_data())


def test_a_changed_booking_is_written_anew_and_the_others_are_kept(app, client, world, subscribed):
    kept = book(app, world, at(monday_in(2), "10:00"))
    moved = book(app, world, at(monday_in(2), "14:00"))
    before = events_by_uid(client.get(f"/kalender/{subscribed}.ics"))
    reschedule(app, moved, at(monday_in(3), "11:00"))
    after = events_by_uid(client.get(f"/kalender/{subscribed}.ics"))
    with app.app_context():
        kept_uid, moved_uid = (db.session.get(Booking, b).uid for b in (kept, moved))
    assert after[moved_uid].decoded("DTSTART") == at(monday_in(3), "11:00")
    assert int(after[moved_uid]["SEQUENCE"]) == int(before[moved_uid]["SEQUENCE"]) + 1
    assert after[kept_uid].decoded("DTSTART") == before[kept_uid].decoded("DTSTART")
    assert str(after[kept_uid]["SUMMARY"]) == str(before[kept_uid]["SUMMARY"])


def test_a_full_memo_of_entries_is_emptied_and_the_feed_stays_whole(
    app, client, world, subscribed, monkeypatch
):
    monkeypatch.setattr(feed_view, "ENTRIES_KEPT", 2)
    booked = [book(app, world, at(monday_in(2), clock)) for clock in ("09:00", "11:00", "14:00")]
    assert len(events_by_uid(client.get(f"/kalender/{subscribed}.ics"))) == 3
    reschedule(app, booked[0], at(monday_in(3), "10:00"))
    after = events_by_uid(client.get(f"/kalender/{subscribed}.ics"))
    assert len(after) == 3 and len(feed_view._ENTRIES) <= 3


def test_the_feed_costs_two_queries_however_many_bookings(
    app, client, world, subscribed, count_queries
):
    def queries() -> int:
        with count_queries() as counted:
            assert client.get(f"/kalender/{subscribed}.ics").status_code == 200
        return len(counted)

    few = queries()
    for day in range(1, 40):
        insert(app, world, utcnow() + timedelta(days=day), "confirmed")
    assert queries() == few == 2


def test_a_deactivated_account_has_no_feed(app, client, world, subscribed):
    with app.app_context():
        db.session.get(User, world.brandt.user_id).active = False
        db.session.commit()
    assert client.get(f"/kalender/{subscribed}.ics").status_code == 404
