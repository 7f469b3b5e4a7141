"""The advisor's Buchungsregeln page: which types and topics they offer, and their own
buffer, notice and daily limit, which only ever make a type's rules stricter; the public
picker shows every change at once."""

from __future__ import annotations

import pytest

from app.advisor.hours import replace_week
from app.advisor.settings import update_rules
from app.extensions import db
from app.models import Advisor
from tests.booking_support import at, book, monday_in, user_of
from tests.conftest import HX
from tests.test_booking_freshness import picker_url, slot, warm
from tests.test_html import audit, nu_errors

PAGE = "/berater/einstellungen"


@pytest.fixture
def brandt(auth, app, world):
    """Logged in as the advisor Dr. Katharina Brandt."""
    auth.login(user_of(app, world.brandt).email)
    return world.brandt


def rules_form(world, **fields) -> dict:
    """The form as the page posts it with everything offered, changed by ``fields``."""
    return {
        "offered": [str(world.ctype.id)],
        "topics": [str(world.topic.id)],
        "buffer_minutes": "0",
        "notice_hours": "",
        "max_per_day": "",
        **fields,
    }


def advisor_row(app, advisor) -> Advisor:
    with app.app_context():
        row = db.session.get(Advisor, advisor.id)
        row.declined_types, row.topics  # noqa: B018 (loaded before detaching)
        db.session.expunge(row)
        return row


def test_update_rules_declines_the_unchecked_types(app, world, make):
    other = make.consultation_type("vertiefung", name_de="Vertiefung")
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        update_rules(advisor, {world.ctype.id, 999_999}, {world.topic.id}, 30, 120, 3)
        db.session.commit()
    row = advisor_row(app, world.brandt)
    assert [t.id for t in row.declined_types] == [other.id]
    assert (row.buffer_minutes, row.minimum_notice_minutes, row.max_per_day) == (30, 120, 3)
    untouched = advisor_row(app, world.becker)
    assert untouched.declined_types == [] and untouched.buffer_minutes == 0


def test_the_page_says_what_the_types_require(client, brandt):
    page = client.get(PAGE).get_data(as_text=True)
    assert "Die Beratungsart verlangt mindestens 1 Stunde Vorlauf" in page
    assert "nur strenger" in page


@pytest.mark.parametrize("hx", [False, True])
def test_saving_stores_the_rules(app, client, brandt, world, hx):
    data = rules_form(world, buffer_minutes="45", notice_hours="48", max_per_day="4")
    response = client.submit(PAGE, data, headers=HX if hx else {})
    if hx:
        assert response.status_code == 200
        assert response.headers["HX-Trigger"] == "calendar-changed"
        assert "<html" not in response.get_data(as_text=True)
    else:
        assert response.status_code == 302
    row = advisor_row(app, brandt)
    assert (row.buffer_minutes, row.minimum_notice_minutes, row.max_per_day) == (45, 48 * 60, 4)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("buffer_minutes", "241"),
        ("buffer_minutes", "-5"),
        ("buffer_minutes", "zehn"),
        ("notice_hours", "9" * 40),
        ("max_per_day", "0"),
        ("max_per_day", "x" * 100_000),
    ],
)
@pytest.mark.parametrize("hx", [False, True])
def test_bad_numbers_come_back_inline_with_the_rest_kept(
    app, client, brandt, world, name, value, hx
):
    data = {**rules_form(world, notice_hours="36"), name: value}
    response = client.submit(PAGE, data, headers=HX if hx else {})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'class="error"' in html
    if name != "notice_hours":
        assert 'value="36"' in html
    assert advisor_row(app, brandt).minimum_notice_minutes is None


def test_garbage_ids_are_ignored(app, client, brandt, world):
    data = rules_form(world, offered=["abc", str(world.ctype.id)], topics=["-1", "1e9"])
    assert client.submit(PAGE, data).status_code == 302
    row = advisor_row(app, brandt)
    assert row.declined_types == [] and row.topics == []


def test_offering_nothing_is_allowed_with_a_warning(app, client, brandt, world):
    client.submit(PAGE, rules_form(world, offered=[], topics=[]))
    page = client.get(PAGE).get_data(as_text=True)
    assert "So kann Sie niemand buchen" in page
    assert [t.id for t in advisor_row(app, brandt).declined_types] == [world.ctype.id]


def test_a_buffer_removes_the_neighbouring_slots(
    app, client, brandt, world, htmx_client, count_queries
):
    book(app, world, at(monday_in(2), "10:00"))
    url = picker_url(brandt.id)
    assert slot("11:00") in warm(htmx_client, count_queries, url)
    client.submit(PAGE, rules_form(world, buffer_minutes="60"))
    after = htmx_client.get(url).get_data(as_text=True)
    # Booked 10:00–10:30 and kept free until 10:45 (the type's buffer): an hour either side.
    assert slot("11:30") not in after and slot("09:00") not in after
    assert slot("12:00") in after


def test_a_daily_limit_closes_a_day(app, client, brandt, world, htmx_client, count_queries):
    book(app, world, at(monday_in(2), "10:00"))
    url = picker_url(brandt.id)
    assert slot("14:00") in warm(htmx_client, count_queries, url)
    client.submit(PAGE, rules_form(world, max_per_day="1"))
    assert slot("14:00") not in htmx_client.get(url).get_data(as_text=True)


def test_a_declined_type_takes_the_advisor_off_its_picker(
    app, client, brandt, world, htmx_client, count_queries
):
    with app.app_context():  # Becker, free at the same times, would stand in for her
        replace_week(db.session.get(Advisor, world.becker.id), {})
        db.session.commit()
    url = picker_url(brandt.id)
    assert slot("10:00") in warm(htmx_client, count_queries, url)
    client.submit(PAGE, rules_form(world, offered=[]))
    assert slot("10:00") not in htmx_client.get(url).get_data(as_text=True)


def test_only_the_signed_in_advisor_is_changed(app, client, brandt, world):
    client.submit(PAGE, rules_form(world, buffer_minutes="90", advisor_id=str(world.becker.id)))
    assert advisor_row(app, world.becker).buffer_minutes == 0
    assert advisor_row(app, brandt).buffer_minutes == 90


def test_clients_cannot_open_the_page(client, auth, world, app):
    assert client.get(PAGE).status_code in (302, 401)
    auth.login(world.client.email)
    assert client.get(PAGE).status_code == 403
    assert client.submit(PAGE, rules_form(world, buffer_minutes="90")).status_code == 403
    assert advisor_row(app, world.brandt).buffer_minutes == 0


def page_states(client, world):
    yield "saved", client.get(PAGE)
    yield "errors", client.submit(PAGE, rules_form(world, buffer_minutes="999", offered=[]))


def test_the_page_keeps_the_markup_rules(client, brandt, world):
    for state, response in page_states(client, world):
        found = audit(response.get_data(as_text=True))
        assert [name for name, count in found.ids.items() if count > 1] == [], state
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], state
        assert found.htmx_without_target == [] and found.inline == [], state


def test_the_page_passes_the_nu_html_checker(client, brandt, world, tmp_path):
    files = []
    for state, response in page_states(client, world):
        page = tmp_path / f"{state}.html"
        page.write_bytes(response.get_data())
        files.append(str(page))
    errors = nu_errors(files)
    assert errors == [], "\n".join(f"{e.get('url')}: {e.get('message')}" for e in errors)
