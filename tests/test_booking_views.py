"""The booking pages: picker, form, manage link, access for every role, lists."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.booking import service
from app.booking.links import manage_token
from app.extensions import db
from app.models import Booking, Role
from app.models.types import utcnow
from tests.booking_support import (
    GUEST,
    GUEST_FORM,
    at,
    book,
    fetch,
    monday_in,
    organisation_of,
    user_of,
    writing,
)
from tests.conftest import PASSWORD, link_in

SLOT_LINK = re.compile(r'href="(/beratung/buchen\?[^"]+)"')


def picker_url(world, advisor="any", day=None) -> str:
    """The picker on ``day`` (default: the Monday after next, a working day)."""
    day = day or monday_in(2)
    return f"/beratung/termine?type=erstgespraech&topic=digitalisierung&advisor={advisor}&day={day}"


def book_url(world, start, advisor="any") -> str:
    return (
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung"
        f"&advisor={advisor}&start={start:%Y-%m-%dT%H:%MZ}"
    )


def test_booking_starts_at_the_picker_with_everything_to_choose(client, world):
    answer = client.get("/beratung/?topic=digitalisierung")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/beratung/termine?topic=digitalisierung"
    page = client.get("/beratung/", follow_redirects=True).get_data(as_text=True)
    assert '<option value="erstgespraech" selected>Erstgespräch Digitalisierung</option>' in page
    assert '<option value="digitalisierung" selected>Digitalisierung</option>' in page
    assert "Beliebig – erste freie Zeit" in page and "Dr. Katharina Brandt" in page
    assert 'aria-current="step"' in page


def test_picker_shows_the_days_free_times_in_the_viewers_zone(client, world):
    page = client.get(picker_url(world)).get_data(as_text=True)
    assert "Zeiten in Europe/Berlin" in page
    assert ">09:00<" in page and ">16:30<" in page
    assert ">17:00<" not in page
    new_york = at(monday_in(2), "09:00").astimezone(ZoneInfo("America/New_York"))
    # Browsers percent-encode the "/" when app.js writes the zone into the cookie.
    client.set_cookie("tz", "America%2FNew_York")
    page = client.get(picker_url(world)).get_data(as_text=True)
    assert f">{new_york:%H:%M}<" in page
    assert "Zeiten in America/New_York" in page


def test_a_zone_chosen_in_the_picker_wins_and_is_remembered(client, world):
    client.set_cookie("tz", "America%2FNew_York")
    answer = client.get(picker_url(world) + "&tz=Asia/Tokyo")
    page = answer.get_data(as_text=True)
    tokyo = at(monday_in(2), "09:00").astimezone(ZoneInfo("Asia/Tokyo"))
    assert "Zeiten in Asia/Tokyo" in page
    assert '<option value="Asia/Tokyo" selected>' in page
    # The zone travels with the journey: the times link on to the form in Tokyo time.
    assert "tz=Asia/Tokyo" in SLOT_LINK.search(page).group(1)
    assert "zone=Asia/Tokyo" in answer.headers["Set-Cookie"]
    later = client.get(picker_url(world, day=tokyo.date())).get_data(as_text=True)
    assert "Zeiten in Asia/Tokyo" in later, "the choice outlives the browser's own zone"


def test_an_unknown_zone_is_ignored_not_an_error(client, world):
    for zone in ("Mars/Olympus", "../../etc/passwd", "Europe%2FBerl%C3%ADn", "x" * 300):
        answer = client.get(picker_url(world) + f"&tz={zone}")
        assert answer.status_code == 200
        assert "Zeiten in Europe/Berlin" in answer.get_data(as_text=True)


def test_picker_navigation_is_an_htmx_fragment_that_also_works_as_a_link(
    client, htmx_client, world
):
    page = client.get(picker_url(world)).get_data(as_text=True)
    following = (monday_in(2).replace(day=1) + timedelta(days=32)).replace(day=1).isoformat()
    assert f"day={following}" in page, "a link to the next month"
    assert 'data-hx-push-url="true"' in page and 'data-hx-target="#slot-picker"' in page
    fragment = htmx_client.get(picker_url(world, day=following))
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body and 'id="slot-picker"' in body
    assert "HX-Request" in fragment.headers["Vary"]
    # A day or month link swaps the calendar only: the choice form (400 zones) stays out.
    calendar = htmx_client.get(
        picker_url(world, day=following), headers={"HX-Target": "slot-picker"}
    ).get_data(as_text=True)
    assert calendar.lstrip().startswith('<section id="slot-picker"')
    assert 'id="choice-form"' not in calendar and 'id="choice-form"' in body


def test_booked_time_disappears_from_the_picker(app, client, world):
    start = at(monday_in(2), "10:00")
    url = picker_url(world, advisor=str(world.brandt.id))
    assert book_url(world, start, world.brandt.id).split("&start=")[1] in client.get(url).get_data(
        as_text=True
    )
    book(app, world, start)
    assert f"start={start:%Y-%m-%dT%H:%MZ}" not in client.get(url).get_data(as_text=True)


def test_picker_queries_do_not_grow_with_bookings_or_advisors(
    app, client, make, world, count_queries
):
    client.get(picker_url(world))  # warm up: the first request loads more (session, config)
    with count_queries() as few:
        client.get(picker_url(world))
    for clock in ("09:00", "10:00", "11:00", "14:00"):
        book(app, world, at(monday_in(2), clock))
    for _ in range(5):
        make.advisor(world.topic)
    with count_queries() as many:
        page = client.get(picker_url(world)).get_data(as_text=True)
    assert ">09:00<" in page
    assert len(many) == len(few), "\n".join(many)


def test_guest_books_and_confirms_by_mail(app, client, world, outbox):
    start = at(monday_in(2), "10:00")
    answer = client.submit(book_url(world, start), GUEST_FORM)
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "wartet auf Bestätigung" in page
    assert "Montag" in page and "10:00–10:30 (Europe/Berlin)" in page
    confirmation = outbox("eva@gast.example")[0]
    link = link_in(confirmation)
    assert "Termin bestätigen" in client.get(link).get_data(as_text=True)
    done = client.submit(link, follow_redirects=True).get_data(as_text=True)
    assert "Danke! Ihr Termin ist bestätigt." in done
    with app.app_context():
        assert db.session.scalar(sa.select(Booking.status)) == "confirmed"


def test_opening_the_confirmation_link_changes_nothing_until_the_button(app, client, world, outbox):
    """Mail scanners open links first: GET shows the booking and a button; POST confirms."""
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    link = link_in(outbox("eva@gast.example")[0])
    for _ in range(3):  # a scanner, a preview, the person
        page = client.get(link)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "10:00–10:30 (Europe/Berlin)" in html and "Dr. Katharina Brandt" in html
        assert 'method="post"' in html and 'name="csrf_token"' in html
    assert fetch(app, booking_id).status == "pending"
    assert len(outbox()) == 1
    assert client.post(link).status_code == 400  # no CSRF token: refused
    assert fetch(app, booking_id).status == "pending"

    assert client.submit(link).status_code == 302
    assert client.submit(link).status_code == 302  # a second press: already confirmed
    assert fetch(app, booking_id).status == "confirmed"
    assert [m.subject for m in outbox("eva@gast.example")].count(
        "Ihr Beratungstermin ist bestätigt"
    ) == 1
    again = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Ihr Termin ist bestätigt" in again


def test_confirmation_link_after_the_hold_expired_explains_and_changes_nothing(
    app, client, world, outbox
):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    link = link_in(outbox("eva@gast.example")[0])
    expire_hold(app, booking_id)
    for answer in (
        client.get(link, follow_redirects=True),
        client.submit(link, follow_redirects=True),
    ):
        assert answer.status_code == 200
        assert "Der Bestätigungslink ist abgelaufen" in answer.get_data(as_text=True)
    assert fetch(app, booking_id).status == "pending"
    assert len(outbox()) == 1


def expire_hold(app, booking_id: int) -> None:
    """The guest's 30 minutes are over (and nobody has released the hold yet)."""
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        booking.hold_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def test_account_booking_needs_no_guest_fields(app, client, auth, world):
    auth.login(world.client.email)
    answer = client.submit(book_url(world, at(monday_in(2), "10:00")), {"agenda": "Datenstrategie"})
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "bestätigt" in page and "Andreas Krüger" in page
    mine = client.get("/beratung/meine-termine").get_data(as_text=True)
    assert "Erstgespräch Digitalisierung" in mine


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("accept_privacy", "Bitte setzen Sie das Häkchen, um den Datenschutzhinweisen zuzustimmen"),
        ("guest_email", "gültige E-Mail-Adresse"),
        ("agenda", "Bitte schreiben Sie kurz, worüber Sie sprechen möchten."),
    ],
)
def test_bad_booking_input_is_explained_and_kept(app, htmx_client, world, field, message):
    data = {**GUEST_FORM, field: "" if field != "guest_email" else "kein-at"}
    response = htmx_client.submit(book_url(world, at(monday_in(2), "10:00")), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'value="Gast GmbH"' in html
    if field != "agenda":
        assert "Rezepturverwaltung" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_slot_taken_while_typing_keeps_the_text_and_offers_fresh_times(app, client, world):
    start = at(monday_in(2), "10:00")
    url = book_url(world, start, world.brandt.id)
    assert client.get(url).status_code == 200
    book(app, world, start)  # somebody else was quicker
    response = client.submit(url, GUEST_FORM)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Dieser Termin wurde gerade vergeben" in html
    assert "Rezepturverwaltung" in html
    assert f'value="{start:%Y-%m-%dT%H:%MZ}"' not in html
    fresh = re.findall(r'name="start" id="[^"]+" value="([^"]+)"', html)
    assert fresh, "fresh times are offered"
    retry = client.submit(url, {**GUEST_FORM, "start": fresh[0]})
    assert retry.status_code == 302


def test_submitting_without_a_time_asks_for_one(client, world):
    url = "/beratung/buchen?type=erstgespraech&topic=digitalisierung&advisor=any"
    response = client.submit(url, GUEST_FORM)
    assert response.status_code == 422
    assert "Bitte wählen Sie eine der freien Zeiten." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/beratung/termine?type=gibt-es-nicht&topic=digitalisierung",
        "/beratung/termine?type=erstgespraech&topic=gibt-es-nicht",
        "/beratung/termin/unbekannt@hub.example",
    ],
)
def test_unknown_things_are_404_not_500(client, world, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("advisor", ["999", "abc", ""])
def test_a_link_to_an_advisor_not_offered_shows_everyone_and_says_so(client, world, advisor):
    answer = client.get(picker_url(world, advisor=advisor))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "nicht (mehr) online buchbar" in page
    assert '<option value="any">Beliebig – erste freie Zeit</option>' in page
    assert ">09:00<" in page, "everyone's free times instead"


def test_garbage_start_time_is_explained(client, world):
    response = client.get(
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung&start=morgen",
        follow_redirects=True,
    )
    assert "Diese Uhrzeit ist ungültig" in response.get_data(as_text=True)


def test_time_outside_the_window_is_explained(client, world):
    response = client.submit(book_url(world, at(monday_in(12), "10:00")), GUEST_FORM)
    assert response.status_code == 409
    assert "außerhalb des Buchungszeitraums" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("start", "why"),
    [
        ("2020-01-01T10:00Z", "in the past"),
        ("+12w 10:00", "beyond the horizon"),
        ("+2w 10:07", "off the slot grid"),
        ("+2w 10:00 taken", "taken already"),
    ],
)
def test_an_unbookable_time_sends_the_form_back_to_the_picker_at_once(
    app, client, world, start, why
):
    """The form is never shown for a time that cannot be booked: nothing is typed in vain."""
    if start.startswith("+"):
        weeks, clock, *taken = start[1:].replace("w", "").split()
        moment = at(monday_in(int(weeks)), clock)
        if taken:
            book(app, world, moment)
        start = f"{moment:%Y-%m-%dT%H:%MZ}"
    url = (
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung"
        f"&advisor={world.brandt.id}&start={start}"
    )
    response = client.get(url)
    assert response.status_code == 302, why
    assert response.headers["Location"].startswith("/beratung/termine?day="), why
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Diese Zeit ist nicht (mehr) frei" in page, why


