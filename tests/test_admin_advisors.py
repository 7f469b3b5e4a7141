"""Admins manage advisors: create and invite, edit, deactivate (nobody can book them any
more, nothing is deleted) and resolve their upcoming bookings one by one."""

from __future__ import annotations

import icalendar
import pytest
import sqlalchemy as sa

from app.booking import service
from app.extensions import db
from app.models import Advisor, AuditEvent, Booking, BookingEvent, Role, Topic, User
from app.models.types import utcnow
from tests.booking_support import GUEST, at, book, fetch, monday_in, user_of, writing
from tests.test_booking_freshness import BRANDT, assert_offered_no_more, picker_url, warm


def audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return list(found)


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def wagner(make, world):
    return make.advisor(world.topic, name="Ines Wagner")


# --- who may -----------------------------------------------------------------------------


def urls(advisor_id: int, booking_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/admin/berater"),
        ("post", "/admin/berater"),
        ("get", f"/admin/berater/{advisor_id}"),
        ("post", f"/admin/berater/{advisor_id}"),
        ("get", f"/admin/berater/{advisor_id}/deaktivieren"),
        ("post", f"/admin/berater/{advisor_id}/deaktivieren"),
        ("post", f"/admin/berater/{advisor_id}/reaktivieren"),
        ("get", f"/admin/berater/termin/{booking_id}/neu-zuweisen"),
        ("post", f"/admin/berater/termin/{booking_id}/neu-zuweisen"),
        ("get", f"/admin/berater/termin/{booking_id}/absagen"),
        ("post", f"/admin/berater/termin/{booking_id}/absagen"),
    ]


@pytest.mark.parametrize("role", [None, Role.CLIENT, Role.ADVISOR])
def test_only_admins_manage_advisors(app, client, auth, make, world, role):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    if role is not None:
        auth.login(make.user(role=role).email)
    for method, url in urls(world.brandt.id, booking_id):
        response = client.get(url) if method == "get" else client.submit(url)
        if role is None:
            assert response.status_code == 302, url
            assert "/konto/anmelden" in response.headers["Location"]
        else:
            assert response.status_code == 403, url
    assert fetch(app, booking_id).advisor_id == world.brandt.id
    with app.app_context():
        assert db.session.get(Advisor, world.brandt.id).active


def test_unknown_ids_are_404(client, admin, world):
    for url in (
        "/admin/berater/999999",
        "/admin/berater/999999/deaktivieren",
        "/admin/berater/termin/999999/neu-zuweisen",
        "/admin/berater/termin/999999/absagen",
    ):
        assert client.get(url).status_code == 404, url
    assert client.submit("/admin/berater/999999/reaktivieren").status_code == 404


# --- the list ----------------------------------------------------------------------------


def test_the_list_shows_status_topics_and_what_is_coming(app, client, admin, world):
    book(app, world, at(monday_in(2), "10:00"))
    book(app, world, at(monday_in(3), "11:00"))
    book(app, world, at(monday_in(7), "11:00"))  # beyond the four weeks the list counts
    with app.app_context():
        db.session.get(Advisor, world.becker.id).active = False
        db.session.commit()
    listing = page(client.get("/admin/berater"))
    assert "Dr. Katharina Brandt" in listing and "Thomas Becker" in listing
    assert "aktiv, buchbar" in listing and "deaktiviert" in listing
    assert "Digitalisierung" in listing
    row = listing.split(f'id="advisor-{world.brandt.id}"')[1].split("</tr>")[0]
    assert '<td data-label="Termine in 4 Wochen">2</td>' in row


def test_a_deactivated_advisors_bookings_to_resolve_stand_out(app, client, admin, world):
    book(app, world, at(monday_in(2), "10:00"))
    book(app, world, at(monday_in(7), "11:00"))  # beyond four weeks: to resolve all the same
    client.submit(f"/admin/berater/{world.brandt.id}/deaktivieren")
    listing = page(client.get("/admin/berater"))
    assert "Termine klären" in listing
    assert "Dr. Katharina Brandt (deaktiviert): 2 Termine neu zuweisen oder absagen" in listing
    assert "2 zu klären" in listing


def test_the_list_reads_in_constant_statements(app, client, admin, make, world, count_queries):
    book(app, world, at(monday_in(2), "10:00"))

    def statements() -> int:
        client.get("/admin/berater")  # warm: the session's user, the CSRF token
        with count_queries() as counted:
            assert client.get("/admin/berater").status_code == 200
        return len(counted)

    few = statements()
    topic = make.topic("energie", "Energie")
    for number in range(5):
        make.advisor(topic, world.topic, name=f"Beraterin {number}")
    for clock in ("09:00", "11:00", "14:00"):
        book(app, world, at(monday_in(3), clock), advisor=None)
    assert statements() == few


