"""A guest booking keeps what the guest agreed to: when, which privacy notice version, and
the exact sentence in the language the guest booked in."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.main import legal
from app.models import Booking
from app.models.legal import LegalKind
from tests.booking_support import GUEST_FORM, at, monday_in, user_of
from tests.conftest import PASSWORD

GERMAN = (
    "Ich habe die Datenschutzhinweise gelesen und bin mit der Verarbeitung meiner Daten "
    "zur Beratung einverstanden."
)
ENGLISH = (
    "I have read the privacy notice and consent to my data being processed for the consultation."
)


def book_url(start) -> str:
    return (
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung"
        f"&advisor=any&start={start:%Y-%m-%dT%H:%MZ}"
    )


def publish_privacy(app, times: int) -> None:
    with app.app_context():
        for n in range(times):
            legal.publish(LegalKind.PRIVACY, f"Fassung {n + 1}", "", n, by=None)


def consent(app):
    with app.app_context():
        booking = db.session.scalar(sa.select(Booking))
        return booking.guest_consent_at, booking.guest_consent_version, booking.guest_consent_text


def test_before_any_publish_the_built_in_notice_version_0_is_stored(app, client, world):
    form = client.get(book_url(at(monday_in(2), "10:00"))).get_data(as_text=True)
    assert 'href="/datenschutz/version/0" target="_blank"' in form
    answer = client.submit(book_url(at(monday_in(2), "10:00")), GUEST_FORM)
    assert answer.status_code == 302
    when, version, text = consent(app)
    assert when is not None and version == 0 and text == GERMAN


def test_after_two_publishes_version_2_and_the_english_sentence(app, client, world):
    publish_privacy(app, 2)
    client.submit("/sprache", {"lang": "en"})
    form = client.get(book_url(at(monday_in(2), "11:00"))).get_data(as_text=True)
    assert 'href="/datenschutz/version/2" target="_blank"' in form
    assert ENGLISH in form  # the sentence the guest sees is the one stored
    client.submit(book_url(at(monday_in(2), "11:00")), GUEST_FORM)
    _when, version, text = consent(app)
    assert (version, text) == (2, ENGLISH)


def test_the_advisor_sees_what_the_guest_agreed_to(app, client, auth, world):
    publish_privacy(app, 1)
    client.submit(book_url(at(monday_in(2), "10:00")), GUEST_FORM)
    with app.app_context():
        booking = db.session.scalar(sa.select(Booking))
        booking_id, advisor_id = booking.id, booking.advisor_id
    advisor = world.brandt if world.brandt.id == advisor_id else world.becker
    auth.login(user_of(app, advisor).email, PASSWORD)
    page = client.get(f"/berater/termin/{booking_id}").get_data(as_text=True)
    assert "Einwilligung Datenschutz" in page
    assert '<a href="/datenschutz/version/1">Datenschutzhinweise, Version 1</a>' in page
    assert f'<q class="muted">{GERMAN}</q>' in page
    # The notice the guest agreed to stays readable after a newer one is published.
    publish_privacy_after(app, 1)
    assert "Fassung 1" in client.get("/datenschutz/version/1").get_data(as_text=True)


def publish_privacy_after(app, based_on: int) -> None:
    with app.app_context():
        legal.publish(LegalKind.PRIVACY, "Neuere Fassung", "", based_on, by=None)


def test_account_bookings_store_no_guest_consent(app, client, auth, world):
    auth.login(world.client.email, PASSWORD)
    client.submit(
        book_url(at(monday_in(2), "10:00")),
        {"agenda": "Wir möchten unsere Rezepturverwaltung digitalisieren."},
    )
    when, version, text = consent(app)
    assert (when, version, text) == (None, None, None)
