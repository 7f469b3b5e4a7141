"""Every administration route, read from the URL map, walked as every role.

Only admins get in; anonymous visitors are sent to log in; clients and advisors are refused
(403) and change nothing. A new admin route with an argument the sweep does not know fails
the sweep until it is taught. (That every unsafe request without a CSRF token is refused,
here and on every other route, is tests/test_route_sweep.py's.)
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import url_for

from app.extensions import db
from app.models import (
    Advisor,
    AuditEvent,
    Booking,
    ConsultationType,
    LegalDocument,
    Organisation,
    Topic,
    User,
)
from tests.booking_support import GUEST, at, book, monday_in, user_of


@pytest.fixture
def objects(app, world) -> SimpleNamespace:
    """One real object for every argument an admin route takes."""
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    book(app, world, at(monday_in(2), "14:00"), guest=GUEST)
    with app.app_context():
        client = db.session.get(User, world.client.id)
        return SimpleNamespace(
            client_email=client.email,
            user_id=client.id,
            organisation_id=client.organisation_id,
            advisor_id=world.brandt.id,
            booking_id=booking_id,
            type_id=world.ctype.id,
            topic_id=world.topic.id,
            kind="privacy",
            figure="buchungen",
        )


def guarded_routes(app, prefixes: tuple[str, ...]) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(prefixes)),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def address(app, rule, objects: SimpleNamespace) -> str:
    unknown = set(rule.arguments) - set(vars(objects))
    assert not unknown, f"{rule.endpoint}: teach this sweep the argument(s) {unknown}"
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: getattr(objects, name) for name in rule.arguments})


def requests(app, objects, prefixes=("admin.",)):
    """(method, path) for every method of every route under ``prefixes``."""
    for rule in guarded_routes(app, prefixes):
        path = address(app, rule, objects)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def send(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    data = {"email": GUEST.email, "password": "x", "name": "Geändert", "body_de": "Neu"}
    return client.submit(path, data)


def state(app) -> tuple:
    """What a refused request could have changed."""
    with app.app_context():
        return (
            db.session.execute(
                sa.select(User.id, User.name, User.role, User.active, User.erased_at)
            ).all(),
            db.session.execute(sa.select(Organisation.id, Organisation.name)).all(),
            db.session.execute(sa.select(Advisor.id, Advisor.active, Advisor.is_reviewer)).all(),
            db.session.execute(
                sa.select(Booking.id, Booking.advisor_id, Booking.status, Booking.anonymised_at)
            ).all(),
            db.session.execute(sa.select(Topic.id, Topic.name_de, Topic.active)).all(),
            db.session.execute(
                sa.select(ConsultationType.id, ConsultationType.name_de, ConsultationType.active)
            ).all(),
            db.session.scalar(sa.select(sa.func.count()).select_from(LegalDocument)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
        )


def test_the_sweep_covers_the_whole_administration(app):
    endpoints = {rule.endpoint for rule in guarded_routes(app, ("admin.",))}
    assert {
        "admin.dashboard",
        "admin.users",
        "admin.user",
        "admin.organisations",
        "admin.advisors",
        "admin.consultation_types",
        "admin.topics",
        "admin.legal_texts",
        "admin.privacy_requests",
        "admin.audit_log",
    } <= endpoints


def test_anonymous_visitors_are_sent_to_log_in(app, client, objects):
    for method, path in requests(app, objects):
        response = send(client, method, path)
        assert response.status_code == 302, (method, path)
        assert response.location.startswith("/konto/anmelden"), (method, path)


@pytest.mark.parametrize("role", ["client", "advisor"])
def test_clients_and_advisors_are_refused_everywhere(app, client, auth, world, objects, role):
    before = state(app)
    person = world.client if role == "client" else user_of(app, world.brandt)
    auth.login(person.email)
    for method, path in requests(app, objects):
        assert send(client, method, path).status_code == 403, (method, path)
    assert state(app) == before


def test_an_admin_opens_every_page(app, client, admin, objects):
    """The sweep's objects are real: an admin gets each page, so a 403 above means refused."""
    for method, path in requests(app, objects):
        if method == "GET":
            # Confirmation pages are asked with the address they are about.
            about = {"guest-email": GUEST.email, "account-email": objects.client_email}
            response = client.get(path, query_string=about, follow_redirects=True)
            assert response.status_code == 200, path


def test_a_page_below_a_section_marks_its_section(app, client, admin, objects):
    page = client.get(f"/admin/berater/{objects.advisor_id}").get_data(as_text=True)
    assert '<a href="/admin/berater" aria-current="true">' in page
    listing = client.get("/admin/berater").get_data(as_text=True)
    assert '<a href="/admin/berater" aria-current="page">' in listing
    subnav = listing[listing.index('class="subnav"') :]
    assert 'aria-current="true"' not in subnav  # the overview "/admin/" is no prefix
