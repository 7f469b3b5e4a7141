"""The agenda, the advisor workspace's home: today, a week of bookings, the guest bookings
waiting for confirmation, and past meetings that still need an outcome.

The page's clock is fixed at Wednesday, 9 December 2026, 10:00 in Berlin, so every test
knows which bookings are today, this week, past or upcoming."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.advisor import agenda, agenda_routes
from app.extensions import db
from app.main.navigation import nav_current
from app.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    Role,
    User,
)
from tests.booking_support import organisation_of, user_of
from tests.conftest import HX
from tests.test_html import audit

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 9, 10, 0, tzinfo=BERLIN).astimezone(UTC)  # a Wednesday
MONDAY = date(2026, 12, 7)
PAGE = "/berater/"


def berlin(day: date, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def on(weekday: int, clock: str, weeks: int = 0) -> datetime:
    """A time on a weekday (0 = Monday) of the page's week, or ``weeks`` later."""
    return berlin(MONDAY + timedelta(days=weekday, weeks=weeks), clock)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(agenda_routes, "utcnow", lambda: NOW)


@pytest.fixture
def brandt(auth, app, world):
    """Logged in as the advisor Dr. Katharina Brandt."""
    auth.login(user_of(app, world.brandt).email)
    return world.brandt


def place(
    app,
    world,
    start: datetime,
    *,
    minutes: int = 30,
    status: str = "confirmed",
    guest: str | None = None,
    advisor: str = "brandt",
    hold: timedelta = timedelta(minutes=30),
) -> int:
    """A booking stored as it is, whatever the hours and the clock (the service would
    refuse times in the past or outside hours, which the agenda must show all the same).
    ``guest`` is a guest's company; else the world's client booked it."""
    with app.app_context():
        end = start + timedelta(minutes=minutes)
        booking = Booking(
            uid=secrets.token_hex(8),
            advisor_id=getattr(world, advisor).id,
            consultation_type_id=world.ctype.id,
            topic_id=world.topic.id,
            start=start,
            end=end,
            blocked_from=start,
            blocked_until=end + timedelta(minutes=15),
            status=status,
            agenda="Wie digitalisieren wir unser Labor?",
        )
        if guest:
            booking.guest_name, booking.guest_email = "Eva Gast", "eva@gast.example"
            booking.guest_company = guest
        else:
            booking.booked_by_id = world.client.id
            booking.organisation_id = world.client.organisation_id
        if status == "pending":
            booking.hold_expires_at = NOW + hold
        db.session.add(booking)
        db.session.commit()
        return booking.id


def section(html: str, title_id: str) -> str:
    """The part of the page in the ``<section>`` labelled by ``title_id``."""
    start = html.index(f'aria-labelledby="{title_id}"')
    return html[start : html.index("</section>", start)]


def week_days(html: str) -> dict[str, str]:
    """Each day's heading → its part of the week list."""
    week = section(html, "week-title")
    parts = re.split(r'<h3 class="week-day-name">', week)[1:]
    return {part.split("<", 1)[0].strip(): part for part in parts}


def details(booking_id: int) -> str:
    return f'href="/berater/termin/{booking_id}"'


# ---------------------------------------------------------------------------------- today


def test_today_lists_each_booking_with_time_company_type_topic_and_contact(
    app, client, brandt, world
):
    morning = place(app, world, on(2, "11:00"))
    guest = place(app, world, on(2, "14:00"), minutes=60, guest="Gast GmbH")
    tomorrow = place(app, world, on(3, "09:00"))

    today = section(client.get(PAGE).get_data(as_text=True), "today-title")

    company = organisation_of(app, world.client).name
    assert "Mittwoch, 9. Dezember" in today
    assert today.index("11:00–11:30") < today.index(company) < today.index("14:00–15:00")
    assert "Erstgespräch Digitalisierung · Digitalisierung · Andreas Krüger" in today
    assert "Gast GmbH" in today and "Eva Gast" in today
    assert details(morning) in today and details(guest) in today
    assert details(tomorrow) not in today


def test_times_are_in_the_viewers_zone_and_the_zone_is_named(app, client, brandt, world):
    place(app, world, on(2, "11:00"))
    with app.app_context():
        db.session.get(User, user_of(app, brandt).id).timezone = "Europe/London"
        db.session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert "10:00–10:30" in section(html, "today-title")
    assert "Zeiten in der Zeitzone Europe/London" in html


def test_a_day_without_bookings_says_so(client, brandt):
    assert "Heute stehen keine Termine an." in client.get(PAGE).get_data(as_text=True)


# ----------------------------------------------------------------------------------- week


