"""The booking details page of the advisor workspace: who may open it, what it shows (the
meeting, contact, agenda, canvas, history) and the private notes that only advisors and
admins ever read."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.booking import history
from app.extensions import db
from app.models import Booking, BookingAction, BookingNote, Role, User
from app.models.types import utcnow
from tests.booking_support import GUEST, at, book, monday_in, reschedule, user_of
from tests.canvas_support import SCRIPT, make_canvas
from tests.conftest import HX
from tests.test_feed import feed_token, insert
from tests.test_html import audit, nu_errors

SECRET = "Vertraulich: Budget nur 5.000 Euro, Chef skeptisch"


def page_of(booking_id: int) -> str:
    return f"/berater/termin/{booking_id}"


def booking_id_of(app, uid: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Booking.id).where(Booking.uid == uid))


def past_booking(app, world, days_ago: float = 1, status: str = "confirmed", **fields) -> int:
    """A booking of Dr. Brandt with the world's client whose meeting is over."""
    start = utcnow() - timedelta(days=days_ago)
    return booking_id_of(app, insert(app, world, start, status, **fields))


def upcoming_booking(app, world, **kwargs) -> int:
    return book(app, world, at(monday_in(2), "10:00"), **kwargs)


def add_note(app, booking_id: int, author: User, body: str = SECRET) -> int:
    with app.app_context():
        note = BookingNote(booking_id=booking_id, author_id=author.id, body=body)
        db.session.add(note)
        db.session.commit()
        return note.id


def notes_of(app, booking_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(BookingNote.body)
                .where(BookingNote.booking_id == booking_id)
                .order_by(BookingNote.id)
            )
        )


@pytest.fixture
def brandt(app, auth, world) -> User:
    """Logged in as the advisor Dr. Katharina Brandt; her account is returned."""
    user = user_of(app, world.brandt)
    auth.login(user.email)
    return user


# ------------------------------------------------------------------ who may open it


