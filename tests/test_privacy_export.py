"""The data export: a ZIP with all of a person's data and nothing of anyone else's."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.admin.audit import AuditAction
from app.extensions import db
from app.models import AuditEvent, Booking, Invitation, Role, User
from app.models.types import utcnow
from app.privacy.export import export_guest, export_user, export_zip
from tests.booking_support import GUEST, user_of
from tests.canvas_support import make_canvas
from tests.privacy_support import past_booking, private_note, unzip, upcoming

SECRET = "Vertraulich: Chef skeptisch"


@pytest.fixture
def rich(app, world, make):
    """The world's client with an upcoming and a past booking (with an advisor's private
    note), a canvas with a colleague's note, and a stranger of another organisation."""
    upcoming_id = upcoming(app, world)
    past_id = past_booking(app, world, world.client.id, days_ago=10, agenda="Laborprozesse")
    private_note(app, past_id, user_of(app, world.brandt).id, SECRET)
    with app.app_context():
        client = db.session.get(User, world.client.id)
        org = client.organisation
        db.session.add(
            Invitation(
                organisation_id=org.id,
                invited_by_id=client.id,
                email="kollegin@rheinchem.example",
                token_hash="x" * 64,
                expires_at=utcnow() + timedelta(days=7),
            )
        )
        db.session.commit()
        org_id = org.id
    colleague = make.user(
        "kollege@firma.example", name="Kollege Karl", organisation=db_org(app, org_id)
    )
    canvas_id = make_canvas(app, world.client, notes={"customer_segments": ["Mittelstand NRW"]})
    with app.test_request_context():
        from app.canvas import notes as note_service
        from app.database import begin_write
        from app.models import Canvas

        begin_write(db.session())
        note_service.add_note(
            db.session.get(Canvas, canvas_id),
            db.session.get(User, colleague.id),
            "customer_segments",
            "Notiz vom Kollegen",
        )
        db.session.commit()
    stranger = make.user("fremd@andere.example", name="Fremde Frieda")
    make_canvas(app, stranger, title="Fremder Canvas", notes={"channels": ["Fremde Notiz"]})
    return {"upcoming": upcoming_id, "past": past_id, "canvas": canvas_id}


def db_org(app, org_id):
    from app.models import Organisation

    with app.app_context():
        org = db.session.get(Organisation, org_id)
        db.session.expunge(org)
        return org


def test_the_zip_holds_the_users_data_and_nothing_of_anyone_else(app, world, rich, auth, client):
    auth.login(world.client.email)
    page = client.get("/konto/datenschutz/")
    assert page.status_code == 200
    assert "Meine Daten herunterladen" in page.get_data(as_text=True)

    response = client.submit("/konto/datenschutz/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="meine-daten-')
    assert f"{utcnow():%Y-%m-%d}" in disposition

    data, readme = unzip(response.data)
    assert data["profile"]["email"] == world.client.email
    assert data["profile"]["name"] == "Andreas Krüger"
    assert data["organisation"]["name"].startswith("Firma")
    agendas = {b["agenda"] for b in data["bookings"]}
    assert agendas == {"Wie digitalisieren wir unser Labor?", "Laborprozesse"}
    first = data["bookings"][0]
    assert first["advisor"] == "Dr. Katharina Brandt"
    assert first["topic"] == "Digitalisierung"
    assert first["start_utc"].endswith("+00:00")
    assert first["start_local"].endswith(("+01:00", "+02:00"))
    assert [c["title"] for c in data["canvases_created"]] == ["Digitaler Kundenservice"]
    assert [n["text"] for n in data["canvas_notes_written"]] == ["Mittelstand NRW"]
    assert [i["email"] for i in data["invitations_sent"]] == ["kollegin@rheinchem.example"]
    assert "daten.json" in readme and "bookings: 2" in readme

    whole = response.data.decode("latin-1") + str(data)
    assert SECRET not in str(data)  # the advisor's private note is theirs
    assert "Notiz vom Kollegen" not in str(data)  # a colleague's note is theirs
    assert "Fremde" not in str(data) and "fremd@" not in whole

    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DATA_EXPORTED)
        ).one()
        assert event.actor_id == world.client.id
        assert world.client.email not in event.target_label


def test_export_needs_login_and_csrf(app, world, auth, client):
    anonymous = client.submit("/konto/datenschutz/export")
    assert anonymous.status_code == 302 and "/konto/anmelden" in anonymous.location
    auth.login(world.client.email)
    assert client.post("/konto/datenschutz/export").status_code == 400  # no CSRF token
    assert client.get("/konto/datenschutz/export").status_code == 405


def test_staff_export_has_their_private_notes(app, world, rich):
    advisor = user_of(app, world.brandt)
    with app.test_request_context():
        data = export_user(db.session.get(User, advisor.id))
    assert [n["text"] for n in data["booking_notes_written"]] == [SECRET]
    assert data["bookings"] == []


def test_guest_export_holds_consent_and_any_case(app, world):
    upcoming(app, world, guest=GUEST)
    with app.app_context():
        db.session.execute(
            sa.update(Booking).values(
                guest_consent_at=utcnow(), guest_consent_version=3, guest_consent_text="Ja."
            )
        )
        db.session.commit()
    with app.test_request_context():
        data = export_guest("EVA@Gast.example")
    assert len(data["bookings"]) == 1
    booking = data["bookings"][0]
    assert booking["guest_name"] == "Eva Gast"
    assert booking["consent"]["privacy_notice_version"] == 3
    assert booking["consent"]["text"] == "Ja."
    with app.test_request_context():
        data, _readme = unzip(export_zip(export_guest("niemand@nirgends.example")))
    assert data["bookings"] == []


def test_statements_do_not_grow_with_bookings(app, world, make, count_queries):
    few = make.user("wenig@firma.example")
    lots = make.user("viel@firma.example")
    for _ in range(3):
        past_booking(app, world, few.id, days_ago=5)
    for _ in range(40):
        past_booking(app, world, lots.id, days_ago=5)
    counts = []
    for person in (few, lots):
        with app.test_request_context():
            user = db.session.get(User, person.id)
            with count_queries() as statements:
                data = export_user(user)
            counts.append(len(statements))
    assert len(data["bookings"]) == 40
    assert counts[0] == counts[1]
    assert counts[1] <= 10


def test_advisors_see_no_delete_button(app, world, auth, client):
    auth.login(user_of(app, world.brandt).email)
    page = client.get("/konto/datenschutz/").get_data(as_text=True)
    assert "löscht die Administration" in page
    assert client.submit("/konto/datenschutz/konto-loeschen").status_code == 403
    assert Role.ADVISOR