def test_the_week_lists_monday_to_sunday_with_each_booking_on_its_day(app, client, brandt, world):
    monday = place(app, world, on(0, "09:00"))
    friday = place(app, world, on(4, "16:00"))
    sunday = place(app, world, on(6, "10:00"))
    next_monday = place(app, world, on(0, "09:00", weeks=1))

    html = client.get(PAGE).get_data(as_text=True)
    days = week_days(html)

    assert list(days) == [
        "Mo., 7. Dez.",
        "Di., 8. Dez.",
        "Mi., 9. Dez.",
        "Do., 10. Dez.",
        "Fr., 11. Dez.",
        "Sa., 12. Dez.",
        "So., 13. Dez.",
    ]
    assert details(monday) in days["Mo., 7. Dez."]
    assert details(friday) in days["Fr., 11. Dez."]
    assert details(sunday) in days["So., 13. Dez."]
    assert "heute" in days["Mi., 9. Dez."] and "Keine Termine" in days["Di., 8. Dez."]
    assert details(next_monday) not in html
    assert "Woche 50" in section(html, "week-title")


def test_a_booking_belongs_to_the_viewers_local_day_it_starts_on(app, world):
    """00:30 in Berlin on Thursday is 23:30 on Wednesday in London."""
    booking_id = place(app, world, on(3, "00:30"))
    with app.test_request_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        berlin_days = agenda.build(advisor, NOW, BERLIN, MONDAY).week
        london_days = agenda.build(advisor, NOW, ZoneInfo("Europe/London"), MONDAY).week
    assert [row.id for row in berlin_days[3].rows] == [booking_id]
    assert [row.id for row in london_days[2].rows] == [booking_id]


def test_week_links_lead_to_the_weeks_before_and_after(app, client, brandt, world):
    later = place(app, world, on(1, "10:00", weeks=2))
    html = client.get(PAGE).get_data(as_text=True)
    assert 'rel="prev" href="/berater/?woche=2026-11-30"' in html
    assert 'rel="next" href="/berater/?woche=2026-12-14"' in html
    assert "Diese Woche</a>" not in html  # already there

    other = client.get("/berater/?woche=2026-12-23").get_data(as_text=True)  # any day of it
    assert details(later) in section(other, "week-title")
    assert 'rel="prev" href="/berater/?woche=2026-12-14"' in other
    assert 'href="/berater/">Diese Woche</a>' in other
    assert "Heute stehen keine Termine an." in other  # today stays today


UNREADABLE_WEEKS = ["", "morgen", "2026-02-30", "2026-13-01", "9999-12-31", "1999-12-31",
                    "2101-01-01", "2026-12-09\n", "2" * 100_000, "-1", "2026-W50"]  # fmt: skip


@pytest.mark.parametrize("value", UNREADABLE_WEEKS)
def test_unreadable_or_absurd_weeks_show_this_week(client, brandt, value):
    response = client.get(PAGE, query_string={"woche": value})
    assert response.status_code == 200
    assert "Woche 50" in section(response.get_data(as_text=True), "week-title")


def test_a_nul_byte_in_the_week_is_refused_with_a_message(client, brandt):
    response = client.get(PAGE, query_string={"woche": "2026-12-09\x00"})
    assert response.status_code == 400  # app/edges.py, before any view
    assert "Steuerzeichen" in response.get_data(as_text=True)


def test_week_links_stop_at_the_years_a_link_may_name(client, brandt):
    first = client.get("/berater/?woche=2000-01-05").get_data(as_text=True)
    assert "3. Jan. 2000 –" in first and 'rel="prev"' not in first and 'rel="next"' in first
    last = client.get("/berater/?woche=2100-12-31").get_data(as_text=True)
    assert 'rel="next"' not in last and 'rel="prev"' in last


# ------------------------------------------------------------------- states and conflicts


def test_pending_guest_bookings_are_marked_and_counted_in_the_header(app, client, brandt, world):
    waiting = place(app, world, on(3, "10:00"), status="pending", guest="Gast GmbH")
    place(app, world, on(1, "10:00", weeks=3), status="pending", guest="Später GmbH")
    expired = place(
        app, world, on(4, "10:00"), status="pending", guest="Weg GmbH", hold=-timedelta(1)
    )
    place(app, world, on(4, "11:00"))

    html = client.get(PAGE).get_data(as_text=True)

    assert re.search(r'agenda-count">2</span> unbestätigte Gastbuchungen', html)
    thursday = week_days(html)["Do., 10. Dez."]
    assert details(waiting) in thursday and "unbestätigt</span>" in thursday
    assert details(expired) not in html  # an expired hold held nothing


def test_cancelled_bookings_stay_struck_through_and_are_never_a_conflict(
    app, client, brandt, world
):
    cancelled = place(app, world, on(5, "10:00"), status="cancelled")  # a Saturday
    html = client.get(PAGE).get_data(as_text=True)
    saturday = week_days(html)["Sa., 12. Dez."]
    assert details(cancelled) in saturday
    assert 'class="agenda-entry is-cancelled"' in saturday and "abgesagt" in saturday
    assert "außerhalb Ihrer Zeiten" not in saturday