def test_an_admin_creates_an_advisor_who_is_invited(app, client, admin, world, outbox):
    response = client.submit(
        "/admin/berater",
        {
            "name": "Jana Neu",
            "email": "jana.neu@hub.example",
            "title_de": "Förderberatung",
            "topic_ids": [str(world.topic.id)],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "jana.neu@hub.example"))
        advisor = db.session.scalar(sa.select(Advisor).where(Advisor.user_id == user.id))
        assert user.role == "advisor" and advisor.title_de == "Förderberatung"
        assert [t.id for t in advisor.topics] == [world.topic.id]
        assert not advisor.is_bookable  # no weekly hours yet
        assert response.headers["Location"] == f"/admin/berater/{advisor.id}"
    [welcome] = outbox("jana.neu@hub.example")
    assert "http" in welcome.body_text  # the link to choose a password
    [event] = audit(app, "advisor.created")
    assert event.target_label == "Jana Neu"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Bitte geben Sie den Namen der Person ein."),
        ("name", "x" * 100_000, "Bitte höchstens 120 Zeichen."),
        ("email", "keine-adresse", "gültige E-Mail-Adresse"),
        ("email", "jana neu@hub.example", "gültige E-Mail-Adresse"),
        ("title_de", "t" * 100_000, "Bitte höchstens 160 Zeichen."),
    ],
)
def test_bad_input_for_a_new_advisor_is_explained(app, htmx_client, make, field, value, message):
    htmx_client.submit(
        "/konto/anmelden",
        {"email": make.user(role=Role.ADMIN).email, "password": "Korrekt-Pferd-Batterie-9"},
    )
    form = {"name": "Jana Neu", "email": "jana.neu@hub.example", field: value}
    response = htmx_client.submit("/admin/berater", form)
    assert response.status_code == 422
    assert message in page(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Advisor.id))) == 0


def test_a_nul_byte_is_refused_before_anything_is_stored(app, client, admin):
    for field in ("name", "email", "title_de"):
        form = {"name": "Jana Neu", "email": "jana.neu@hub.example", field: "a\x00b"}
        assert client.submit("/admin/berater", form).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Advisor.id))) == 0


def test_an_address_in_use_is_refused(app, client, admin, world):
    taken = user_of(app, world.brandt).email
    response = client.submit("/admin/berater", {"name": "Doppelt", "email": taken})
    assert response.status_code == 422
    assert "gibt es bereits ein Konto" in page(response)


# --- the profile -------------------------------------------------------------------------


