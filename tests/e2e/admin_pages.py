"""Set-up and page helpers for the administration's browser journeys
(``test_admin_journeys.py``): people and bookings made through the services, as the hub
would hold them, so each journey owns its data and the demo stays as it was."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, time, timedelta
from itertools import count

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from app.booking import service as booking_service
from app.database import begin_write
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import Advisor, Booking, ConsultationType, Organisation, Role, Topic, User
from app.models.types import utcnow
from tests.e2e.booking_pages import BERLIN, monday_in

TOPIC = "digitalisierung"
_numbers = count(1)


def new_client(live_app: Flask, name: str) -> str:
    """A verified client of a new organisation, with the demo password; their address."""
    number = next(_numbers)
    email = f"admin-journey-{number}@werkstatt.example"
    with live_app.app_context():
        organisation = Organisation(name=f"Werkstatt {number} GmbH")
        user = User(
            email=email,
            name=name,
            role=Role.CLIENT.value,
            organisation=organisation,
            email_verified_at=utcnow(),
        )
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.commit()
        db.session.remove()
    return email


def meeting_start(*, weeks: int, weekday: int, hour: int) -> datetime:
    """``hour`` o'clock Berlin time on ``weekday`` of the week ``weeks`` weeks ahead (UTC)."""
    day = monday_in(weeks) + timedelta(days=weekday)
    return datetime.combine(day, time(hour), BERLIN).astimezone(UTC)


def book(
    live_app: Flask,
    *,
    advisor_id: int,
    start: datetime,
    agenda: str,
    client: str | None = None,
    guest: booking_service.Guest | None = None,
) -> int:
    """A first consultation in "Digitalisierung" with the advisor, booked through the booking
    service by a client (confirmed) or a guest (confirmed through their link); its id."""
    with live_app.app_context():
        begin_write(db.session())  # the service locks the advisor's row
        booking = booking_service.book(
            ctype=db.session.scalar(
                sa.select(ConsultationType).where(ConsultationType.slug == "erstgespraech")
            ),
            topic=db.session.scalar(sa.select(Topic).where(Topic.slug == TOPIC)),
            advisor=db.session.get(Advisor, advisor_id),
            start=start,
            agenda=agenda,
            booker=User.by_email(client) if client else None,
            guest=guest,
        )
        db.session.commit()
        if guest is not None:
            begin_write(db.session())
            booking_service.confirm_guest_booking(db.session.get(Booking, booking.id))
            db.session.commit()
        booking_id = booking.id
        db.session.remove()
    return booking_id


def booking_status(live_app: Flask, booking_id: int) -> tuple[str, int]:
    """A booking's status and advisor, as stored."""
    with live_app.app_context():
        booking = db.session.get(Booking, booking_id)
        found = booking.status, booking.advisor_id
        db.session.remove()
    return found


# --- pages ------------------------------------------------------------------------------


def admin_section(page: Page, label: str, heading: str) -> None:
    """Follow ``label`` in the administration's navigation to the page titled ``heading``."""
    nav = page.get_by_role("navigation", name="Verwaltung")
    nav.get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def open_administration(page: Page) -> None:
    """The header's "Verwaltung", then the dashboard from the administration's navigation."""
    main_nav = page.get_by_role("navigation", name="Hauptnavigation")
    main_nav.get_by_role("link", name="Verwaltung", exact=True).click()
    admin_section(page, "Übersicht", "Übersicht")


def flash(page: Page, text: str | re.Pattern) -> Locator:
    """The flash message in the page's live region."""
    return page.locator("#alerts[role=status]").filter(has_text=text)


def table_rows(table: Locator) -> list[list[str]]:
    """The text of every body row's cells (header cell first), as shown."""
    return table.locator("tbody tr").evaluate_all(
        "rows => rows.map(row => Array.from(row.cells, cell => cell.textContent.trim()))"
    )


def table_headers(table: Locator) -> list[str]:
    return table.locator("thead th").evaluate_all(
        "cells => cells.map(cell => cell.textContent.trim())"
    )


def as_csv_value(shown: str) -> str:
    """A number as the German page shows it ("1.234", "12,5 %" with a no-break space, "–")
    as the CSV writes it."""
    if shown == "–":
        return ""
    return shown.removesuffix("\u00a0%").replace(".", "").replace(",", ".")


def parse_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "the CSV starts with a BOM for spreadsheets"
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
