"""The advisor's Abwesenheiten page: days off, special hours and public holidays; what is
refused and why; that bookings are listed, never cancelled; and that the public picker
shows every change at once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.advisor import exceptions
from app.advisor.public_holidays import holidays_of
from app.extensions import db
from app.models import Advisor, AvailabilityException, Booking, BookingStatus, Role
from tests.booking_support import BERLIN, at, book, monday_in, set_type, user_of
from tests.conftest import HX
from tests.test_booking_freshness import warm
from tests.test_html import audit, nu_errors

PAGE = "/berater/abwesenheiten"
ABSENCE = f"{PAGE}/abwesenheit"
SPECIAL = f"{PAGE}/sonderzeiten"
HOLIDAYS = f"{PAGE}/feiertage"
TODAY = datetime.now(BERLIN).date()


@pytest.fixture
def brandt(auth, app, world):
    """Logged in as the advisor Dr. Katharina Brandt."""
    auth.login(user_of(app, world.brandt).email)
    return world.brandt


def rows(app, advisor) -> list[AvailabilityException]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(AvailabilityException)
                .where(AvailabilityException.advisor_id == advisor.id)
                .order_by(AvailabilityException.first_day, AvailabilityException.start_time)
            )
        )
        db.session.expunge_all()
        return found


def absence(first: date, last: date | None = None, reason: str = "Urlaub") -> dict:
    return {
        "absence-first_day": first.isoformat(),
        "absence-last_day": last.isoformat() if last else "",
        "absence-reason": reason,
    }


def special(first: date, *ranges: tuple[str, str], last: date | None = None) -> dict:
    data = {
        "special-first_day": first.isoformat(),
        "special-last_day": last.isoformat() if last else "",
        "special-reason": "Abendsprechstunde",
    }
    for number, (start, end) in enumerate(ranges, 1):
        data[f"special-start_{number}"], data[f"special-end_{number}"] = start, end
    return data


# ------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("first", "last", "problem"),
    [
        (TODAY, TODAY, None),
        (TODAY - timedelta(days=3), TODAY, None),  # ill since Friday: still running
        (TODAY + timedelta(days=5), TODAY + timedelta(days=4), "vor dem ersten"),
        (TODAY - timedelta(days=3), TODAY - timedelta(days=1), "Vergangenheit"),
        (TODAY, TODAY + timedelta(days=366), "ein Jahr"),
        (TODAY + timedelta(days=700), TODAY + timedelta(days=740), "zwei Jahre"),
        (date(9999, 12, 1), date(9999, 12, 31), "zwei Jahre"),
    ],
)
def test_which_date_ranges_are_refused(app, first, last, problem):
    with app.test_request_context():
        found = exceptions.range_problem(first, last, TODAY)
        assert (found is None) if problem is None else problem in str(found)


@pytest.mark.parametrize(
    ("ranges", "problem"),
    [
        ([(time(9), time(12)), (time(12), time(14))], None),  # touching is fine
        ([(time(12), time(9))], "nach seinem Beginn"),
        ([(time(9), time(9))], "nach seinem Beginn"),
        ([(time(9), time(12)), (time(11), time(14))], "überschneiden"),
        ([], "mindestens einen"),
    ],
)
def test_special_hours_must_be_forward_and_apart(app, ranges, problem):
    with app.test_request_context():
        found = exceptions.hours_problem(ranges)
        assert (found is None) if problem is None else problem in str(found)


def test_the_list_holds_what_lasts_until_today_by_date_with_hours_together(app, world):
    with app.app_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        later = TODAY + timedelta(days=30)
        exceptions.add_absence(advisor, later, later + timedelta(days=4), "Urlaub")
        exceptions.add_absence(advisor, TODAY - timedelta(days=9), TODAY - timedelta(days=2), "")
        exceptions.add_special_hours(
            advisor, TODAY + timedelta(days=3), TODAY + timedelta(days=3),
            [(time(14), time(18)), (time(8), time(10))], "Messe",
        )  # fmt: skip
        listed = exceptions.upcoming(advisor, TODAY)
    assert [(e.first_day, e.day_off) for e in listed] == [
        (TODAY + timedelta(days=3), False),
        (later, True),
    ]
    assert listed[0].hours == [(time(8), time(10)), (time(14), time(18))]


# ------------------------------------------------------------------------- the page


def test_an_empty_page_says_what_to_do(client, brandt):
    html = client.get(PAGE).get_data(as_text=True)
    assert "Zurzeit ist nichts geplant." in html
    assert 'aria-current="page"' in html and 'href="/berater/abwesenheiten"' in html
    assert 'id="preview"' in html  # the live preview of the picker


def test_a_vacation_without_javascript_redirects_and_is_listed(app, client, brandt):
    first = monday_in(3)
    response = client.submit(ABSENCE, absence(first, first + timedelta(days=4)))
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    html = client.get(PAGE).get_data(as_text=True)
    assert "Die Abwesenheit ist eingetragen." in html
    assert f'datetime="{first.isoformat()}"' in html and "5 Tage" in html
    assert [(r.first_day, r.last_day, r.start_time, r.reason) for r in rows(app, brandt)] == [
        (first, first + timedelta(days=4), None, "Urlaub")
    ]


def test_a_form_posted_twice_adds_the_days_once(app, client, brandt):
    first = monday_in(3)
    client.submit(ABSENCE, absence(first, first + timedelta(days=4)))
    client.submit(ABSENCE, absence(first + timedelta(days=1), first + timedelta(days=2)))
    assert "schon als frei eingetragen" in client.get(PAGE).get_data(as_text=True)
    assert len(rows(app, brandt)) == 1


def test_an_empty_last_day_means_one_day(app, client, brandt):
    client.submit(ABSENCE, absence(monday_in(3), reason=""))
    (row,) = rows(app, brandt)
    assert row.first_day == row.last_day == monday_in(3) and row.reason == ""


def test_with_htmx_a_save_refreshes_the_list_and_tells_the_preview(client, brandt):
    response = client.submit(ABSENCE, absence(monday_in(3)), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="absences"')
    assert response.headers["HX-Retarget"] == "#absences"
    assert response.headers["HX-Trigger"] == "calendar-changed"
    assert "Die Abwesenheit ist eingetragen." in html  # the alerts, out of band


def test_bookings_inside_a_new_absence_are_listed_not_cancelled(app, client, world, brandt):
    monday = monday_in(2)
    booking_id = book(app, world, at(monday, "10:00"))
    html = client.submit(ABSENCE, absence(monday), headers=HX).get_data(as_text=True)
    assert 'id="conflicts"' in html and "1 Termin liegt außerhalb Ihrer Zeiten" in html
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking.status == BookingStatus.CONFIRMED
        assert f"/beratung/termin/{booking.uid}/absagen" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"absence-first_day": "", "absence-last_day": ""}, "Bitte geben Sie den ersten Tag an."),
        ({"absence-first_day": "morgen"}, "Bitte wählen Sie ein gültiges Datum"),
        ({"absence-first_day": "2027-02-31"}, "Bitte wählen Sie ein gültiges Datum"),
        ({"absence-last_day": "2027-13-01"}, "Bitte wählen Sie ein gültiges Datum"),
        ({"absence-last_day": "9999-12-31"}, "höchstens ein Jahr"),
        ({"absence-first_day": "9999-01-01", "absence-last_day": ""}, "zwei Jahre"),
        ({"absence-reason": "x" * 201}, "höchstens 200 Zeichen"),
        ({"absence-reason": "Urlaub " * 20_000}, "höchstens 200 Zeichen"),  # 140 KB
    ],
)
def test_bad_absences_are_explained_and_the_form_kept(app, client, brandt, data, error):
    good = absence(monday_in(3), monday_in(3) + timedelta(days=2), "Messe Düsseldorf")
    response = client.submit(ABSENCE, {**good, **data}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and error in html
    assert html.lstrip().startswith('<form id="absence-form"')
    assert 'aria-invalid="true"' in html
    if "absence-reason" not in data:
        assert 'value="Messe Düsseldorf"' in html
    assert rows(app, brandt) == []


def test_reversed_and_past_ranges_are_refused_without_javascript_too(app, client, brandt):
    reversed_ = absence(monday_in(3), monday_in(3) - timedelta(days=1))
    html = client.submit(ABSENCE, reversed_).get_data(as_text=True)
    assert "Der letzte Tag liegt vor dem ersten." in html and "<html" in html
    past = absence(TODAY - timedelta(days=10), TODAY - timedelta(days=8))
    assert "in der Vergangenheit" in client.submit(ABSENCE, past).get_data(as_text=True)
    assert rows(app, brandt) == []


def test_line_breaks_in_the_reason_become_spaces(app, client, brandt):
    client.submit(ABSENCE, absence(monday_in(3), reason="Sommer\r\nMallorca\t "))
    assert [r.reason for r in rows(app, brandt)] == ["Sommer Mallorca"]


def test_a_nul_byte_is_refused_before_anything_is_stored(app, client, brandt):
    response = client.submit(ABSENCE, absence(monday_in(3), reason="Sommer\x00"))
    assert response.status_code == 400 and "Steuerzeichen" in response.get_data(as_text=True)
    assert rows(app, brandt) == []


def test_special_hours_replace_the_weekly_ones(app, client, brandt):
    friday = monday_in(3) + timedelta(days=4)
    response = client.submit(SPECIAL, special(friday, ("17:00", "20:00"), ("08:00", "09:30")))
    assert response.status_code == 302
    assert [(r.start_time, r.end_time) for r in rows(app, brandt)] == [
        (time(8), time(9, 30)),
        (time(17), time(20)),
    ]
    html = client.get(PAGE).get_data(as_text=True)
    assert "Sonderzeiten" in html and "08:00–09:30" in html and "17:00–20:00" in html


@pytest.mark.parametrize(
    ("ranges", "error"),
    [
        ((("12:00", "09:00"),), "nach seinem Beginn"),
        ((("09:00", "12:00"), ("11:00", "13:00")), "überschneiden sich"),
        ((("09:00", ""),), "Bitte geben Sie Beginn und Ende an."),
        ((("9 Uhr", "12:00"),), "Bitte geben Sie eine Uhrzeit ein"),
        ((), "mindestens einen Zeitraum"),
    ],
)
def test_bad_special_hours_are_explained(app, client, brandt, ranges, error):
    response = client.submit(SPECIAL, special(monday_in(3), *ranges), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and error in html
    assert html.lstrip().startswith('<form id="special-form"')
    assert rows(app, brandt) == []


def test_special_hours_on_a_day_that_has_some_must_replace_them_explicitly(app, client, brandt):
    monday = monday_in(3)
    client.submit(SPECIAL, special(monday, ("09:00", "12:00")))
    response = client.submit(SPECIAL, special(monday - timedelta(days=2), ("14:00", "16:00"),
                                              last=monday), headers=HX)  # fmt: skip
    assert response.status_code == 422 and "schon Sonderzeiten" in response.get_data(as_text=True)
    assert len(rows(app, brandt)) == 1


def test_deleting_removes_the_whole_entry(app, client, brandt):
    client.submit(SPECIAL, special(monday_in(3), ("09:00", "10:00"), ("14:00", "15:00")))
    client.submit(ABSENCE, absence(monday_in(4)))
    special_row = rows(app, brandt)[0]
    response = client.submit(f"{PAGE}/{special_row.id}/loeschen", headers=HX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "calendar-changed"
    assert "Gelöscht." in response.get_data(as_text=True)
    assert [r.first_day for r in rows(app, brandt)] == [monday_in(4)]


def test_another_advisors_exception_is_not_found_and_stays(app, client, auth, world, brandt):
    client.submit(ABSENCE, absence(monday_in(3), reason="Sommerurlaub"))
    (row,) = rows(app, brandt)
    auth.logout()
    auth.login(user_of(app, world.becker).email)
    assert client.submit(f"{PAGE}/{row.id}/loeschen").status_code == 404
    assert "Sommerurlaub" not in client.get(PAGE).get_data(as_text=True)
    assert len(rows(app, brandt)) == 1


@pytest.mark.parametrize("role", [Role.CLIENT, Role.ADMIN])
def test_clients_and_admins_may_not(client, auth, make, world, role):
    auth.login(make.user(role=role).email)
    assert client.get(PAGE).status_code == 403
    for url in (ABSENCE, SPECIAL, HOLIDAYS, f"{PAGE}/1/loeschen"):
        assert client.submit(url, absence(monday_in(3))).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    assert client.get(PAGE).headers["Location"].startswith("/konto/anmelden")
    assert client.submit(ABSENCE, absence(monday_in(3))).status_code == 302


def test_every_change_needs_the_csrf_token(app, client, brandt):
    assert client.post(ABSENCE, data=absence(monday_in(3))).status_code == 400
    assert client.post(HOLIDAYS, data={"region": "NW", "year": TODAY.year}).status_code == 400
    assert rows(app, brandt) == []


# ------------------------------------------------------------------------- holidays


def test_the_holiday_preview_lists_the_states_holidays(client, brandt):
    year = TODAY.year + 1
    html = client.get(f"{PAGE}?region=NW&year={year}").get_data(as_text=True)
    assert "Fronleichnam" in html and "Tag der Deutschen Einheit" in html
    berlin = client.get(f"{PAGE}?region=BE&year={year}", headers=HX).get_data(as_text=True)
    assert berlin.lstrip().startswith('<div id="holidays"') and "Fronleichnam" not in berlin


def test_holidays_already_behind_us_are_only_counted(client, brandt):
    behind = [day for day, _ in holidays_of("NW", TODAY.year) if day < TODAY]
    html = client.get(f"{PAGE}?region=NW&year={TODAY.year}").get_data(as_text=True)
    for day in behind:
        assert f'datetime="{day.isoformat()}"' not in html
    if behind:
        assert f"{len(behind)} Feiertag" in html and "schon vorbei" in html


def test_holiday_names_follow_the_ui_language(app, client, brandt):
    with app.app_context():
        db.session.get(Advisor, brandt.id).user.locale = "en"
        db.session.commit()
    html = client.get(f"{PAGE}?region=NW&year={TODAY.year + 1}").get_data(as_text=True)
    assert "Corpus Christi" in html and "Fronleichnam" not in html


def test_holidays_are_added_once_and_the_state_remembered(app, client, brandt):
    year = TODAY.year + 1
    expected = len(holidays_of("NW", year))
    response = client.submit(HOLIDAYS, {"region": "NW", "year": year}, headers=HX)
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#absences"
    assert f"{expected} Feiertage eingetragen." in response.get_data(as_text=True)
    again = client.submit(HOLIDAYS, {"region": "NW", "year": year}).status_code
    assert again == 302
    assert f"{expected} waren schon eingetragen." in client.get(PAGE).get_data(as_text=True)
    stored = rows(app, brandt)
    assert len(stored) == expected and all(r.start_time is None for r in stored)
    assert "Fronleichnam" in {r.reason for r in stored}
    with app.app_context():
        assert db.session.get(Advisor, brandt.id).holiday_region == "NW"
    assert '<option selected value="NW">' in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"region": "XX"}, "Bundesland aus der Liste"),
        ({"region": ""}, "Bitte wählen Sie Ihr Bundesland."),
        ({"region": "NW", "year": "9999"}, "dieses oder das nächste Jahr"),
        ({"region": "NW", "year": "zwanzig"}, "dieses oder das nächste Jahr"),
    ],
)
def test_an_unknown_state_or_year_is_explained(app, client, brandt, data, error):
    response = client.submit(HOLIDAYS, {"year": TODAY.year, **data}, headers=HX)
    assert response.status_code == 422 and error in response.get_data(as_text=True)
    assert client.get(f"{PAGE}?region=XX&year=2").status_code == 200  # the preview too
    assert rows(app, brandt) == []


def next_weekday_holiday() -> date:
    """The next NW holiday on a weekday, a few days ahead (notice is an hour)."""
    return next(
        day
        for year in (TODAY.year, TODAY.year + 1)
        for day, _ in holidays_of("NW", year)
        if day >= TODAY + timedelta(days=2) and day.weekday() < 5
    )


def test_a_holiday_vanishes_from_the_public_picker_at_once(
    app, client, htmx_client, world, brandt, count_queries
):
    holiday = next_weekday_holiday()
    set_type(app, world, horizon_days=400)  # the next holiday may be months away
    url = (
        "/beratung/termine?type=erstgespraech&topic=digitalisierung"
        f"&advisor={world.brandt.id}&day={holiday}"
    )
    free = f"start={at(holiday, '10:00'):%Y-%m-%dT%H:%MZ}"
    assert free in warm(htmx_client, count_queries, url)
    client.submit(HOLIDAYS, {"region": "NW", "year": holiday.year})
    assert free not in htmx_client.get(url).get_data(as_text=True)


def test_the_page_makes_the_same_queries_for_one_entry_or_many(app, client, brandt, count_queries):
    client.submit(ABSENCE, absence(monday_in(3)))
    with count_queries() as one:
        client.get(PAGE)
    for week in range(4, 12):
        client.submit(ABSENCE, absence(monday_in(week)))
        client.submit(SPECIAL, special(monday_in(week) + timedelta(days=1), ("09:00", "10:00")))
    with count_queries() as many:
        html = client.get(PAGE).get_data(as_text=True)
    assert html.count('<li class="absence-card') == 17
    assert len(many) == len(one)


# ------------------------------------------------------------------------- markup


def page_states(app, client, world):
    yield "empty", client.get(PAGE)
    book(app, world, at(monday_in(2), "10:00"))
    client.submit(ABSENCE, absence(monday_in(2), monday_in(2) + timedelta(days=4)))
    client.submit(SPECIAL, special(monday_in(3), ("09:00", "12:00"), ("14:00", "16:00")))
    yield "filled", client.get(f"{PAGE}?region=NW&year={TODAY.year + 1}")
    yield "bad absence", client.submit(ABSENCE, {"absence-first_day": "x"})
    yield "bad hours", client.submit(SPECIAL, special(monday_in(5), ("12:00", "09:00")))
    yield "bad state", client.submit(HOLIDAYS, {"region": "XX"})


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_page_keeps_the_markup_rules(app, client, world, brandt, lang):
    client.set_cookie("lang", lang)
    for state, response in page_states(app, client, world):
        assert response.status_code in (200, 422), state
        found = audit(response.get_data(as_text=True))
        assert [name for name, count in found.ids.items() if count > 1] == [], state
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], state
        assert found.htmx_without_target == [] and found.inline == [], state


def test_the_page_passes_the_nu_html_checker(app, client, world, brandt, tmp_path):
    files = []
    for state, response in page_states(app, client, world):
        page = tmp_path / f"{state.replace(' ', '-')}.html"
        page.write_bytes(response.get_data())
        files.append(str(page))
    errors = nu_errors(files)
    assert errors == [], "\n".join(f"{e.get('url')}: {e.get('message')}" for e in errors)
