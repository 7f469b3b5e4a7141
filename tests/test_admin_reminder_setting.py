"""The admin sets, per consultation type, how many hours before a meeting its reminder goes
out (0: none); the reminders follow the setting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.booking.reminders import enqueue_due_reminders
from app.extensions import db
from app.models import ConsultationType, Role
from tests.booking_support import at, book, monday_in
from tests.test_admin_catalog import TYPE_FORM


def shown_hours(page: str) -> str:
    return re.search(r'<input [^>]*name="reminder_hours"[^>]*value="(\d*)"', page).group(1)


def stored_hours(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ConsultationType.reminder_hours)))


def test_a_new_type_reminds_a_day_ahead_unless_the_admin_says_otherwise(app, client, admin):
    form = client.get("/admin/beratungsarten/neu").get_data(as_text=True)
    assert '<label for="reminder_hours">Erinnerung vorher (Stunden)</label>' in form
    assert shown_hours(form) == "24"
    assert "0 = keine Erinnerung" in form
    client.submit("/admin/beratungsarten/neu", {**TYPE_FORM, "reminder_hours": "2"})
    assert stored_hours(app) == [2]


def test_the_admin_turns_reminders_off_and_on_again(app, client, admin, make):
    type_id = make.consultation_type().id
    url = f"/admin/beratungsarten/{type_id}"
    client.submit(url, {**TYPE_FORM, "slug": "erstgespraech", "reminder_hours": "0"})
    assert stored_hours(app) == [0]
    assert shown_hours(client.get(url).get_data(as_text=True)) == "0"
    client.submit(url, {**TYPE_FORM, "slug": "erstgespraech", "reminder_hours": "48"})
    assert stored_hours(app) == [48]


def test_a_form_from_before_the_setting_existed_keeps_it(app, client, admin, make):
    """A page loaded before an update posts no reminder_hours: the type keeps its hours."""
    client.submit("/admin/beratungsarten/neu", TYPE_FORM)
    assert stored_hours(app) == [24]
    with app.app_context():
        type_id = db.session.scalar(sa.select(ConsultationType.id))
        db.session.get(ConsultationType, type_id).reminder_hours = 6
        db.session.commit()
    client.submit(f"/admin/beratungsarten/{type_id}", TYPE_FORM)
    assert stored_hours(app) == [6]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("337", "Bitte eine Zahl von 0 bis 336."),
        ("-1", "Bitte eine Zahl von 0 bis 336."),
        ("", "Bitte eine Zahl von 0 bis 336."),
        ("einen Tag", "Bitte geben Sie eine ganze Zahl ein."),
    ],
)
def test_a_bad_number_of_hours_is_explained_at_the_field(app, htmx_client, make, value, message):
    htmx_client.submit("/konto/anmelden", {"email": make.user(role=Role.ADMIN).email,
                                           "password": "Korrekt-Pferd-Batterie-9"})  # fmt: skip
    answer = htmx_client.submit("/admin/beratungsarten/neu", {**TYPE_FORM, "reminder_hours": value})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f'<p class="error" id="reminder_hours-error">{message}</p>' in page
    assert 'aria-describedby="reminder_hours-hint reminder_hours-error"' in page
    assert stored_hours(app) == []


def test_the_setting_is_in_english_for_an_english_speaking_admin(client, auth, make):
    auth.login(make.user(role=Role.ADMIN, locale="en").email)
    answer = client.submit("/admin/beratungsarten/neu", {**TYPE_FORM, "reminder_hours": "400"})
    page = answer.get_data(as_text=True)
    assert "Reminder before (hours)" in page and "0 = no reminder" in page
    assert "Please enter a number from 0 to 336." in page


def test_the_reminder_comes_as_many_hours_ahead_as_the_admin_set(app, client, admin, world):
    client.submit(
        f"/admin/beratungsarten/{world.ctype.id}",
        {**TYPE_FORM, "slug": world.ctype.slug, "reminder_hours": "3"},
    )
    start = at(monday_in(2), "10:00")
    book(app, world, start)
    with app.app_context():
        assert enqueue_due_reminders(start - timedelta(hours=24)) == 0
        assert enqueue_due_reminders(start - timedelta(hours=3)) == 1
