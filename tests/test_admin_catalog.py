"""Admins manage consultation types and topics; nobody else can."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.booking import service
from app.extensions import db
from app.models import Advisor, AuditEvent, Booking, ConsultationType, Role, Topic, User
from tests.booking_support import at, book, fetch, monday_in, writing

TYPE_FORM = {
    "name_de": "Workshop Geschäftsmodell",
    "name_en": "Business model workshop",
    "slug": "workshop",
    "duration_minutes": "90",
    "buffer_before_minutes": "15",
    "buffer_after_minutes": "15",
    "minimum_notice_minutes": "4320",
    "horizon_days": "90",
    "max_per_day": "1",
    "location_kind": "on_site",
    "location_detail_de": "Musterstraße 1, Dormagen",
    "active": "y",
}


@pytest.mark.parametrize("role", [Role.CLIENT, Role.ADVISOR])
@pytest.mark.parametrize("path", ["/admin/beratungsarten", "/admin/themen/neu"])
def test_only_admins_manage_the_catalogue(client, auth, make, role, path):
    auth.login(make.user(role=role).email)
    assert client.get(path).status_code == 403


def test_admin_creates_a_consultation_type(app, client, admin):
    answer = client.submit("/admin/beratungsarten/neu", TYPE_FORM)
    assert answer.headers["Location"] == "/admin/beratungsarten"
    listing = client.get("/admin/beratungsarten").get_data(as_text=True)
    assert "Workshop Geschäftsmodell" in listing and "90 Minuten" in listing
    with app.app_context():
        ctype = db.session.scalar(sa.select(ConsultationType))
        assert (ctype.duration_minutes, ctype.max_per_day, ctype.location_kind) == (
            90, 1, "on_site",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "neunzig", "Bitte geben Sie eine ganze Zahl ein."),
        ("duration_minutes", "2", "Bitte eine Zahl von 5 bis 480."),
        ("slug", "Workshop Neu", "Nur Kleinbuchstaben"),
        ("location_kind", "mars", "Bitte wählen Sie, wo die Beratung stattfindet."),
    ],
)
def test_bad_type_input_is_explained(app, htmx_client, make, field, value, message):
    htmx_client.submit("/konto/anmelden", {"email": make.user(role=Role.ADMIN).email,
                                           "password": "Korrekt-Pferd-Batterie-9"})  # fmt: skip
    response = htmx_client.submit("/admin/beratungsarten/neu", {**TYPE_FORM, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'value="Workshop Geschäftsmodell"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ConsultationType.id))) == 0


def test_slugs_are_unique(client, admin, make):
    make.consultation_type("workshop")
    response = client.submit("/admin/beratungsarten/neu", TYPE_FORM)
    assert response.status_code == 422
    assert "Dieser Kurzname ist schon vergeben." in response.get_data(as_text=True)


def test_admin_edits_a_type(app, client, admin, make):
    ctype = make.consultation_type()
    form = client.get(f"/admin/beratungsarten/{ctype.id}").get_data(as_text=True)
    assert 'value="erstgespraech"' in form
    client.submit(f"/admin/beratungsarten/{ctype.id}", {**TYPE_FORM, "slug": "erstgespraech"})
    with app.app_context():
        assert db.session.get(ConsultationType, ctype.id).duration_minutes == 90


def test_admin_creates_a_topic_with_advisors(app, client, admin, make):
    brandt = make.advisor(name="Dr. Katharina Brandt")
    make.advisor(name="Thomas Becker")
    client.submit(
        "/admin/themen/neu",
        {"name_de": "Kreislaufwirtschaft", "name_en": "Circular economy",
         "slug": "kreislaufwirtschaft", "advisor_ids": [str(brandt.id)]},
    )  # fmt: skip
    listing = client.get("/admin/themen").get_data(as_text=True)
    assert "Kreislaufwirtschaft" in listing and "Dr. Katharina Brandt" in listing
    assert "Thomas Becker" not in listing
    with app.app_context():
        topic = db.session.scalar(sa.select(Topic))
        assert [a.id for a in topic.advisors] == [brandt.id]


def test_unknown_catalogue_entries_are_404(client, admin):
    assert client.get("/admin/beratungsarten/999").status_code == 404
    assert client.get("/admin/themen/999").status_code == 404


def test_location_details_round_trip_in_both_languages(app, client, admin):
    both = {**TYPE_FORM, "location_detail_en": "Musterstrasse 1, Dormagen (main entrance)"}
    client.submit("/admin/beratungsarten/neu", both)
    with app.app_context():
        type_id = db.session.scalar(sa.select(ConsultationType.id))
    form = client.get(f"/admin/beratungsarten/{type_id}").get_data(as_text=True)
    assert 'name="location_detail_de" type="text" value="Musterstraße 1, Dormagen"' in form
    assert 'value="Musterstrasse 1, Dormagen (main entrance)"' in form
    client.submit(f"/admin/beratungsarten/{type_id}", {**both, "location_detail_en": ""})
    with app.app_context():
        ctype = db.session.get(ConsultationType, type_id)
        # Empty English: the English pages fall back to the German text (tests/test_formats).
        assert (ctype.location_detail_de, ctype.location_detail_en) == (
            "Musterstraße 1, Dormagen", "",
        )  # fmt: skip


# --- the audit log, deleting and deactivating ------------------------------------------


def audit_actions(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.target_id).order_by(AuditEvent.id)
        )
        return [(action, target_id) for action, target_id in rows]


def test_saving_is_recorded_in_the_audit_log(app, client, admin, make):
    client.submit("/admin/beratungsarten/neu", TYPE_FORM)
    topic = make.topic()
    client.submit(
        f"/admin/themen/{topic.id}",
        {"name_de": "Digitalisierung", "name_en": "Digitalisation", "slug": "digitalisierung",
         "active": "y"},
    )  # fmt: skip
    with app.app_context():
        type_id = db.session.scalar(sa.select(ConsultationType.id))
    assert audit_actions(app) == [("consultation_type.saved", type_id), ("topic.saved", topic.id)]


def test_an_unreferenced_topic_and_type_are_deleted_after_confirming(app, client, admin, make):
    topic = make.topic()
    make.advisor(topic)
    ctype = make.consultation_type()
    confirm = client.get(f"/admin/themen/{topic.id}/loeschen").get_data(as_text=True)
    assert "Keine Buchung verweist darauf." in confirm and "Endgültig löschen" in confirm
    with app.app_context():
        assert db.session.get(Topic, topic.id) is not None  # asking deletes nothing
    assert client.submit(f"/admin/themen/{topic.id}/loeschen").status_code == 302
    assert client.submit(f"/admin/beratungsarten/{ctype.id}/loeschen").status_code == 302
    with app.app_context():
        assert db.session.get(Topic, topic.id) is None
        assert db.session.get(ConsultationType, ctype.id) is None
        assert db.session.scalar(sa.select(sa.func.count(Advisor.id))) == 1
    assert audit_actions(app) == [
        ("topic.deleted", topic.id), ("consultation_type.deleted", ctype.id),
    ]  # fmt: skip


def test_a_referenced_topic_is_deactivated_instead(app, client, admin, world):
    for clock in ("10:00", "11:00"):
        book(app, world, at(monday_in(2), clock))
    url = f"/admin/themen/{world.topic.id}/loeschen"
    confirm = client.get(url).get_data(as_text=True)
    assert "2 Buchungen verweisen darauf." in confirm
    assert "Stattdessen deaktivieren" in confirm and "Endgültig löschen" not in confirm
    refused = client.submit(url)  # a delete sent anyway (an old page)
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(Topic, world.topic.id).active
    assert client.submit(url, {"action": "deactivate"}).status_code == 302
    with app.app_context():
        assert not db.session.get(Topic, world.topic.id).active
    assert audit_actions(app) == [("topic.deactivated", world.topic.id)]
    assert "bereits deaktiviert" in client.get(url).get_data(as_text=True)


def test_a_referenced_type_is_deactivated_instead(app, client, admin, world):
    book(app, world, at(monday_in(2), "10:00"))
    url = f"/admin/beratungsarten/{world.ctype.id}/loeschen"
    assert "1 Buchung verweist darauf." in client.get(url).get_data(as_text=True)
    client.submit(url, {"action": "deactivate"})
    with app.app_context():
        assert not db.session.get(ConsultationType, world.ctype.id).active
    assert audit_actions(app) == [("consultation_type.deactivated", world.ctype.id)]


def test_deleting_unknown_entries_is_404_and_only_for_admins(client, auth, make):
    auth.login(make.user(role=Role.ADMIN).email)
    assert client.get("/admin/themen/999/loeschen").status_code == 404
    assert client.submit("/admin/beratungsarten/999/loeschen").status_code == 404
    auth.logout()
    topic = make.topic()
    auth.login(make.user(role=Role.ADVISOR).email)
    assert client.submit(f"/admin/themen/{topic.id}/loeschen").status_code == 403


def test_the_topic_form_deactivates_a_topic(app, client, admin, world):
    form = client.get(f"/admin/themen/{world.topic.id}").get_data(as_text=True)
    assert re.search(r'<input [^>]*checked id="active" name="active"', form)
    client.submit(
        f"/admin/themen/{world.topic.id}",
        {"name_de": "Digitalisierung", "name_en": "Digitalisation", "slug": "digitalisierung"},
    )
    with app.app_context():
        assert not db.session.get(Topic, world.topic.id).active
    assert "nein" in client.get("/admin/themen").get_data(as_text=True)


# --- an inactive topic is offered nowhere; its bookings keep it --------------------------


@pytest.fixture
def retired(app, make, world):
    """A second topic Brandt advises on, then deactivated."""
    topic = make.topic("kreislauf", "Kreislaufwirtschaft")
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        advisor.topics = [*advisor.topics, db.session.get(Topic, topic.id)]
        db.session.commit()
    booking_id = book_topic(app, world, topic)
    with app.app_context():
        db.session.get(Topic, topic.id).active = False
        db.session.commit()
    return SimpleNamespace(topic=topic, booking_id=booking_id)


def book_topic(app, world, topic) -> int:
    with writing(app):
        booking = service.book(
            ctype=db.session.get(ConsultationType, world.ctype.id),
            topic=db.session.get(Topic, topic.id),
            advisor=db.session.get(Advisor, world.brandt.id),
            start=at(monday_in(2), "15:00"),
            agenda="",
            booker=db.session.get(User, world.client.id),
        )
        db.session.commit()
        return booking.id


def test_an_inactive_topic_is_gone_from_the_picker(client, world, retired):
    picker = client.get("/beratung/termine").get_data(as_text=True)
    assert "Digitalisierung" in picker and "Kreislaufwirtschaft" not in picker
    assert client.get("/beratung/termine?topic=kreislauf").status_code == 404


def test_an_inactive_topic_is_gone_from_the_home_page(client, world, retired):
    home = client.get("/").get_data(as_text=True)
    assert "Digitalisierung" in home and "Kreislaufwirtschaft" not in home
    assert "topic=kreislauf" not in home


def test_an_inactive_topic_is_gone_from_the_api(client, world, retired):
    week = monday_in(2)
    response = client.get(f"/api/v1/slots?type=erstgespraech&topic=kreislauf&from={week}&to={week}")
    assert response.status_code == 400
    assert "no active topic with this slug" in response.get_data(as_text=True)


def test_booking_an_inactive_topic_is_refused(app, client, auth, world, retired):
    auth.login(world.client.email)
    start = at(monday_in(2), "11:00")
    url = (
        f"/beratung/buchen?type=erstgespraech&topic=kreislauf&advisor={world.brandt.id}"
        f"&start={start:%Y-%m-%dT%H:%MZ}"
    )
    response = client.submit(url, {"agenda": "Altes Lesezeichen"}, follow_redirects=True)
    assert "Zu diesem Thema bieten wir keine Termine mehr an." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 1  # the earlier one
    with pytest.raises(service.BookingError), writing(app):  # the service refuses it too
        service.book(
            ctype=db.session.get(ConsultationType, world.ctype.id),
            topic=db.session.get(Topic, retired.topic.id),
            advisor=None,
            start=start,
            agenda="",
            booker=db.session.get(User, world.client.id),
        )


def test_existing_bookings_keep_an_inactive_topic(app, client, auth, world, retired):
    auth.login(world.client.email)
    mine = client.get("/beratung/meine-termine").get_data(as_text=True)
    assert "Kreislaufwirtschaft" in mine
    assert fetch(app, retired.booking_id).topic_id == retired.topic.id
    with app.app_context():
        booking = db.session.get(Booking, retired.booking_id)
        assert booking.topic.name_de == "Kreislaufwirtschaft" and booking.status == "confirmed"
