"""Erasing an account or a guest address: upcoming meetings are called off (the advisor's
calendar gets the CANCEL), personal data goes everywhere, the rows that statistics count
stay."""

from __future__ import annotations

import icalendar
import sqlalchemy as sa

from app.admin.audit import AuditAction
from app.booking import service
from app.extensions import db
from app.models import AuditEvent, Booking, Canvas, OutboxMessage, User
from app.models.types import utcnow
from app.privacy.erasure import erase_guest, erase_user, placeholder_email
from tests.booking_support import GUEST, user_of, writing
from tests.canvas_support import make_canvas
from tests.privacy_support import occurrences, past_booking, upcoming

AGENDA = "Wie digitalisieren wir unser Labor?"


def statistics(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(Booking.status, Booking.advisor_id, Booking.topic_id, sa.func.count())
            .group_by(Booking.status, Booking.advisor_id, Booking.topic_id)
            .order_by(Booking.status, Booking.advisor_id)
        ).all()


def test_deleting_the_own_account(app, world, auth, client, outbox):
    email, name = world.client.email, "Andreas Krüger"
    coming = upcoming(app, world)
    past_booking(app, world, world.client.id, days_ago=20, agenda="Vertrauliche Rezeptur")
    canvas_id = make_canvas(app, world.client, notes={"channels": ["Messe Düsseldorf"]})
    before = [(s, a, t, n) for s, a, t, n in statistics(app)]
    advisor_email = user_of(app, world.brandt).email

    auth.login(email)
    page = client.get("/konto/datenschutz/konto-loeschen")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Dieser kommende Termin wird abgesagt" in text
    assert "Dr. Katharina Brandt" in text

    wrong = client.submit(
        "/konto/datenschutz/konto-loeschen", {"password": "falsch-falsch", "confirm": "LÖSCHEN"}
    )
    assert wrong.status_code == 422
    assert "Das Passwort ist nicht richtig" in wrong.get_data(as_text=True)
    word = client.submit("/konto/datenschutz/konto-loeschen", {"password": "x", "confirm": "ja"})
    assert word.status_code == 422
    assert "LÖSCHEN" in word.get_data(as_text=True)
    no_csrf = client.post(
        "/konto/datenschutz/konto-loeschen",
        data={"password": "Sprechstunde-Test-2026", "confirm": "LÖSCHEN"},
    )
    assert no_csrf.status_code == 400

    from tests.conftest import PASSWORD

    done = client.submit(
        "/konto/datenschutz/konto-loeschen",
        {"password": PASSWORD, "confirm": "löschen"},
        follow_redirects=True,
    )
    assert done.request.path == "/"
    assert "Ihr Konto ist gelöscht" in done.get_data(as_text=True)
    assert client.get("/konto/datenschutz/").status_code == 302  # logged out

    # Nobody can log in with it any more.
    assert "Ihr Konto ist gelöscht" not in auth.login(email).get_data(as_text=True)
    assert client.get("/konto/datenschutz/").status_code == 302

    # The advisor's calendar drops the meeting: a CANCEL invite.
    with app.app_context():
        booking = db.session.get(Booking, coming)
        assert booking.status == "cancelled"
        assert booking.anonymised_at is not None
        assert booking.agenda == ""
        uid = booking.uid
    cancel = [m for m in outbox(advisor_email) if m.ics_method == "CANCEL"]
    assert len(cancel) == 1
    [event] = icalendar.Calendar.from_ical(cancel[0].ics_body).walk("VEVENT")
    assert str(event["UID"]) == uid
    assert "Gelöschtes Konto" in cancel[0].subject
    # No mail to the erased address waits to be sent.
    assert not [m for m in outbox() if m.sent_at is None and m.to_address != advisor_email]

    # The name, the address and the agendas are nowhere.
    assert occurrences(app, email, name, AGENDA, "Vertrauliche Rezeptur") == []

    # What statistics count is unchanged, but for the cancelled meeting.
    after = statistics(app)
    assert sum(n for *_, n in after) == sum(n for *_, n in before)
    with app.app_context():
        user = db.session.get(User, world.client.id)
        assert user.email == placeholder_email(user.id)
        assert user.name == "Gelöschtes Konto"
        assert not user.active and user.erased_at is not None and user.organisation_id is None
        canvas = db.session.get(Canvas, canvas_id)
        assert canvas is not None and canvas.created_by_id == user.id
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ACCOUNT_ERASED)
        ).one()
        assert event.actor_id == user.id
        assert event.target_label == "p•••@firma.example"