def test_an_admin_edits_the_profile(app, client, admin, make, world):
    energy = make.topic("energie", "Energie")
    response = client.submit(
        f"/admin/berater/{world.brandt.id}",
        {
            "title_de": "Leitung Digitalisierung",
            "title_en": "Head of digitalisation",
            "bio_de": "Zeile eins\r\nZeile zwei",
            "bio_en": "",
            "topic_ids": [str(energy.id), "kein-thema", "99999"],
            "is_reviewer": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        assert advisor.title_de == "Leitung Digitalisierung"
        assert advisor.bio_de == "Zeile eins\nZeile zwei"
        assert [t.slug for t in advisor.topics] == ["energie"] and advisor.is_reviewer
    assert audit(app, "user.reviewer_changed")
    assert audit(app, "user.changed")


def test_bad_profile_input_is_explained_inline(app, htmx_client, make, world):
    htmx_client.submit(
        "/konto/anmelden",
        {"email": make.user(role=Role.ADMIN).email, "password": "Korrekt-Pferd-Batterie-9"},
    )
    response = htmx_client.submit(
        f"/admin/berater/{world.brandt.id}",
        {"title_de": "x" * 100_000, "bio_de": "gut", "topic_ids": [str(world.topic.id)]},
    )
    assert response.status_code == 422
    fragment = page(response)
    assert "Bitte höchstens 160 Zeichen." in fragment and "<h1" not in fragment
    with app.app_context():
        assert db.session.get(Advisor, world.brandt.id).title_de == ""


# --- deactivation ------------------------------------------------------------------------


def test_deactivation_asks_first_and_says_what_will_happen(app, client, admin, world):
    book(app, world, at(monday_in(2), "10:00"))
    confirm = page(client.get(f"/admin/berater/{world.brandt.id}/deaktivieren"))
    assert "deaktivieren?" in confirm
    assert "1 anstehender Termin muss danach neu zugewiesen oder abgesagt werden." in confirm
    with app.app_context():
        assert db.session.get(Advisor, world.brandt.id).active


def test_a_deactivated_advisor_disappears_from_the_picker_at_once(
    app, client, htmx_client, make, world, count_queries
):
    assert BRANDT in warm(htmx_client, count_queries, picker_url())
    assert warm(htmx_client, count_queries, picker_url(world.brandt.id))
    client.submit(
        "/konto/anmelden",
        {"email": make.user(role=Role.ADMIN).email, "password": "Korrekt-Pferd-Batterie-9"},
    )
    client.submit(f"/admin/berater/{world.brandt.id}/deaktivieren")
    assert BRANDT not in page(htmx_client.get(picker_url()))
    assert_offered_no_more(htmx_client.get(picker_url(world.brandt.id)))
    [event] = audit(app, "advisor.deactivated")
    assert event.target_id == world.brandt.id


def test_nobody_can_book_a_deactivated_advisor(app, client, admin, world):
    past_id = book(app, world, at(monday_in(-1), "10:00"), now=at(monday_in(-1), "08:00"))
    client.submit(f"/admin/berater/{world.brandt.id}/deaktivieren")
    week = monday_in(2)
    data = client.get(
        f"/api/v1/slots?type=erstgespraech&topic=digitalisierung&from={week}&to={week}"
    ).get_json()
    names = {a["name"] for slot in data["slots"] for a in slot["advisors"]}
    assert names == {"Thomas Becker"}
    api = client.get(
        "/api/v1/slots?type=erstgespraech&topic=digitalisierung"
        f"&advisor={world.brandt.id}&from={week}&to={week}"
    )
    assert api.status_code == 400
    for clock in ("10:00", "11:00", "14:00"):  # "any advisor" never picks her
        booking_id = book(app, world, at(week, clock), advisor=None)
        assert fetch(app, booking_id).advisor_id == world.becker.id
    with pytest.raises(service.SlotUnavailable):  # nor does the service, named directly
        book(app, world, at(week, "15:00"))
    # Her history stays: the earlier booking, with its steps.
    with app.app_context():
        assert db.session.get(Booking, past_id).advisor_id == world.brandt.id
        assert db.session.scalar(
            sa.select(sa.func.count(BookingEvent.id)).where(BookingEvent.booking_id == past_id)
        )
        assert db.session.get(Advisor, world.brandt.id) is not None


def test_the_advisor_page_lists_the_bookings_to_resolve(app, client, admin, world):
    soon = book(app, world, at(monday_in(2), "10:00"))
    later = book(app, world, at(monday_in(3), "10:00"), guest=GUEST)
    cancelled = book(app, world, at(monday_in(2), "14:00"))
    with writing(app):
        service.cancel(db.session.get(Booking, cancelled), "")
        db.session.commit()
    client.submit(f"/admin/berater/{world.brandt.id}/deaktivieren")
    advisor_page = page(client.get(f"/admin/berater/{world.brandt.id}"))
    assert "Termine klären" in advisor_page
    assert "2 Termine liegen noch bei dieser deaktivierten Person." in advisor_page
    assert advisor_page.index(f'id="booking-{soon}"') < advisor_page.index(f'id="booking-{later}"')
    assert f'id="booking-{cancelled}"' not in advisor_page
    assert f"/admin/berater/termin/{soon}/neu-zuweisen" in advisor_page
    assert f"/admin/berater/termin/{later}/absagen" in advisor_page
    assert "Eva Gast (Gast GmbH)" in advisor_page


def test_reactivation_makes_them_bookable_again(app, client, admin, world):
    client.submit(f"/admin/berater/{world.brandt.id}/deaktivieren")
    client.submit(f"/admin/berater/{world.brandt.id}/reaktivieren")
    with app.app_context():
        assert db.session.get(Advisor, world.brandt.id).is_bookable
    assert len(audit(app, "advisor.reactivated")) == 1


# --- resolving: reassign or cancel -------------------------------------------------------


def test_an_admin_reassigns_a_booking(app, client, admin, world, wagner, outbox):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    book(app, world, at(monday_in(2), "10:00"), advisor="becker")  # Becker is busy then
    client.submit(f"/admin/berater/{world.brandt.id}/deaktivieren")
    form = page(client.get(f"/admin/berater/termin/{booking_id}/neu-zuweisen"))
    assert "Ines Wagner" in form and "Thomas Becker" not in form
    response = client.submit(
        f"/admin/berater/termin/{booking_id}/neu-zuweisen", {"advisor": str(wagner.id)}
    )
    assert response.headers["Location"] == f"/admin/berater/{world.brandt.id}#termine"
    assert fetch(app, booking_id).advisor_id == wagner.id
    [event] = audit(app, "booking.reassigned")
    assert event.target_id == booking_id
    assert event.detail == "Dr. Katharina Brandt → Ines Wagner"
    to_wagner = outbox(user_of(app, wagner).email)
    assert to_wagner[-1].ics_method == "REQUEST"
    assert "Termine klären" not in page(client.get(f"/admin/berater/{world.brandt.id}"))


def test_a_busy_or_unsuitable_target_is_refused_with_a_reason(app, client, admin, world, wagner):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    book(app, world, at(monday_in(2), "10:00"), advisor="becker")
    url = f"/admin/berater/termin/{booking_id}/neu-zuweisen"
    busy = client.submit(url, {"advisor": str(world.becker.id)})
    assert busy.status_code == 409
    assert "zu dieser Zeit nicht frei" in page(busy)
    client.submit(f"/admin/berater/{wagner.id}/deaktivieren")
    inactive = client.submit(url, {"advisor": str(wagner.id)})
    assert inactive.status_code == 409 and "nicht buchbar" in page(inactive)
    for value in ("", "abc", "1" * 40, "-3", "99999", "²"):
        garbage = client.submit(url, {"advisor": value})
        assert garbage.status_code == 422, value
        assert "Bitte wählen Sie, wer den Termin übernimmt." in page(garbage)
    assert fetch(app, booking_id).advisor_id == world.brandt.id
    assert audit(app, "booking.reassigned") == []


def test_a_past_or_cancelled_booking_has_nothing_to_resolve(app, client, admin, world):
    past = book(app, world, at(monday_in(-1), "10:00"), now=at(monday_in(-1), "08:00"))
    assert fetch(app, past).start < utcnow()
    assert client.get(f"/admin/berater/termin/{past}/neu-zuweisen").status_code == 404


def test_an_admin_cancels_a_booking_with_a_reason(app, client, admin, world, outbox):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    client.submit(f"/admin/berater/{world.brandt.id}/deaktivieren")
    url = f"/admin/berater/termin/{booking_id}/absagen"
    assert "Termin absagen?" in page(client.get(url))
    empty = client.submit(url, {"reason": "  "})
    assert empty.status_code == 422 and "Bitte geben Sie einen Grund an" in page(empty)
    huge = client.submit(url, {"reason": "x" * 100_000})
    assert huge.status_code == 422
    assert client.submit(url, {"reason": "Grund\x00"}).status_code == 400
    response = client.submit(url, {"reason": "  Die Beraterin hat das Haus verlassen.\r\n"})
    assert response.status_code == 302
    booking = fetch(app, booking_id)
    assert booking.status == "cancelled"
    assert booking.cancel_reason == "Die Beraterin hat das Haus verlassen."
    mail = outbox(world.client.email)[-1]
    assert mail.ics_method == "CANCEL"
    [vevent] = icalendar.Calendar.from_ical(mail.ics_body).walk("VEVENT")
    assert str(vevent["UID"]) == booking.uid
    assert "Die Beraterin hat das Haus verlassen." in mail.body_text
    [event] = audit(app, "booking.cancelled")
    assert event.target_id == booking_id
    assert client.get(url).status_code == 404  # nothing left to resolve


def test_admin_advisor_pages_keep_topic_names_of_inactive_topics(app, client, admin, world):
    with app.app_context():
        db.session.get(Topic, world.topic.id).active = False
        db.session.commit()
    advisor_page = page(client.get(f"/admin/berater/{world.brandt.id}"))
    assert "Digitalisierung (deaktiviert)" in advisor_page


def test_the_advisor_page_shows_the_first_bookings_and_counts_the_rest(
    app, client, admin, world, monkeypatch, count_queries
):
    from app.admin import advisors

    monkeypatch.setattr(advisors, "SHOWN", 2)
    book(app, world, at(monday_in(2), "10:00"))
    url = f"/admin/berater/{world.brandt.id}"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for clock in ("11:00", "12:00", "14:00"):
        book(app, world, at(monday_in(2), clock))
    with count_queries() as many:
        advisor_page = page(client.get(url))
    assert len(many) == len(few)
    assert advisor_page.count("/neu-zuweisen") == 2
    assert "… und 2 weitere Termine danach." in advisor_page
