"""The booking pages: picker, form, manage link, access for every role, lists."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.booking import service
from app.extensions import db
from app.models import Booking, Role
from tests.booking_support import at, book, fetch, monday_in, organisation_of, user_of
from tests.conftest import PASSWORD, link_in

SLOT_LINK = re.compile(r'href="(/beratung/buchen\?[^"]+)"')


def picker_url(world, advisor="any", week=None) -> str:
    week = week or monday_in(2)
    return (
        f"/beratung/termine?type=erstgespraech&topic=digitalisierung&advisor={advisor}&week={week}"
    )


def book_url(world, start, advisor="any") -> str:
    return (
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung"
        f"&advisor={advisor}&start={start:%Y-%m-%dT%H:%MZ}"
    )


GUEST_FORM = {
    "agenda": "Wir möchten unsere Rezepturverwaltung digitalisieren.",
    "guest_name": "Eva Gast",
    "guest_email": "eva@gast.example",
    "guest_company": "Gast GmbH",
    "accept_privacy": "y",
}


def test_start_page_offers_types_and_topics(client, world):
    page = client.get("/beratung/").get_data(as_text=True)
    assert "Erstgespräch Digitalisierung" in page
    assert '<option value="digitalisierung">Digitalisierung</option>' in page


def test_picker_shows_free_times_in_the_viewers_zone(client, world):
    page = client.get(picker_url(world)).get_data(as_text=True)
    assert "Alle Zeiten in Ihrer Zeitzone: Europe/Berlin" in page
    assert ">09:00<" in page and ">16:30<" in page
    assert ">17:00<" not in page
    client.set_cookie("tz", "America/New_York")
    page = client.get(picker_url(world)).get_data(as_text=True)
    new_york = at(monday_in(2), "09:00").astimezone(ZoneInfo("America/New_York"))
    assert f">{new_york:%H:%M}<" in page
    assert "Alle Zeiten in Ihrer Zeitzone: America/New_York" in page


def test_picker_navigation_is_an_htmx_fragment_that_also_works_as_a_link(
    client, htmx_client, world
):
    page = client.get(picker_url(world)).get_data(as_text=True)
    next_week = (monday_in(2) + timedelta(days=7)).isoformat()
    assert f"week={next_week}" in page
    assert 'data-hx-push-url="true"' in page and 'data-hx-target="#slot-picker"' in page
    fragment = htmx_client.get(picker_url(world, week=next_week))
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body and 'id="slot-picker"' in body
    assert "HX-Request" in fragment.headers["Vary"]


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
    done = client.get(link_in(confirmation), follow_redirects=True).get_data(as_text=True)
    assert "Danke! Ihr Termin ist bestätigt." in done
    with app.app_context():
        assert db.session.scalar(sa.select(Booking.status)) == "confirmed"


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
        ("accept_privacy", "Bitte füllen Sie dieses Feld aus"),
        ("guest_email", "gültige E-Mail-Adresse"),
        ("agenda", "Bitte füllen Sie dieses Feld aus"),
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
        "/beratung/termine?type=erstgespraech&topic=digitalisierung&advisor=999",
        "/beratung/termin/unbekannt@hub.example",
    ],
)
def test_unknown_things_are_404_not_500(client, world, url):
    assert client.get(url).status_code == 404


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
    page = client.get("/beratung/beratungen").get_data(as_text=True)
    assert "Andreas Krüger" in page and "Firma" in page
    assert client.get("/beratung/meine-termine").status_code == 404


def test_my_bookings_are_grouped(app, client, auth, world):
    upcoming = book(app, world, at(monday_in(2), "10:00"))
    cancelled = book(app, world, at(monday_in(2), "11:00"))
    with app.test_request_context():
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