def test_the_booking_s_advisor_opens_it(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    response = client.get(page_of(booking_id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Private Notizen" in html
    assert 'href="/berater/kalender"' in html  # the workspace's sections


def test_another_advisor_gets_404(app, client, auth, world):
    booking_id = upcoming_booking(app, world)
    auth.login(user_of(app, world.becker).email)
    assert client.get(page_of(booking_id)).status_code == 404
    assert client.submit(page_of(booking_id) + "/notizen", {"body": "x"}).status_code == 404
    assert (
        client.submit(page_of(booking_id) + "/ergebnis", {"outcome": "no_show"}).status_code == 404
    )
    assert notes_of(app, booking_id) == []


def test_a_client_gets_403_even_for_their_own_booking(app, client, auth, world):
    booking_id = upcoming_booking(app, world)
    auth.login(world.client.email)
    assert client.get(page_of(booking_id)).status_code == 403
    assert client.submit(page_of(booking_id) + "/notizen", {"body": "x"}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(app, client, world):
    booking_id = upcoming_booking(app, world)
    response = client.get(page_of(booking_id))
    assert response.status_code == 302
    assert "/konto/anmelden" in response.headers["Location"]


def test_admins_open_any_booking_and_read_its_notes(app, client, auth, make, world):
    booking_id = upcoming_booking(app, world)
    add_note(app, booking_id, user_of(app, world.brandt))
    auth.login(make.user(role=Role.ADMIN).email)
    html = client.get(page_of(booking_id)).get_data(as_text=True)
    assert SECRET in html
    assert "Dr. Katharina Brandt" in html  # whose meeting it is


def test_an_unknown_booking_is_404(client, brandt):
    assert client.get(page_of(999999)).status_code == 404


# ------------------------------------------------------------------ what it shows


def test_page_shows_meeting_contact_and_agenda_escaped_with_line_breaks(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    with app.app_context():
        db.session.get(Booking, booking_id).agenda = f"Erstens: Labor\nZweitens: {SCRIPT}"
        db.session.commit()
    html = client.get(page_of(booking_id)).get_data(as_text=True)
    assert "(Europe/Berlin)" in html  # the time names its zone
    assert "Erstgespräch Digitalisierung" in html
    assert "Andreas Krüger" in html
    assert f'href="mailto:{world.client.email}"' in html
    assert "Erstens: Labor\nZweitens: &lt;script&gt;" in html
    assert SCRIPT not in html
    assert "Absagen, mit Nachricht an das Unternehmen" in html  # upcoming: may be cancelled
    with app.app_context():
        uid = db.session.get(Booking, booking_id).uid
    assert f'href="/beratung/termin/{uid}/absagen"' in html


def test_a_guest_booking_shows_the_guest_company_and_who_acted(app, client, world, brandt):
    booking_id = upcoming_booking(app, world, guest=GUEST)
    html = client.get(page_of(booking_id)).get_data(as_text=True)
    assert "Gast GmbH" in html
    assert 'href="mailto:eva@gast.example"' in html
    assert "Gebucht" in html
    assert "Gast (über den Link)" in html


def test_history_names_who_acted_and_the_previous_time_of_a_move(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    reschedule(app, booking_id, at(monday_in(2), "14:00"))
    with app.app_context():
        history.record_expired([booking_id], utcnow())  # the system's step reads "System"
        db.session.commit()
    html = client.get(page_of(booking_id)).get_data(as_text=True)
    history_part = html[html.index('id="history"') :]
    assert "Verschoben" in history_part
    assert "vorher:" in history_part
    assert "10:00" in history_part  # the old time, in the viewer's zone
    assert "Andreas Krüger" in history_part  # who booked
    assert "System" in history_part
    assert "14:00" in html  # the new time


def test_an_attached_canvas_is_shown_with_its_review_state_and_readable(app, client, world, brandt):
    canvas_id = make_canvas(app, world.client, title="Digitaler Kundenservice")
    booking_id = upcoming_booking(app, world)
    with app.app_context():
        db.session.get(Booking, booking_id).canvas_id = canvas_id
        db.session.commit()
    html = client.get(page_of(booking_id)).get_data(as_text=True)
    canvas_part = html[html.index('id="canvas-title"') :]
    assert "Digitaler Kundenservice" in canvas_part
    assert "Business Model Canvas" in canvas_part
    assert "Entwurf" in canvas_part
    assert f'href="/canvas/{canvas_id}"' in canvas_part
    assert client.get(f"/canvas/{canvas_id}").status_code == 200  # the advisor may read it


def test_the_page_costs_the_same_queries_with_many_notes_and_steps(
    app, client, make, world, brandt, count_queries
):
    few = upcoming_booking(app, world)
    many = book(app, world, at(monday_in(2), "15:00"))
    admin = make.user(role=Role.ADMIN)
    for number in range(20):
        add_note(app, many, brandt if number % 2 else admin, f"Notiz {number}")
    with app.app_context():
        booking = db.session.get(Booking, many)
        for number in range(20):
            actor = db.session.get(User, brandt.id if number % 2 else admin.id)
            history.record(
                booking, BookingAction.RESCHEDULED, utcnow(), actor, "2026-01-01T09:00:00+00:00"
            )
        db.session.commit()
    add_note(app, few, brandt, "Eine Notiz")

    client.get(page_of(few))  # warm up: the session's user, translations
    with count_queries() as small:
        assert client.get(page_of(few)).status_code == 200
    with count_queries() as large:
        assert client.get(page_of(many)).status_code == 200
    assert len(large) == len(small)


# ------------------------------------------------------------------ private notes


def test_adding_a_note_without_javascript_redirects_back(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    response = client.submit(page_of(booking_id) + "/notizen", {"body": "Zeile 1\r\nZeile 2"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page_of(booking_id) + "#notes")
    assert notes_of(app, booking_id) == ["Zeile 1\nZeile 2"]
    html = client.get(page_of(booking_id)).get_data(as_text=True)
    assert "Zeile 1\nZeile 2" in html
    assert "Dr. Katharina Brandt" in html


def test_adding_a_note_with_htmx_returns_the_notes_block(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    response = client.submit(page_of(booking_id) + "/notizen", {"body": SCRIPT}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="notes"' in html
    assert "&lt;script&gt;" in html and SCRIPT not in html
    assert "Notiz gespeichert." in html


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   \n  ", "Bitte schreiben Sie etwas in die Notiz."),
        ("x" * 10_001, "Bitte höchstens 10000 Zeichen."),
    ],
    ids=["blank", "too-long"],
)
def test_bad_notes_are_refused_inline_and_the_text_is_kept(
    app, client, world, brandt, body, message
):
    booking_id = upcoming_booking(app, world)
    response = client.submit(page_of(booking_id) + "/notizen", {"body": body}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'aria-invalid="true"' in html
    if body.strip():
        assert "x" * 10_001 + "</textarea>" in html  # kept to be shortened
    assert notes_of(app, booking_id) == []


def test_a_nul_byte_is_refused_with_a_message(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    response = client.submit(page_of(booking_id) + "/notizen", {"body": "Text \x00 NUL"})
    assert response.status_code == 400
    assert "Nullbyte" in response.get_data(as_text=True)
    assert notes_of(app, booking_id) == []


def test_a_note_of_exactly_the_limit_is_kept(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    client.submit(page_of(booking_id) + "/notizen", {"body": "x" * 10_000})
    assert notes_of(app, booking_id) == ["x" * 10_000]


def test_an_advisor_edits_their_own_note(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    note_id = add_note(app, booking_id, brandt, "Alt")
    form = client.get(page_of(booking_id) + f"?notiz={note_id}", headers=HX).get_data(as_text=True)
    assert "<html" not in form
    assert "Änderung speichern" in form
    assert "Alt</textarea>" in form
    response = client.submit(page_of(booking_id) + f"/notizen/{note_id}", {"edit-body": "Neu"})
    assert response.status_code == 302
    assert notes_of(app, booking_id) == ["Neu"]
    assert "bearbeitet" in client.get(page_of(booking_id)).get_data(as_text=True)


def test_an_edit_with_bad_text_keeps_the_note_and_shows_the_error(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    note_id = add_note(app, booking_id, brandt, "Alt")
    response = client.submit(
        page_of(booking_id) + f"/notizen/{note_id}", {"edit-body": ""}, headers=HX
    )
    assert response.status_code == 422
    assert "Bitte schreiben Sie etwas in die Notiz." in response.get_data(as_text=True)
    assert notes_of(app, booking_id) == ["Alt"]


def test_an_advisor_deletes_their_own_note(app, client, world, brandt):
    booking_id = upcoming_booking(app, world)
    note_id = add_note(app, booking_id, brandt)
    response = client.submit(page_of(booking_id) + f"/notizen/{note_id}/loeschen", headers=HX)
    assert response.status_code == 200
    assert SECRET not in response.get_data(as_text=True)
    assert notes_of(app, booking_id) == []


def test_the_advisor_may_neither_edit_nor_delete_an_admin_s_note(app, client, make, world, brandt):
    booking_id = upcoming_booking(app, world)
    note_id = add_note(app, booking_id, make.user(role=Role.ADMIN), "Vom Team")
    url = page_of(booking_id) + f"/notizen/{note_id}"
    assert client.get(page_of(booking_id) + f"?notiz={note_id}").status_code == 403
    assert client.submit(url, {"edit-body": "Übernommen"}).status_code == 403
    assert client.submit(url + "/loeschen").status_code == 403
    assert notes_of(app, booking_id) == ["Vom Team"]


def test_admins_delete_anyone_s_note_but_edit_only_their_own(app, client, auth, make, world):
    booking_id = upcoming_booking(app, world)
    note_id = add_note(app, booking_id, user_of(app, world.brandt))
    auth.login(make.user(role=Role.ADMIN).email)
    url = page_of(booking_id) + f"/notizen/{note_id}"
    assert client.submit(url, {"edit-body": "Umgeschrieben"}).status_code == 403
    assert client.submit(url + "/loeschen").status_code == 302
    assert notes_of(app, booking_id) == []


def test_a_note_of_another_booking_is_404(app, client, world, brandt):
    mine = upcoming_booking(app, world)
    other = book(app, world, at(monday_in(2), "10:00"), advisor="becker")
    note_id = add_note(app, other, user_of(app, world.becker), "Fremd")
    assert client.submit(page_of(mine) + f"/notizen/{note_id}/loeschen").status_code == 404
    assert (
        client.submit(page_of(mine) + f"/notizen/{note_id}", {"edit-body": "x"}).status_code == 404
    )
    assert notes_of(app, other) == ["Fremd"]


def test_notes_never_reach_the_company_mails_or_the_feed(app, client, auth, world, outbox):
    booking_id = upcoming_booking(app, world)
    done_id = past_booking(app, world)
    advisor = user_of(app, world.brandt)
    token = feed_token(app, world.brandt)
    auth.login(advisor.email)
    for target in (booking_id, done_id):
        client.submit(page_of(target) + "/notizen", {"body": SECRET})
    # Everything that mails the company: a follow-up and a cancellation with a reason.
    client.submit(page_of(done_id) + "/ergebnis", {"outcome": "completed", "next_steps": "Angebot"})
    with app.app_context():
        uid = db.session.get(Booking, booking_id).uid
    client.submit(f"/beratung/termin/{uid}/absagen", {"reason": "Krank"})
    feed = client.get(f"/kalender/{token}.ics").get_data(as_text=True)
    auth.logout()
    auth.login(world.client.email)
    company_page = client.get(f"/beratung/termin/{uid}").get_data(as_text=True)

    messages = outbox()
    assert len(notes_of(app, booking_id)) == 1
    assert any("Angebot" in m.body_text for m in messages)
    assert any("Krank" in m.body_text for m in messages)  # the reason reaches the company
    assert "Krank" in company_page
    for text in [feed, company_page] + [
        part for m in messages for part in (m.subject, m.body_text, m.body_html, m.ics_body or "")
    ]:
        assert "Vertraulich" not in text


def test_the_company_s_booking_page_links_staff_to_the_workspace(app, client, auth, world):
    booking_id = upcoming_booking(app, world)
    with app.app_context():
        uid = db.session.get(Booking, booking_id).uid
    link = f'href="{page_of(booking_id)}"'
    auth.login(world.client.email)
    assert link not in client.get(f"/beratung/termin/{uid}").get_data(as_text=True)
    auth.logout()
    auth.login(user_of(app, world.brandt).email)
    html = client.get(f"/beratung/termin/{uid}").get_data(as_text=True)
    assert link in html and "Im Arbeitsplatz öffnen" in html


def page_states(app, client, make, world, brandt):
    """The page of an upcoming booking with a canvas, notes (one being edited, with an
    error), a past one waiting for its outcome (with an error), and a closed one."""
    canvas_id = make_canvas(app, world.client)
    upcoming = upcoming_booking(app, world)
    with app.app_context():
        db.session.get(Booking, upcoming).canvas_id = canvas_id
        db.session.commit()
    mine = add_note(app, upcoming, brandt, "Meine Notiz")
    add_note(app, upcoming, make.user(role=Role.ADMIN), "Vom Team")
    yield "upcoming", client.get(page_of(upcoming))
    yield "editing", client.get(page_of(upcoming) + f"?notiz={mine}")
    yield "bad edit", client.submit(page_of(upcoming) + f"/notizen/{mine}", {"edit-body": ""})
    yield "bad note", client.submit(page_of(upcoming) + "/notizen", {"body": ""})
    past = past_booking(app, world)
    yield "past", client.get(page_of(past))
    yield (
        "bad outcome",
        client.submit(page_of(past) + "/ergebnis", {"outcome": "no_show", "next_steps": "x"}),
    )
    client.submit(page_of(past) + "/ergebnis", {"outcome": "completed"})
    yield "completed", client.get(page_of(past))
    yield "closed", client.get(page_of(past_booking(app, world, days_ago=30, status="no_show")))


def test_the_page_keeps_the_markup_rules(app, client, make, world, brandt):
    for state, response in page_states(app, client, make, world, brandt):
        found = audit(response.get_data(as_text=True))
        assert [name for name, count in found.ids.items() if count > 1] == [], state
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], state
        assert found.htmx_without_target == [] and found.inline == [], state


def test_the_page_passes_the_nu_html_checker(app, client, make, world, brandt, tmp_path):
    files = []
    for state, response in page_states(app, client, make, world, brandt):
        page = tmp_path / f"{state.replace(' ', '-')}.html"
        page.write_bytes(response.get_data())
        files.append(str(page))
    errors = nu_errors(files)
    assert errors == [], "\n".join(f"{e.get('url')}: {e.get('message')}" for e in errors)


def test_admins_see_no_workspace_sections_of_their_own(app, client, auth, make, world):
    booking_id = upcoming_booking(app, world)
    auth.login(make.user(role=Role.ADMIN).email)
    assert 'href="/berater/kalender"' not in client.get(page_of(booking_id)).get_data(as_text=True)