def test_erasing_twice_changes_nothing(app, world, outbox):
    upcoming(app, world)
    with writing(app):
        user = db.session.get(User, world.client.id)
        assert erase_user(user, actor=None, now=utcnow()) == 1
        db.session.commit()
    mails = len(outbox())
    with writing(app):
        user = db.session.get(User, world.client.id)
        assert erase_user(user, actor=None, now=utcnow()) == 0
        db.session.commit()
    assert len(outbox()) == mails


def test_advisor_page_shows_the_booking_as_erased(app, world, auth, client):
    coming = upcoming(app, world, week=2)
    guest_id = upcoming(app, world, week=2, clock="14:00", guest=GUEST)
    with writing(app):
        erase_user(db.session.get(User, world.client.id), actor=None, now=utcnow())
        erase_guest("eva@gast.example", actor=None, now=utcnow())
        db.session.commit()
    auth.login(user_of(app, world.brandt).email)
    page = client.get(f"/berater/termin/{coming}").get_data(as_text=True)
    assert "Gelöschtes Konto" in page and "Andreas" not in page
    guest_page = client.get(f"/berater/termin/{guest_id}").get_data(as_text=True)
    assert "Anonymisiert" in guest_page and "Eva Gast" not in guest_page


def test_guest_erasure(app, world, outbox):
    coming = upcoming(app, world, guest=GUEST)
    with writing(app):  # the guest confirmed through the mailed link
        service.confirm_guest_booking(db.session.get(Booking, coming), now=utcnow())
        db.session.commit()
    past = past_booking(
        app,
        world,
        None,
        days_ago=30,
        guest_name="Eva Gast",
        guest_email="Eva@Gast.example",
        guest_company="Gast GmbH",
    )
    other = past_booking(
        app, world, None, days_ago=30, guest_name="Otto", guest_email="otto@gast.example"
    )
    advisor_email = user_of(app, world.brandt).email
    with writing(app):
        assert erase_guest("EVA@gast.example", actor=None, now=utcnow()) == 2
        db.session.commit()
    with app.app_context():
        for booking_id in (coming, past):
            booking = db.session.get(Booking, booking_id)
            assert booking.guest_email == "" and booking.guest_name == ""
            assert booking.guest_company == "" and booking.agenda == ""
            assert booking.anonymised_at is not None
        assert db.session.get(Booking, coming).status == "cancelled"
        assert db.session.get(Booking, other).guest_email == "otto@gast.example"
        unsent = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        ).all()
    assert all(m.to_address == advisor_email for m in unsent)
    assert [m.ics_method for m in outbox(advisor_email)][-1] == "CANCEL"
    assert occurrences(app, "eva@gast.example", "Eva Gast", "Gast GmbH") == []
    with writing(app):
        assert erase_guest("eva@gast.example", actor=None, now=utcnow()) == 0


def test_the_delete_form_with_htmx(app, world, htmx_client):
    from tests.conftest import PASSWORD

    htmx_client.submit("/konto/anmelden", {"email": world.client.email, "password": PASSWORD})
    wrong = htmx_client.submit(
        "/konto/datenschutz/konto-loeschen", {"password": "nein", "confirm": "LÖSCHEN"}
    )
    assert wrong.status_code == 422
    fragment = wrong.get_data(as_text=True)
    assert 'id="delete-form"' in fragment and "<h1" not in fragment
    done = htmx_client.submit(
        "/konto/datenschutz/konto-loeschen", {"password": PASSWORD, "confirm": "LÖSCHEN"}
    )
    assert done.headers["HX-Redirect"] == "/"
    with app.app_context():
        assert db.session.get(User, world.client.id).erased_at is not None


def test_guest_bookings_under_the_accounts_address_go_too(app, world, outbox):
    from app.booking.service import Guest

    email = world.client.email
    as_guest = upcoming(app, world, guest=Guest("Andreas als Gast", email, "Rheinchem"))
    with app.test_request_context():
        from app.privacy.export import export_user

        data = export_user(db.session.get(User, world.client.id))
    assert [b["guest_name"] for b in data["guest_bookings"]] == ["Andreas als Gast"]
    with writing(app):
        erase_user(db.session.get(User, world.client.id), actor=None, now=utcnow())
        db.session.commit()
    with app.app_context():
        assert db.session.get(Booking, as_guest).anonymised_at is not None
    assert occurrences(app, email, "Andreas als Gast") == []
