"""Bringing a canvas to a consultation: the booking form and the manage page offer the
organisation's canvases (draft or a version), nothing of another organisation is ever
attached, and the booking's advisor (and only that advisor) reads what it brings."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.canvas import access, attach
from app.extensions import db
from app.models import Booking, Canvas, User
from tests.booking_support import (
    GUEST_FORM,
    at,
    book,
    fetch,
    monday_in,
    organisation_of,
    user_of,
    writing,
)
from tests.canvas_support import make_canvas, submit
from tests.conftest import PASSWORD
from tests.test_html import audit, nu_errors

PAYLOAD = "<script>alert(1)</script>"
NOTES = {"value_propositions": ["Rezepturen digital freigeben"]}


def book_url(start) -> str:
    return (
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung"
        f"&advisor=any&start={start:%Y-%m-%dT%H:%MZ}"
    )


@pytest.fixture
def canvases(app, make, world):
    """World's client's organisation has a submitted canvas (v1) and a draft-only one;
    another organisation has a canvas of its own."""
    submitted = make_canvas(app, world.client, notes=NOTES, title="Kreislauf-Chemie")
    submit(app, world.client, submitted)
    draft = make_canvas(app, world.client, template="lean", title="Laborportal")
    stranger = make.user(name="Fremde Person")
    foreign = make_canvas(app, stranger, title="Fremdes Modell")
    return type("Canvases", (), {"submitted": submitted, "draft": draft, "foreign": foreign})


def bookings_with_canvas(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(Booking.canvas_id, Booking.canvas_version_id).order_by(Booking.id)
        ).all()


# --- the service -------------------------------------------------------------------------


def test_offers_are_the_organisations_canvases_as_draft_and_each_version(app, world, canvases):
    with app.test_request_context():
        offers = attach.offers(world.client.organisation_id)
    labels = [offer.label for offer in offers]
    assert "Kreislauf-Chemie — Entwurf" in labels
    assert "Kreislauf-Chemie — Version 1 (Eingereicht)" in labels
    assert "Laborportal — Entwurf" in labels
    assert not any("Fremdes Modell" in label for label in labels)
    assert {offer.value for offer in offers} == {
        str(canvases.submitted),
        f"{canvases.submitted}:1",
        str(canvases.draft),
    }


def test_only_the_newest_version_carries_the_review_status(app, world, canvases):
    with writing(app):
        canvas = db.session.get(Canvas, canvases.submitted)
        canvas.status = "approved"  # as if reviewed; v2 comes on top of it
        db.session.commit()
    submit(app, world.client, canvases.submitted)
    with app.test_request_context():
        labels = [offer.label for offer in attach.offers(world.client.organisation_id)]
    assert "Kreislauf-Chemie — Version 2 (Eingereicht)" in labels
    assert "Kreislauf-Chemie — Version 1" in labels


def test_attach_refuses_anything_but_the_bookings_organisations_canvases(app, world, canvases):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    refused = [str(canvases.foreign), f"{canvases.submitted}:7", "x", "1:y", "", "-1", "9" * 20]
    with writing(app):
        booking = db.session.get(Booking, booking_id)
        for value in refused:
            with pytest.raises(attach.NotAttachable):
                attach.attach(booking, value)
        attach.attach(booking, f"{canvases.submitted}:1")
        db.session.commit()
    assert fetch(app, booking_id).canvas_id == canvases.submitted
    assert fetch(app, booking_id).canvas_version_id is not None


# --- the booking form --------------------------------------------------------------------


def test_booking_form_offers_the_organisations_canvases_and_brings_the_chosen_version(
    client, auth, app, world, canvases
):
    auth.login(world.client.email)
    start = at(monday_in(2), "10:00")
    page = client.get(book_url(start)).get_data(as_text=True)
    assert "Canvas mitbringen" in page
    assert f'<option value="{canvases.submitted}:1">Kreislauf-Chemie — Version 1' in page
    assert "Fremdes Modell" not in page
    answer = client.submit(
        book_url(start),
        {"agenda": "Kreislaufmodell besprechen", "canvas": f"{canvases.submitted}:1"},
    )
    assert answer.status_code == 302
    [(canvas_id, version_id)] = bookings_with_canvas(app)
    assert canvas_id == canvases.submitted and version_id is not None
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f'href="/canvas/{canvases.submitted}/versionen/1"' in shown
    assert "Kreislauf-Chemie — Version 1" in shown


def test_a_forged_canvas_in_the_booking_form_is_refused_inline_and_nothing_is_booked(
    client, auth, app, world, canvases
):
    auth.login(world.client.email)
    start = at(monday_in(2), "10:00")
    answer = client.submit(book_url(start), {"agenda": "Modell", "canvas": str(canvases.foreign)})
    assert answer.status_code == 422
    assert "Bitte wählen Sie eines der Canvases Ihres Unternehmens." in answer.get_data(
        as_text=True
    )
    assert bookings_with_canvas(app) == []


def test_guests_are_offered_no_canvas_and_cannot_smuggle_one_in(client, app, world, canvases):
    start = at(monday_in(2), "10:00")
    assert "Canvas mitbringen" not in client.get(book_url(start)).get_data(as_text=True)
    answer = client.submit(book_url(start), {**GUEST_FORM, "canvas": str(canvases.submitted)})
    assert answer.status_code == 302
    assert bookings_with_canvas(app) == [(None, None)]


def test_the_select_shows_a_canvas_title_as_text(client, auth, app, world):
    make_canvas(app, world.client, title=PAYLOAD)
    auth.login(world.client.email)
    page = client.get(book_url(at(monday_in(2), "10:00"))).get_data(as_text=True)
    assert PAYLOAD not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; — Entwurf" in page


# --- the manage page ---------------------------------------------------------------------


def test_a_member_attaches_changes_and_removes_the_canvas_later(client, auth, app, world, canvases):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    uid = fetch(app, booking_id).uid
    auth.login(world.client.email)
    page = client.get(f"/beratung/termin/{uid}").get_data(as_text=True)
    assert "Canvas zum Termin" in page and "Laborportal — Entwurf" in page

    client.submit(f"/beratung/termin/{uid}/canvas", {"canvas": str(canvases.draft)})
    page = client.get(f"/beratung/termin/{uid}").get_data(as_text=True)
    assert f'<a href="/canvas/{canvases.draft}">Laborportal — Entwurf</a>' in page
    assert f'<option selected value="{canvases.draft}">' in page

    client.submit(f"/beratung/termin/{uid}/canvas", {"canvas": f"{canvases.submitted}:1"})
    assert bookings_with_canvas(app)[0][0] == canvases.submitted

    answer = client.submit(f"/beratung/termin/{uid}/canvas", {"canvas": ""})
    assert answer.status_code == 302
    assert bookings_with_canvas(app) == [(None, None)]
    assert "Der Termin bringt kein Canvas mehr mit." in client.get(
        answer.headers["Location"]
    ).get_data(as_text=True)


def test_a_forged_canvas_on_the_manage_page_is_refused_inline(htmx_client, app, world, canvases):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    uid = fetch(app, booking_id).uid
    htmx_client.submit("/konto/anmelden", {"email": world.client.email, "password": PASSWORD})
    answer = htmx_client.submit(f"/beratung/termin/{uid}/canvas", {"canvas": str(canvases.foreign)})
    assert answer.status_code == 422
    fragment = answer.get_data(as_text=True)
    assert "<html" not in fragment and 'id="booking-canvas-form"' in fragment
    assert "Bitte wählen Sie eines der Canvases Ihres Unternehmens." in fragment
    assert bookings_with_canvas(app) == [(None, None)]


def test_only_members_of_the_bookings_organisation_choose_its_canvas(
    client, auth, app, make, world, canvases
):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    uid = fetch(app, booking_id).uid
    url = f"/beratung/termin/{uid}/canvas"
    stranger = make.user()
    auth.login(stranger.email)
    assert client.submit(url, {"canvas": str(canvases.draft)}).status_code == 404
    auth.logout()
    auth.login(user_of(app, world.brandt).email)  # sees the booking, may not choose for it
    assert client.submit(url, {"canvas": str(canvases.draft)}).status_code == 403
    assert "Canvas zum Termin" not in client.get(f"/beratung/termin/{uid}").get_data(as_text=True)
    colleague = make.user(organisation=organisation_of(app, world.client))
    auth.logout()
    auth.login(colleague.email)
    assert client.submit(url, {"canvas": str(canvases.draft)}).status_code == 302
    assert bookings_with_canvas(app) == [(canvases.draft, None)]


# --- the advisor's side ------------------------------------------------------------------


def attached_booking(app, world, canvas_id: int, number: int | None, clock="10:00") -> str:
    booking_id = book(app, world, at(monday_in(2), clock))
    with writing(app):
        booking = db.session.get(Booking, booking_id)
        attach.attach(booking, attach.choice_value(canvas_id, number))
        db.session.commit()
        return booking.uid


def test_the_advisor_reads_the_attached_version_from_their_list(client, auth, app, world, canvases):
    attached_booking(app, world, canvases.submitted, 1)
    auth.login(user_of(app, world.brandt).email)
    page = client.get(f"/berater/?woche={monday_in(2)}").get_data(as_text=True)
    link = f'href="/canvas/{canvases.submitted}/versionen/1"'
    assert link in page and "Kreislauf-Chemie — Version 1" in page
    version = client.get(f"/canvas/{canvases.submitted}/versionen/1")
    assert version.status_code == 200
    assert "Rezepturen digital freigeben" in version.get_data(as_text=True)


def test_the_advisor_of_another_booking_cannot_read_it(client, auth, app, world, canvases):
    attached_booking(app, world, canvases.draft, None)
    with app.app_context():
        becker = db.session.get(User, user_of(app, world.becker).id)
        brandt = db.session.get(User, user_of(app, world.brandt).id)
        draft = db.session.get(Canvas, canvases.draft)
        assert access.may_read(brandt, draft) and not access.may_read(becker, draft)
    auth.login(user_of(app, world.becker).email)
    assert client.get(f"/canvas/{canvases.draft}").status_code == 404
    auth.logout()
    auth.login(user_of(app, world.brandt).email)
    assert client.get(f"/canvas/{canvases.draft}").status_code == 200


def test_booking_lists_link_the_canvas_with_constant_queries(
    client, auth, app, world, canvases, count_queries
):
    attached_booking(app, world, canvases.submitted, 1, "09:00")
    auth.login(user_of(app, world.brandt).email)
    agenda = f"/berater/?woche={monday_in(2)}"
    client.get(agenda)
    with count_queries() as one:
        client.get(agenda)
    for clock in ("10:00", "11:00", "14:00"):
        attached_booking(app, world, canvases.draft, None, clock)
    with count_queries() as four:
        page = client.get(agenda).get_data(as_text=True)
    assert page.count("Laborportal — Entwurf") == 3
    assert len(four) == len(one), "\n".join(four)


def test_list_and_manage_page_show_the_canvas_title_as_text(client, auth, app, world):
    canvas_id = make_canvas(app, world.client, title=PAYLOAD)
    uid = attached_booking(app, world, canvas_id, None)
    auth.login(world.client.email)
    for url in ("/beratung/meine-termine", f"/beratung/termin/{uid}"):
        page = client.get(url).get_data(as_text=True)
        assert PAYLOAD not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; — Entwurf" in page


def test_pages_with_a_canvas_keep_the_markup_rules(client, auth, app, world, canvases, tmp_path):
    """The select and the attached canvas's links: labelled, unique ids, targeted HTMX,
    and no error from the Nu HTML Checker."""
    uid = attached_booking(app, world, canvases.submitted, 1)
    auth.login(world.client.email)
    paths = [
        book_url(at(monday_in(2), "11:00")),
        f"/beratung/termin/{uid}",
        "/beratung/meine-termine",
    ]
    files = []
    for number, path in enumerate(paths):
        html = client.get(path).get_data(as_text=True)
        found = audit(html)
        assert [name for name, count in found.ids.items() if count > 1] == [], path
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], path
        assert found.htmx_without_target == [], path
        page = tmp_path / f"{number}.html"
        page.write_text(html)
        files.append(str(page))
    assert nu_errors(files) == []