def test_upcoming_bookings_outside_the_current_hours_are_marked(app, client, brandt, world):
    saturday = place(app, world, on(5, "10:00"))  # no hours at weekends
    evening = place(app, world, on(3, "18:00"))  # hours end at 17:00
    inside = place(app, world, on(3, "10:00"))
    past = place(app, world, on(0, "07:00"))  # over: nothing to decide any more

    days = week_days(client.get(PAGE).get_data(as_text=True))

    def marked(day: str, booking_id: int) -> bool:
        entry = days[day].split(details(booking_id))[1].split("</li>")[0]
        return "außerhalb Ihrer Zeiten" in entry

    assert marked("Sa., 12. Dez.", saturday) and marked("Do., 10. Dez.", evening)
    assert not marked("Do., 10. Dez.", inside) and not marked("Mo., 7. Dez.", past)


def test_the_outside_hours_mark_follows_the_hours_across_a_clock_change(app, world):
    """Marked is what lies outside the weekly hours (Mon–Fri 09–17) or, on a day with special
    hours (28 October: 07–11), outside those; also in the week the clocks go back (25
    October 2026), read on the wall clock as the advisor set them."""
    special = date(2026, 10, 28)
    with app.app_context():
        db.session.add(
            AvailabilityException(
                advisor_id=world.brandt.id,
                first_day=special,
                last_day=special,
                start_time=time(7),
                end_time=time(11),
            )
        )
        db.session.commit()
    monday = date(2026, 10, 19)
    clock_now = berlin(monday, "00:00")
    expected = {}
    for day in (monday + timedelta(days=n) for n in range(10)):
        for hour, minute in ((6, 30), (8, 0), (9, 0), (10, 30), (12, 0), (16, 45), (18, 0)):
            start = time(hour, minute)
            end = time(hour, minute + 30) if minute < 30 else time(hour + 1, minute - 30)
            if day == special:
                inside = time(7) <= start and end <= time(11)
            else:
                inside = day.weekday() < 5 and time(9) <= start and end <= time(17)
            booking_id = place(app, world, berlin(day, f"{hour:02d}:{minute:02d}"))
            expected[booking_id] = not inside
    with app.test_request_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        shown = agenda.build(advisor, clock_now, BERLIN, monday).week
        shown += agenda.build(advisor, clock_now, BERLIN, monday + timedelta(weeks=1)).week
        marked = {row.id: row.outside_hours for day in shown for row in day.rows}
    assert marked == expected


def test_an_attached_canvas_is_named_on_the_booking(app, client, brandt, world, make):
    from tests.canvas_support import make_canvas

    canvas_id = make_canvas(app, world.client, title="Kreislauf-Chemie")
    booking_id = place(app, world, on(3, "10:00"))
    with app.app_context():
        db.session.get(Booking, booking_id).canvas_id = canvas_id
        db.session.commit()
    thursday = week_days(client.get(PAGE).get_data(as_text=True))["Do., 10. Dez."]
    assert f'href="/canvas/{canvas_id}">Kreislauf-Chemie — Entwurf</a>' in thursday


# --------------------------------------------------------------------- needs an outcome


def test_past_confirmed_bookings_wait_for_an_outcome_newest_first(app, client, brandt, world):
    older = place(app, world, on(1, "10:00"))
    newer = place(app, world, on(2, "08:00"))
    for status in ("completed", "no_show", "cancelled"):
        place(app, world, on(1, "14:00"), status=status)
    running = place(app, world, on(2, "09:45"))  # ends 10:15, after now

    outcomes = section(client.get(PAGE).get_data(as_text=True), "outcomes-title")

    assert 'agenda-count">2</span>' in outcomes
    assert outcomes.index(details(newer)) < outcomes.index(details(older))
    assert outcomes.count('href="/berater/termin/') == 2
    assert details(running) not in outcomes


def test_the_outcome_list_shows_the_newest_twenty_with_the_total(app, client, brandt, world):
    ids = [place(app, world, on(0, "08:00", weeks=-n)) for n in range(23)]
    outcomes = section(client.get(PAGE).get_data(as_text=True), "outcomes-title")
    assert outcomes.count('href="/berater/termin/') == agenda.OUTCOME_LIMIT == 20
    assert details(ids[0]) in outcomes and details(ids[-1]) not in outcomes
    assert "Die neuesten 20 von 23." in outcomes


def test_nothing_waiting_for_an_outcome_says_all_done(client, brandt):
    outcomes = section(client.get(PAGE).get_data(as_text=True), "outcomes-title")
    assert "Kein vergangener Termin wartet auf sein Ergebnis." in outcomes


