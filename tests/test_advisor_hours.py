"""The advisor's Zeiten page: weekly hours with several ranges a day, edited without
JavaScript (buttons post the draft) and with HTMX, validated before anything is saved, and
shown by the public picker at once; the advisor's zone on the same page."""

from __future__ import annotations

import re
import threading
from datetime import time

import pytest
import sqlalchemy as sa

from app.advisor import hours
from app.advisor.hours_forms import draft_of, edit, parsed, read_draft
from app.extensions import db
from app.models import Advisor, AvailabilityRule, Booking
from tests.booking_support import at, book, monday_in, user_of
from tests.conftest import HX, PASSWORD
from tests.test_booking_concurrency import racing_app
from tests.test_booking_freshness import picker_url, slot, warm
from tests.test_html import audit, nu_errors

PAGE = "/berater/zeiten"
NINE_TO_FIVE = [(time(9), time(17))]
UNCHANGED = dict.fromkeys(range(5), NINE_TO_FIVE)  # the factory's Mon–Fri 9–17


@pytest.fixture
def brandt(auth, app, world):
    """Logged in as the advisor Dr. Katharina Brandt."""
    auth.login(user_of(app, world.brandt).email)
    return world.brandt


def rules_of(app, advisor) -> dict[int, list[tuple[time, time]]]:
    with app.app_context():
        week = hours.week_of(db.session.get(Advisor, advisor.id))
        return {day: ranges for day, ranges in week.items() if ranges}


def week_form(week: dict[int, list[tuple[str, str]]], **extra) -> dict:
    """The form as the page posts it: repeated start-<day>/end-<day> fields."""
    data: dict[str, list[str] | str] = {"timezone": "Europe/Berlin", **extra}
    for day, ranges in week.items():
        data[f"start-{day}"] = [start for start, _ in ranges]
        data[f"end-{day}"] = [end for _, end in ranges]
    return data


# --- the rules, as plain functions ---------------------------------------------------


def test_a_range_must_end_after_it_starts():
    errors = hours.week_errors({0: [(time(12), time(9)), (time(13), time(13))]})
    assert set(errors) == {(0, 0), (0, 1)}


def test_overlapping_ranges_are_refused_even_behind_a_short_one():
    errors = hours.week_errors(
        {2: [(time(9), time(17)), (time(10), time(11)), (time(12), time(13))]}
    )
    assert set(errors) == {(2, 1), (2, 2)}


def test_touching_ranges_are_refused_as_one_range():
    errors = hours.week_errors({0: [(time(13), time(17)), (time(9), time(13))]})
    assert set(errors) == {(0, 0)}
    assert "zusammen" in str(errors[(0, 0)])


def test_separate_ranges_on_one_day_are_fine():
    assert hours.week_errors({0: [(time(13), time(17)), (time(9), time(12))]}) == {}


def test_a_day_holds_at_most_eight_ranges():
    day = [(time(h), time(h, 30)) for h in range(8, 17)]
    assert set(hours.week_errors({4: day})) == {(4, None)}


def test_copy_a_day_to_the_working_days_keeps_the_weekend():
    week = {0: [("08:00", "12:00")], 3: [("10:00", "11:00")], 5: [("10:00", "14:00")]}
    copied = hours.copy_to_workdays(week, 0)
    assert [copied[day] for day in range(5)] == [[("08:00", "12:00")]] * 5
    assert copied[5] == [("10:00", "14:00")]


def test_times_must_be_clock_times():
    from werkzeug.datastructures import MultiDict

    draft = read_draft(
        MultiDict([("start-0", "9:00"), ("end-0", "25:00"), ("start-1", "a\x00b"), ("end-1", "")])
    )
    _week, errors = parsed(draft)
    assert set(errors) == {(0, 0), (1, 0)}
    assert draft[1] == [("a b", "")]


def test_editing_buttons_change_the_draft_only():
    draft = draft_of({0: NINE_TO_FIVE})
    added, focus = edit(draft, "add:0")
    assert added[0] == [("09:00", "17:00"), ("18:00", "19:00")] and focus == (0, 1)
    removed, _ = edit(added, "remove:0:0")
    assert removed[0] == [("18:00", "19:00")]
    assert edit(draft, "remove:0:99")[0][0] == draft[0]
    assert edit(draft, "add:9") is None and edit(draft, "add:-1") is None
    assert edit(draft, "save") is None
    suggested, _ = edit(draft_of({}), "suggest")
    assert [bool(suggested[day]) for day in range(7)] == [True] * 5 + [False] * 2


def test_replace_week_keeps_other_advisors_rules(app, world):
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        hours.replace_week(advisor, {0: [(time(8), time(10)), (time(14), time(16))]})
        db.session.commit()
    assert rules_of(app, world.brandt) == {0: [(time(8), time(10)), (time(14), time(16))]}
    assert rules_of(app, world.becker) == UNCHANGED