def test_honeypot_refuses_bots(app, client, world):
    response = client.submit(
        book_url(world, at(monday_in(2), "10:00")), {**GUEST_FORM, "website": "spam"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_booking_is_rate_limited(app, client, world):
    app.config["BOOKING_RATE_LIMIT"] = "2 per minute"
    url = book_url(world, at(monday_in(2), "10:00"))
    statuses = [client.submit(url, {**GUEST_FORM, "agenda": ""}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]


def test_guest_manages_by_link_and_cancels(app, client, world, outbox):
    answer = client.submit(book_url(world, at(monday_in(2), "10:00")), GUEST_FORM)
    manage = answer.headers["Location"]
    uid = manage.split("/beratung/termin/")[1].split("?")[0]
    token = manage.split("token=")[1]
    page = client.get(f"/beratung/termin/{uid}/absagen?token={token}")
    assert page.status_code == 200
    done = client.submit(
        f"/beratung/termin/{uid}/absagen?token={token}", {"reason": "Doch keine Zeit"}
    )
    assert done.status_code == 302
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "abgesagt" in shown and "Doch keine Zeit" in shown
    assert client.get(f"/beratung/termin/{uid}?token={token}x").status_code == 404


def test_reschedule_by_link_moves_the_booking(app, client, world):
    day = monday_in(2)
    answer = client.submit(book_url(world, at(day, "10:00"), world.brandt.id), GUEST_FORM)
    manage = answer.headers["Location"]
    uid, token = manage.split("/beratung/termin/")[1].split("?token=")
    picker = client.get(f"/beratung/termin/{uid}/verschieben?token={token}").get_data(as_text=True)
    new_start = at(day, "14:00")
    assert f"start={new_start:%Y-%m-%dT%H:%MZ}" in picker
    url = f"/beratung/termin/{uid}/verschieben?token={token}&start={new_start:%Y-%m-%dT%H:%MZ}"
    assert "Auf diese Zeit verschieben" in client.get(url).get_data(as_text=True)
    moved = client.submit(url)
    assert moved.status_code == 302
    with app.app_context():
        booking = db.session.scalar(sa.select(Booking).where(Booking.uid == uid))
        assert (booking.start, booking.sequence) == (new_start, 1)


def test_an_expired_guest_hold_can_be_neither_moved_nor_cancelled(app, client, world, outbox):
    """The hold is over (not yet released): every action explains itself, none is a 500."""
    day = monday_in(2)
    answer = client.submit(book_url(world, at(day, "10:00"), world.brandt.id), GUEST_FORM)
    uid, token = answer.headers["Location"].split("/beratung/termin/")[1].split("?token=")
    expire_hold(app, fetch_uid(app, uid))
    base = f"/beratung/termin/{uid}"
    move = f"{base}/verschieben?token={token}&start={at(day, '14:00'):%Y-%m-%dT%H:%MZ}"
    answers = {
        "open move": client.get(move, follow_redirects=True),
        "move": client.submit(move, follow_redirects=True),
        "open cancel": client.get(f"{base}/absagen?token={token}", follow_redirects=True),
        "cancel": client.submit(f"{base}/absagen?token={token}", follow_redirects=True),
    }
    for action, response in answers.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, action
        verb = "abgesagt" if "cancel" in action else "verschoben"
        assert f"Dieser Termin kann nicht mehr {verb} werden." in html, action
        assert "/verschieben" not in html and "/absagen" not in html  # no buttons offered
        assert "Noch ein Schritt" not in html  # no "please confirm" for a lapsed hold
        assert "der Termin wurde wieder freigegeben" in html
    booking = fetch(app, fetch_uid(app, uid))
    assert (booking.start, booking.sequence) == (at(day, "10:00"), 0)
    assert len(outbox()) == 1


def fetch_uid(app, uid: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Booking.id).where(Booking.uid == uid))


def test_moving_onto_a_time_taken_meanwhile_offers_the_picker_again(app, client, world):
    day = monday_in(2)
    mine = fetch(app, book(app, world, at(day, "10:00")))
    book(app, world, at(day, "14:00"), booker="client")
    uid, token = mine.uid, manage_link_token(app, mine.id)
    move = (
        f"/beratung/termin/{uid}/verschieben?token={token}&start={at(day, '14:00'):%Y-%m-%dT%H:%MZ}"
    )
    answer = client.submit(move)
    assert answer.status_code == 302
    assert "/verschieben" in answer.headers["Location"]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Dieser Termin wurde gerade vergeben" in page
    assert f"start={at(day, '11:00'):%Y-%m-%dT%H:%MZ}" in page  # fresh times that week
    assert fetch(app, mine.id).start == at(day, "10:00")


def manage_link_token(app, booking_id: int) -> str:
    with app.test_request_context():
        return manage_token(db.session.get(Booking, booking_id))


ROLES = ["booker", "colleague", "stranger", "advisor", "other_advisor", "admin", "anonymous"]
ALLOWED = {"booker", "colleague", "advisor", "admin"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["", "/verschieben", "/absagen"])
def test_only_people_involved_may_see_or_change_a_booking(
    app, client, auth, make, world, role, action
):
    booking = fetch(app, book(app, world, at(monday_in(2), "10:00")))
    people = {
        "booker": world.client,
        "colleague": lambda: make.user(organisation=organisation_of(app, world.client)),
        "stranger": lambda: make.user(),
        "advisor": lambda: user_of(app, world.brandt),
        "other_advisor": lambda: user_of(app, world.becker),
        "admin": lambda: make.user(role=Role.ADMIN),
    }
    if role != "anonymous":
        person = people[role]
        person = person() if callable(person) else person
        auth.login(person.email, PASSWORD)
    response = client.get(f"/beratung/termin/{booking.uid}{action}")
    assert response.status_code == (200 if role in ALLOWED else 404)
    if role not in ALLOWED:
        posted = client.submit(f"/beratung/termin/{booking.uid}/absagen", {"reason": "x"})
        assert posted.status_code == 404
        assert fetch(app, booking.id).status == "confirmed"


def test_advisor_sees_upcoming_bookings(app, client, auth, world):
    book(app, world, at(monday_in(2), "10:00"))
    auth.login(user_of(app, world.brandt).email)
    page = client.get(f"/berater/?woche={monday_in(2)}").get_data(as_text=True)
    assert "Andreas Krüger" in page and "Firma" in page
    assert client.get("/beratung/meine-termine").status_code == 404


def test_my_bookings_are_grouped(app, client, auth, world):
    upcoming = book(app, world, at(monday_in(2), "10:00"))
    cancelled = book(app, world, at(monday_in(2), "11:00"))
    with writing(app):
        service.cancel(db.session.get(Booking, cancelled), "")
        db.session.commit()
    auth.login(world.client.email)
    page = client.get("/beratung/meine-termine").get_data(as_text=True)
    upcoming_part, cancelled_part = page.split('id="cancelled-title"')
    assert fetch(app, upcoming).uid in upcoming_part.split('id="past-title"')[0]
    assert fetch(app, cancelled).uid in cancelled_part


def test_cached_picker_fragment_is_cheap_and_never_stale(app, htmx_client, world, count_queries):
    url = picker_url(world, advisor=str(world.brandt.id))
    start = at(monday_in(2), "10:00")
    link = f"start={start:%Y-%m-%dT%H:%MZ}"
    assert link in htmx_client.get(url).get_data(as_text=True)
    with count_queries() as repeat:
        again = htmx_client.get(url).get_data(as_text=True)
    assert link in again
    assert repeat == []  # served from the cache, calendar version included
    book(app, world, start)  # bumps the version in the same transaction
    assert link not in htmx_client.get(url).get_data(as_text=True)


class Deadlock(Exception):
    """What psycopg raises when PostgreSQL breaks a deadlock (SQLSTATE 40P01)."""

    sqlstate = "40P01"


def deadlocked(*_args, **_kwargs):
    raise sa.exc.OperationalError("SELECT … FOR UPDATE", {}, Deadlock("deadlock detected"))


def test_a_deadlock_while_booking_is_a_friendly_just_taken(app, client, world, monkeypatch):
    url = book_url(world, at(monday_in(2), "10:00"))
    monkeypatch.setattr(service, "_book_with", deadlocked)  # each candidate in turn
    answer = client.submit(url, GUEST_FORM)
    assert answer.status_code == 409
    assert "Dieser Termin wurde gerade vergeben" in answer.get_data(as_text=True)
    monkeypatch.setattr(service, "book", deadlocked)  # anywhere in the booking
    answer = client.submit(url, GUEST_FORM)
    assert answer.status_code == 409
    assert "Rezepturverwaltung" in answer.get_data(as_text=True)


def test_a_deadlock_while_cancelling_asks_to_try_again(app, client, world, monkeypatch):
    booking = fetch(app, book(app, world, at(monday_in(2), "10:00")))
    url = f"/beratung/termin/{booking.uid}/absagen?token={manage_link_token(app, booking.id)}"
    monkeypatch.setattr(service, "cancel", deadlocked)
    answer = client.submit(url, {"reason": "x"}, follow_redirects=True)
    assert answer.status_code == 200
    assert "Bitte versuchen Sie es noch einmal" in answer.get_data(as_text=True)
    assert fetch(app, booking.id).status == "confirmed"


def test_advisor_list_leaves_out_guest_holds_that_expired(app, client, auth, world):
    """An unconfirmed hold past its 30 minutes holds nothing: no longer "upcoming"."""
    live = fetch(app, book(app, world, at(monday_in(2), "10:00"), guest=GUEST))
    expired = fetch(app, book(app, world, at(monday_in(2), "11:00"), guest=GUEST))
    expire_hold(app, expired.id)
    auth.login(user_of(app, world.brandt).email)
    page = client.get(f"/berater/?woche={monday_in(2)}").get_data(as_text=True)
    assert f"/berater/termin/{live.id}" in page
    assert f"/berater/termin/{expired.id}" not in page


def test_the_advisor_sees_the_company_on_a_booking_not_themselves(app, client, auth, world):
    booking = fetch(app, book(app, world, at(monday_in(2), "10:00")))
    auth.login(user_of(app, world.brandt).email)
    page = client.get(f"/beratung/termin/{booking.uid}").get_data(as_text=True)
    company = organisation_of(app, world.client).name
    assert "Andreas Krüger" in page and company in page
    assert f'href="mailto:{world.client.email}"' in page
    assert "Wie digitalisieren wir unser Labor?" in page  # the agenda
    assert "Dr. Katharina Brandt" not in page.split("<main", 1)[1]


def test_the_advisor_is_not_asked_to_confirm_a_guests_pending_booking(app, client, auth, world):
    booking = fetch(app, book(app, world, at(monday_in(2), "10:00"), guest=GUEST))
    auth.login(user_of(app, world.brandt).email)
    page = client.get(f"/beratung/termin/{booking.uid}").get_data(as_text=True)
    assert "Eva Gast" in page and "Gast GmbH" in page
    assert "erst, wenn der Gast ihn über den Link in unserer E-Mail bestätigt" in page
    assert "Bitte bestätigen Sie den Termin" not in page


def test_a_zone_chosen_on_a_cached_calendar_is_remembered_too(htmx_client, world):
    url = picker_url(world) + "&tz=Asia/Tokyo"
    first, again = htmx_client.get(url), htmx_client.get(url)
    assert again.get_data() == first.get_data()
    assert "zone=Asia/Tokyo" in again.headers.get("Set-Cookie", "")