# ------------------------------------------------------------------ first steps, empty


def test_an_advisor_without_hours_is_shown_the_first_steps(app, client, brandt):
    with app.app_context():
        db.session.execute(sa.delete(AvailabilityRule))
        db.session.commit()
    first_steps = section(client.get(PAGE).get_data(as_text=True), "first-steps-title")
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', first_steps)
    assert links == [
        ("/berater/zeiten", "Zeiten eintragen"),
        ("/berater/einstellungen", "Buchungsregeln prüfen"),
        ("/berater/kalender", "Kalender verbinden"),
    ]


def test_with_hours_and_no_bookings_the_week_is_a_friendly_empty_state(client, brandt):
    html = client.get(PAGE).get_data(as_text=True)
    assert "first-steps-title" not in html
    week = section(html, "week-title")
    assert "In dieser Woche ist noch nichts gebucht." in week
    assert 'href="/berater/vorschau"' in week
    assert "week-day-name" not in week  # not seven empty days


# ---------------------------------------------------------------------------- who sees it


def test_another_advisors_bookings_are_never_shown(app, client, brandt, world):
    own = place(app, world, on(2, "11:00"))
    theirs = [
        place(app, world, on(2, "12:00"), advisor="becker"),  # today
        place(app, world, on(4, "12:00"), advisor="becker"),  # this week
        place(app, world, on(0, "12:00"), advisor="becker"),  # waiting for an outcome
        place(app, world, on(3, "12:00"), advisor="becker", status="pending", guest="X"),
    ]
    html = client.get(PAGE).get_data(as_text=True)
    assert details(own) in html
    assert not any(details(booking_id) in html for booking_id in theirs)
    assert "unbestätigte Gastbuchung" not in html
    assert "Kein vergangener Termin wartet" in html


@pytest.mark.parametrize("role", [Role.CLIENT, Role.ADMIN])
def test_only_advisors_have_an_agenda(client, auth, make, role):
    auth.login(make.user(role=role).email)
    assert client.get(PAGE).status_code == 403


def test_anonymous_visitors_are_asked_to_log_in(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/konto/anmelden?next=")


def test_an_advisor_account_without_a_profile_gets_404(client, auth, make):
    auth.login(make.user(role=Role.ADVISOR).email)
    assert client.get(PAGE).status_code == 404


# ------------------------------------------------------------- navigation and old address


def test_one_workspace_link_marks_every_workspace_page(client, brandt):
    html = client.get(PAGE).get_data(as_text=True)
    assert 'href="/berater/" aria-current="page">Arbeitsplatz</a>' in html
    assert "Meine Beratungen" not in html
    assert nav_current("advisor.agenda", "advisor.calendar") == "true"
    assert nav_current("advisor.agenda", "advisor.booking") == "true"
    assert nav_current("advisor.agenda", "booking.my_bookings") is None
    calendar = client.get("/berater/kalender").get_data(as_text=True)
    assert 'href="/berater/" aria-current="true">Arbeitsplatz</a>' in calendar


def test_the_old_list_address_moved_for_good(client, brandt):
    response = client.get("/beratung/beratungen")
    assert response.status_code == 301
    assert response.headers["Location"] == "/berater/"


def test_the_page_keeps_the_markup_rules(app, client, brandt, world):
    for weekday in range(7):
        place(app, world, on(weekday, "10:00"))
    place(app, world, on(3, "11:00"), status="pending", guest="Gast GmbH")
    place(app, world, on(0, "08:00", weeks=-1))
    found = audit(client.get(PAGE).get_data(as_text=True))
    assert [name for name, count in found.ids.items() if count > 1] == []


def test_htmx_navigation_gets_the_whole_page_as_a_boost(client, brandt):
    boosted = client.get(PAGE, headers={**HX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in boosted


# --------------------------------------------------------------------------- performance


def test_the_week_costs_the_same_statements_for_2_or_40_bookings(
    app, client, brandt, world, count_queries
):
    def fill(count: int, offset: int) -> None:
        for n in range(offset, count):
            weekday, slot = divmod(n, 8)
            weekday += 3  # from Thursday on: upcoming, so the hours are checked
            guest = "Gast GmbH" if n % 4 == 0 else None
            status = "pending" if n % 5 == 0 and guest else "confirmed"
            place(app, world, on(weekday % 7, f"{9 + slot}:00"), guest=guest, status=status)
        place(app, world, on(0, "08:00", weeks=-1 - offset))  # one more needing an outcome

    fill(2, 0)
    client.get(PAGE)
    with count_queries() as few:
        client.get(PAGE)
    fill(40, 2)
    with count_queries() as many:
        html = client.get(PAGE).get_data(as_text=True)
    assert html.count('href="/berater/termin/') >= 40
    assert len(many) == len(few), "\n".join(many)