def test_replace_week_checks_before_it_deletes(app, world):
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        with pytest.raises(hours.InvalidWeek):
            hours.replace_week(advisor, {0: [(time(10), time(9))]})
        db.session.rollback()
    assert rules_of(app, world.brandt) == UNCHANGED


# --- the page ------------------------------------------------------------------------


def test_the_page_shows_the_week_and_zone(client, brandt):
    page = client.get(PAGE).get_data(as_text=True)
    assert page.count('value="09:00"') == 5 and page.count('value="17:00"') == 5
    assert page.count("Nicht verfügbar") == 2
    assert re.search(
        r"<option selected value=\"Europe/Berlin\"|<option value=\"Europe/Berlin\" selected", page
    )


def test_saving_replaces_the_week_without_javascript(app, client, brandt):
    week = {0: [("09:00", "12:00"), ("13:00", "17:00")], 2: [("10:00", "14:00")]}
    response = client.submit(PAGE, week_form(week, action="save"))
    assert response.status_code == 302 and response.location.endswith(PAGE)
    assert rules_of(app, brandt) == {
        0: [(time(9), time(12)), (time(13), time(17))],
        2: [(time(10), time(14))],
    }
    assert "Ihre Zeiten sind gespeichert" in client.get(PAGE).get_data(as_text=True)


