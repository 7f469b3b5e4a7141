"""Admins find organisations, see who belongs to them and what they booked, and correct
their details; every change is in the audit log."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.auth.invitations import invite_colleague
from app.extensions import db
from app.models import AuditEvent, Organisation, Role, User
from tests.booking_support import at, book, monday_in

FORM = {"name": "Rheinchem AG", "industry": "Chemie", "city": "Dormagen", "size": "50-249"}


def names_on(page: str) -> list[str]:
    return re.findall(
        r'<td data-label="Name"><a href="/admin/organisationen/\d+">([^<]*)</a>', page
    )


def stored(app, organisation_id: int) -> Organisation:
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        db.session.expunge(organisation)
        return organisation


def events(app) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


@pytest.mark.parametrize("role", [Role.CLIENT, Role.ADVISOR])
def test_only_admins_see_organisations(client, auth, make, role):
    someone = make.user(role=role)
    auth.login(someone.email)
    assert client.get("/admin/organisationen").status_code == 403
    organisation_id = someone.organisation_id or make.organisation().id
    assert client.get(f"/admin/organisationen/{organisation_id}").status_code == 403
    assert client.submit(f"/admin/organisationen/{organisation_id}", FORM).status_code == 403


def test_the_list_counts_members_and_bookings_and_searches(app, client, admin, make, world):
    rheinchem = world.client.organisation_id
    make.user(organisation=stored(app, rheinchem), name="Sabine Wolf")
    book(app, world, at(monday_in(2), "10:00"))
    make.organisation("Schreinerei Lehmann", city="Köln", industry="Handwerk")
    page = client.get("/admin/organisationen").get_data(as_text=True)
    row = re.search(rf'href="/admin/organisationen/{rheinchem}">.*?</tr>', page, re.S).group(0)
    assert re.findall(r'class="number">(\d+)<', row) == ["2", "1"]
    found = client.get("/admin/organisationen?q=KÖLN").get_data(as_text=True)
    assert names_on(found) == ["Schreinerei Lehmann"]
    assert names_on(client.get("/admin/organisationen?q=handw").get_data(as_text=True)) == [
        "Schreinerei Lehmann"
    ]
    assert "Keine Organisationen" in client.get("/admin/organisationen?q=100%25_").get_data(
        as_text=True
    )


def test_pages_of_25_and_a_page_too_far(client, admin, make):
    for number in range(27):
        make.organisation(f"Firma {number:02d} AG")
    first = client.get("/admin/organisationen?q=AG").get_data(as_text=True)
    assert len(names_on(first)) == 25 and "27 Organisationen" in first
    assert 'href="/admin/organisationen?seite=2&amp;q=AG" rel="next"' in first
    last = client.get("/admin/organisationen?q=AG&seite=777").get_data(as_text=True)
    assert names_on(last) == ["Firma 25 AG", "Firma 26 AG"]


def test_the_list_takes_the_same_statements_for_3_or_40(client, admin, make, count_queries):
    def statements() -> int:
        with count_queries() as counted:
            assert client.get("/admin/organisationen").status_code == 200
        return len(counted)

    for number in range(3):
        make.user(organisation=make.organisation(f"Klein {number}"))
    few = statements()
    for number in range(37):
        make.user(organisation=make.organisation(f"Groß {number}"))
    assert statements() == few <= 5


def test_the_page_shows_members_upcoming_bookings_and_open_invitations(app, client, admin, world):
    book(app, world, at(monday_in(2), "10:00"))
    with app.test_request_context():
        invite_colleague(db.session.get(User, world.client.id), "kollegin@rheinchem.example")
        db.session.commit()
    page = client.get(f"/admin/organisationen/{world.client.organisation_id}").get_data(
        as_text=True
    )
    assert f'href="/admin/nutzer/{world.client.id}">Andreas Krüger</a>' in page
    assert "<dt>Anstehende Termine</dt><dd>1</dd>" in page
    assert "kollegin@rheinchem.example" in page


def test_an_admin_corrects_the_details_and_the_log_says_what_changed(app, client, make):
    admin = make.user(role=Role.ADMIN)
    client.submit("/konto/anmelden", {"email": admin.email, "password": "Korrekt-Pferd-Batterie-9"})
    organisation = make.organisation("Rheinchem GmbH", city="Köln")
    answer = client.submit(f"/admin/organisationen/{organisation.id}", FORM)
    assert answer.headers["Location"] == f"/admin/organisationen/{organisation.id}"
    saved = stored(app, organisation.id)
    assert (saved.name, saved.industry, saved.city, saved.size) == (
        "Rheinchem AG", "Chemie", "Dormagen", "50-249"
    )  # fmt: skip
    [event] = events(app)
    assert (event.action, event.actor_id, event.target_type, event.target_id) == (
        "organisation.changed", admin.id, "organisation", organisation.id
    )  # fmt: skip
    assert "Ort: Köln → Dormagen" in event.detail and event.ip_address == "127.0.0.1"
    client.submit(f"/admin/organisationen/{organisation.id}", FORM)  # nothing new: no entry
    assert len(events(app)) == 1


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("name", "", 422),
        ("name", "x" * 100_000, 422),
        ("city", "a\x00b", 400),
        ("size", "riesig", 422),
    ],
)
def test_bad_details_are_refused_inline_and_not_stored(
    app, htmx_client, make, field, value, status
):
    admin = make.user(role=Role.ADMIN)
    htmx_client.submit(
        "/konto/anmelden", {"email": admin.email, "password": "Korrekt-Pferd-Batterie-9"}
    )
    organisation = make.organisation("Bleibt GmbH")
    response = htmx_client.submit(
        f"/admin/organisationen/{organisation.id}", {**FORM, field: value}
    )
    assert response.status_code == status
    if status == 422:
        text = response.get_data(as_text=True)
        assert text.lstrip().startswith('<form id="organisation-form"')
        assert 'class="error"' in text
    assert stored(app, organisation.id).name == "Bleibt GmbH" and events(app) == []


def test_an_unknown_organisation_is_not_found(client, admin):
    assert client.get("/admin/organisationen/424242").status_code == 404
    assert client.submit("/admin/organisationen/424242", FORM).status_code == 404


def test_a_post_without_its_csrf_token_is_refused(app, client, admin, make):
    organisation = make.organisation("Bleibt GmbH")
    assert client.post(f"/admin/organisationen/{organisation.id}", data=FORM).status_code == 400
    assert stored(app, organisation.id).name == "Bleibt GmbH"
