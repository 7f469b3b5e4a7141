"""The advisor's Kalender page in Chromium: the feed set up and renewed in place, and the
import's status that follows a fetch without a reload (HTMX polling) and then goes quiet."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Advisor, ExternalCalendar, User
from app.models.types import utcnow
from tests.e2e.booking_pages import log_in

pytestmark = pytest.mark.e2e

ADVISOR = "katharina.brandt@industryhub.example"
OUTLOOK = "webcal://outlook.office365.com/owa/calendar/3f2a/b71c/reachcalendar.ics"


def finish_fetch(app: Flask, blocks: int) -> None:
    """What the import worker does after a good fetch (app/advisor/imports.py)."""
    with app.app_context():
        advisor_id = db.session.scalar(
            sa.select(Advisor.id)
            .join(User, User.id == Advisor.user_id)
            .where(User.email == ADVISOR)
        )
        external = db.session.get(ExternalCalendar, advisor_id)
        external.requested_at = None
        external.synced_at = external.checked_at = utcnow()
        external.block_count = blocks
        db.session.commit()
        db.session.remove()


def test_feed_and_import_on_the_kalender_page(
    page: Page, live_server: str, live_app: Flask, axe_check
) -> None:
    log_in(page, live_server, ADVISOR)
    page.get_by_role("link", name="Arbeitsplatz", exact=True).click()
    page.get_by_role("link", name="Kalender", exact=True).click()
    expect(page.get_by_role("heading", name="Kalender", level=1)).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Kalender-Abo einrichten").click()
    expect(page.get_by_role("status")).to_contain_text("Ihr Kalender-Abo ist eingerichtet.")
    address = page.get_by_label("Adresse des Abos (zum Kopieren)")
    first = address.input_value()
    subscribe = page.get_by_role("link", name="In Kalender-App abonnieren")
    expect(subscribe).to_have_attribute("href", "webcal://" + first.partition("://")[2])
    fetched = page.request.get(first)
    assert fetched.status == 200 and fetched.headers["content-type"].startswith("text/calendar")

    page.get_by_text("Neuen Link erzeugen …").click()
    page.get_by_role("button", name="Ja, neuen Link erzeugen").click()
    expect(page.get_by_role("status")).to_contain_text("Der bisherige funktioniert nicht mehr")
    expect(address).not_to_have_value(first)
    assert page.request.get(first).status == 404
    assert page.request.get(address.input_value()).status == 200

    page.get_by_label("Adresse Ihres Kalenders (ICS)").fill(OUTLOOK)
    page.get_by_role("button", name="Adresse speichern").click()
    status = page.locator("#import-status")
    expect(status).to_contain_text("Wird abgerufen")
    axe_check(page)
    finish_fetch(live_app, blocks=12)
    # No reload: the status asks again every 3 s while a fetch is pending.
    expect(status).to_contain_text("Verbunden", timeout=10_000)
    expect(status).to_contain_text("12")
    expect(status).not_to_have_attribute("data-hx-trigger", "every 3s")