def test_saving_with_htmx_swaps_the_form_and_refreshes_the_preview(app, client, brandt):
    response = client.submit(PAGE, week_form({1: [("08:00", "11:00")]}), headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "calendar-changed"
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="hours-editor"' in html
    assert "Ihre Zeiten sind gespeichert" in html  # into #alerts, out of band
    assert "Noch nicht gespeichert" not in html  # not two contradicting messages
    assert rules_of(app, brandt) == {1: [(time(8), time(11))]}


@pytest.mark.parametrize("hx", [False, True])
def test_overlaps_come_back_inline_and_nothing_is_saved(app, client, brandt, hx):
    week = {0: [("09:00", "12:00"), ("11:00", "13:00")], 3: [("07:15", "09:45")]}
    response = client.submit(PAGE, week_form(week), headers=HX if hx else {})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Überschneidet sich" in html and 'aria-invalid="true"' in html
    assert "Nichts gespeichert" in html
    assert 'value="07:15"' in html and 'value="09:45"' in html  # the rest is kept
    assert ("<html" in html) is not hx
    assert rules_of(app, brandt) == UNCHANGED


@pytest.mark.parametrize(
    ("start", "end"),
    [("17:00", "09:00"), ("9999-01-01", "x" * 100_000), ("12:00", ""), ("09:00\n", "1 2:00")],
)
def test_bad_times_are_a_422_with_the_row_kept(app, client, brandt, start, end):
    response = client.submit(PAGE, week_form({4: [(start, end)], 0: [("10:00", "11:00")]}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error"' in html and 'value="10:00"' in html
    assert len(html) < 200_000
    assert rules_of(app, brandt) == UNCHANGED


def test_a_nul_byte_is_refused_before_the_view(app, client, brandt):
    response = client.submit(PAGE, week_form({0: [("\x00", "12:00")]}))
    assert response.status_code == 400
    assert rules_of(app, brandt) == UNCHANGED


def test_an_unknown_zone_is_an_inline_error(app, client, brandt):
    response = client.submit(PAGE, week_form({0: [("10:00", "11:00")]}, timezone="Mars/Olympus"))
    assert response.status_code == 422
    assert "Unbekannte Zeitzone" in response.get_data(as_text=True)
    assert rules_of(app, brandt) == UNCHANGED


def test_the_zone_can_be_changed(app, client, brandt):
    client.submit(PAGE, week_form({0: [("10:00", "11:00")]}, timezone="America/New_York"))
    with app.app_context():
        assert db.session.get(Advisor, brandt.id).timezone == "America/New_York"


@pytest.mark.parametrize("hx", [False, True])
def test_buttons_edit_the_draft_without_saving(app, client, brandt, hx):
    headers = HX if hx else {}
    week = {0: [("08:00", "12:00")], 2: [("10:00", "11:00")]}
    response = client.submit(PAGE, week_form(week, action="copy:0"), headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('value="08:00"') == 5 and "Noch nicht gespeichert" in html
    response = client.submit(PAGE, week_form(week, action="add:2"), headers=headers)
    html = response.get_data(as_text=True)
    assert 'value="12:00"' in html and 'id="range-2-1-start" name="start-2" value="12:00"' in html
    assert "autofocus" in html
    assert rules_of(app, brandt) == UNCHANGED


def test_an_advisor_without_hours_is_told_and_offered_a_suggestion(app, client, brandt):
    client.submit(PAGE, week_form({}))
    assert rules_of(app, brandt) == {}
    page = client.get(PAGE).get_data(as_text=True)
    assert "Noch bucht Sie niemand" in page
    draft = client.submit(PAGE, {"timezone": "Europe/Berlin", "action": "suggest"})
    assert draft.get_data(as_text=True).count('value="09:00"') == 5
    assert rules_of(app, brandt) == {}  # suggested, not saved


def test_bookings_outside_new_hours_are_listed(app, world, client, brandt):
    book(app, world, at(monday_in(2), "15:00"))
    response = client.submit(PAGE, week_form({0: [("09:00", "12:00")]}), headers=HX)
    assert "außerhalb Ihrer Zeiten" in response.get_data(as_text=True)
    with app.app_context():  # kept: the advisor decides
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1


def test_the_picker_shows_new_hours_at_once(app, client, brandt, htmx_client, count_queries):
    url = picker_url(brandt.id)
    before = warm(htmx_client, count_queries, url)
    assert slot("10:00") in before and slot("07:00") not in before
    client.submit(PAGE, week_form({0: [("07:00", "09:00")]}))
    after = htmx_client.get(url).get_data(as_text=True)
    assert slot("07:00") in after and slot("10:00") not in after


def test_the_api_shows_new_hours_at_once(app, client, brandt):
    week = monday_in(2)
    api = (
        f"/api/v1/slots?type=erstgespraech&topic=digitalisierung&advisor={brandt.id}"
        f"&from={week}&to={week}"
    )
    starts = {s["start"] for s in client.get(api).json["slots"]}
    assert f"{at(week, '10:00'):%Y-%m-%dT%H:%M:%SZ}" in starts
    client.submit(PAGE, week_form({0: [("07:00", "09:00")]}))
    starts = {s["start"] for s in client.get(api).json["slots"]}
    assert f"{at(week, '07:00'):%Y-%m-%dT%H:%M:%SZ}" in starts
    assert f"{at(week, '10:00'):%Y-%m-%dT%H:%M:%SZ}" not in starts


def test_an_advisor_given_hours_appears_in_the_any_picker(
    app, client, brandt, world, htmx_client, count_queries
):
    with app.app_context():
        db.session.execute(sa.delete(AvailabilityRule))
        db.session.commit()
    url = picker_url()
    assert slot("07:00") not in warm(htmx_client, count_queries, url)
    client.submit(PAGE, week_form({0: [("07:00", "09:00")]}))
    assert slot("07:00") in htmx_client.get(url).get_data(as_text=True)


def test_only_the_signed_in_advisor_is_changed(app, client, brandt, world):
    client.submit(PAGE, week_form({0: [("07:00", "09:00")]}, advisor_id=str(world.becker.id)))
    assert rules_of(app, world.becker) == UNCHANGED


def test_clients_and_strangers_cannot_open_the_page(client, auth, world, app):
    assert client.get(PAGE).status_code in (302, 401)
    auth.login(world.client.email)
    assert client.get(PAGE).status_code == 403
    assert client.submit(PAGE, week_form({})).status_code == 403
    assert rules_of(app, world.brandt) == UNCHANGED


def page_states(client):
    yield "saved", client.get(PAGE)
    yield (
        "errors",
        client.submit(PAGE, week_form({0: [("12:00", "09:00"), ("x", "")]}, timezone="x")),
    )
    yield "draft", client.submit(PAGE, week_form({}, action="suggest"))


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_page_keeps_the_markup_rules(app, client, brandt, lang):
    if lang == "en":
        with app.app_context():
            db.session.get(Advisor, brandt.id).user.locale = "en"
            db.session.commit()
    for state, response in page_states(client):
        found = audit(response.get_data(as_text=True))
        assert [name for name, count in found.ids.items() if count > 1] == [], state
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], state
        assert found.htmx_without_target == [] and found.inline == [], state


def test_the_page_passes_the_nu_html_checker(client, brandt, tmp_path):
    files = []
    for state, response in page_states(client):
        page = tmp_path / f"{state}.html"
        page.write_bytes(response.get_data())
        files.append(str(page))
    errors = nu_errors(files)
    assert errors == [], "\n".join(f"{e.get('url')}: {e.get('message')}" for e in errors)


def test_simultaneous_saves_leave_one_whole_week(app, world, database_url):
    """Ten saves of different weeks at once: the week is one of them, never a mix (each
    save locks the advisor before it deletes, so a later one deletes the earlier's rows)."""
    racing = racing_app(database_url, 10)
    email = user_of(app, world.brandt).email
    clients = []
    for _ in range(10):
        client = racing.test_client()
        client.submit("/konto/anmelden", {"email": email, "password": PASSWORD})
        clients.append((client, client.csrf_token()))
    ready = threading.Barrier(len(clients))
    statuses: list[int] = []

    def save(number: int) -> None:
        client, token = clients[number]
        data = week_form({0: [(f"{8 + number:02d}:00", f"{9 + number:02d}:00")]})
        ready.wait(timeout=30)
        statuses.append(client.post(PAGE, data={**data, "csrf_token": token}).status_code)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with racing.app_context():
        db.session.remove()
        db.engine.dispose()
    assert statuses == [302] * 10
    week = rules_of(app, world.brandt)
    assert list(week) == [0] and len(week[0]) == 1, week
