"""Whatever a request carries, the answer is a 4xx that says what is wrong, never a 500.

Probed from outside as a careless user or an attacker would: dates at the edges of what
Python can represent, a NUL byte (or another control character) in a path, a query or a
form, integers larger than the database's, and every error under ``/api/`` as an RFC 9457
problem document. Each probe runs on SQLite and on PostgreSQL, where a NUL byte or an
integer out of range is a database error.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms import multi_line, single_line
from app.models import Booking
from tests.booking_support import GUEST_FORM, at, book, monday_in

PICKER = "/beratung/termine?type=erstgespraech&topic=digitalisierung&advisor=any"
BOOK = "/beratung/buchen?type=erstgespraech&topic=digitalisierung&advisor=any"
API = "/api/v1/slots?type=erstgespraech&topic=digitalisierung"
CONTROL_MESSAGE = "Steuerzeichen"
INVALID_TIME = "Diese Uhrzeit ist ungültig"

# Dates Python can parse but not move a day or a time zone away from (OverflowError).
EDGE_DAYS = ["9999-12-31", "9999-12-27", "0001-01-01", "0001-01-07", "1899-12-31", "2999-01-01"]
EDGE_STARTS = [
    "0001-01-01T00:00+01:00",
    "0001-01-01T00:00Z",
    "0001-01-01T00:00-23:59",
    "9999-12-31T23:59Z",
    "9999-12-31T23:59-01:00",
    "9999-12-31T00:00+00:00",
    "1900-01-01T10:00Z",
    "2999-06-01T10:00Z",
]
CONTROL_VALUES = ["a\x00b", "\x00", "x\x01y", "\x1b[31m", "\x7f\x00"]


# -- dates at the edges --------------------------------------------------------------------


@pytest.mark.parametrize("param", ["day", "week"])
@pytest.mark.parametrize("day", EDGE_DAYS)
def test_picker_opens_on_the_first_free_day_for_a_day_out_of_range(client, world, param, day):
    response = client.get(f"{PICKER}&{param}={day}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<td class="free" aria-selected="true">' in page, "a free day is chosen"
    assert 'class="slot" href="/beratung/buchen?' in page, "and its times are offered"


@pytest.mark.parametrize("day", EDGE_DAYS)
def test_picker_fragment_for_a_day_out_of_range_is_no_500(htmx_client, world, day):
    assert htmx_client.get(f"{PICKER}&day={day}").status_code == 200


@pytest.mark.parametrize("start", EDGE_STARTS)
def test_booking_page_explains_a_start_out_of_range(client, world, start):
    response = client.get(f"{BOOK}&start={start.replace('+', '%2B')}", follow_redirects=True)
    assert response.status_code == 200
    assert INVALID_TIME in response.get_data(as_text=True)


@pytest.mark.parametrize("start", EDGE_STARTS)
def test_booking_post_with_a_start_out_of_range_asks_for_a_time(client, world, start):
    response = client.submit(BOOK, {**GUEST_FORM, "start": start, "week": "9999-12-31"})
    assert response.status_code == 422
    assert "Bitte wählen Sie eine der freien Zeiten." in response.get_data(as_text=True)


@pytest.mark.parametrize("start", EDGE_STARTS)
def test_reschedule_explains_a_start_out_of_range(app, client, world, start):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    uid, token = _manage(app, booking_id)
    url = f"/beratung/termin/{uid}/verschieben?token={token}&start={start.replace('+', '%2B')}"
    response = client.get(url)
    assert response.status_code == 200
    assert INVALID_TIME in response.get_data(as_text=True)
    assert client.get(f"{url}&week=9999-12-31").status_code == 200
    assert client.submit(url).status_code == 200  # nothing moved, the reason shown


@pytest.mark.parametrize(
    "query",
    [
        "from=9999-12-31",
        "from=9999-12-31&to=9999-12-31",
        "from=0001-01-01&to=0001-01-01",
        "from=0001-01-01",
        "to=9999-12-31",
        "to=0001-01-01",
        "from=1999-12-31&to=2000-01-01",
    ],
)
def test_api_answers_400_for_dates_out_of_range(client, world, query):
    response = client.get(f"{API}&{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    names = {p["name"] for p in response.json["invalid_params"]}
    assert names & {"from", "to"}


# -- control characters: path, query and form ----------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/beratung/termin/%00",
        "/beratung/termin/a%00b/absagen",
        "/beratung/bestaetigen/%00",
        "/konto/bestaetigen/x%00",
        "/konto/passwort-neu/%00%01",
        "/admin/themen/1%00",
        "/api/v1/slots%00",
    ],
)
def test_control_characters_in_the_path_are_refused(client, world, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert CONTROL_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("value", CONTROL_VALUES)
@pytest.mark.parametrize(
    "url",
    [
        PICKER + "&type={v}",
        "/beratung/termine?type=erstgespraech&topic={v}",
        BOOK + "&start={v}",
        "/beratung/termin/x?token={v}",
        "/konto/anmelden?email={v}",
        "/konto/anmelden?next={v}",
        "/konto/registrieren?invitation={v}",
        "/?q={v}",
    ],
)
def test_control_characters_in_the_query_are_refused_with_a_message(client, world, url, value):
    response = client.get(url.format(v=value))
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


def test_control_characters_in_an_htmx_request_go_to_the_alert_region(htmx_client, world):
    response = htmx_client.get(PICKER + "&topic=%00")
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#alerts"


def test_api_refuses_control_characters_with_a_problem_document(client, world):
    response = client.get(f"{API}&tz=Europe/Berlin%00")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert CONTROL_MESSAGE in response.json["detail"]


REGISTRATION = {
    "name": "Max Mustermann",
    "email": "max@firma.example",
    "organisation_name": "Muster GmbH",
    "password": "Korrekt-Pferd-Batterie-9",
    "password_confirm": "Korrekt-Pferd-Batterie-9",
    "accept_privacy": "y",
}


@pytest.mark.parametrize("value", ["Max\x00Mustermann", "\x00", "a\x08b"])
@pytest.mark.parametrize(
    ("url", "form", "field"),
    [
        ("/konto/anmelden", {"email": "a@firma.example", "password": "x"}, "email"),
        ("/konto/anmelden", {"email": "a@firma.example", "password": "x"}, "password"),
        ("/konto/registrieren", REGISTRATION, "name"),
        ("/konto/registrieren", REGISTRATION, "organisation_name"),
        ("/konto/registrieren", REGISTRATION, "password"),
        ("/konto/passwort-vergessen", {"email": "a@firma.example"}, "email"),
        (BOOK + "&start=2030-01-07T09:00Z", GUEST_FORM, "guest_name"),
        (BOOK + "&start=2030-01-07T09:00Z", GUEST_FORM, "agenda"),
        ("/sprache", {"lang": "de"}, "lang"),
        ("/konto/passwort", {"current_password": "x", "password": "y"}, "current_password"),
        ("/beratung/termin/x/absagen", {"reason": "Keine Zeit"}, "reason"),
        ("/konto/bestaetigung-erneut", {"email": "a@firma.example"}, "email"),
    ],
)
def test_control_characters_in_a_form_are_refused(client, world, url, form, field, value):
    response = client.submit(url, {**form, field: value})
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


TYPE_FORM = {
    "name_de": "Workshop",
    "name_en": "Workshop",
    "slug": "workshop",
    "duration_minutes": "90",
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "0",
    "minimum_notice_minutes": "60",
    "horizon_days": "90",
    "location_kind": "on_site",
    "location_detail_de": "Musterstraße 1",
}


@pytest.mark.parametrize(
    ("url", "form", "field"),
    [
        ("/admin/beratungsarten/neu", TYPE_FORM, "name_de"),
        ("/admin/beratungsarten/neu", TYPE_FORM, "description_de"),
        ("/admin/beratungsarten/neu", TYPE_FORM, "duration_minutes"),
        ("/admin/themen/neu", {"slug": "x", "name_de": "X", "name_en": "X"}, "name_de"),
        ("/admin/themen/neu", {"slug": "x", "name_de": "X", "name_en": "X"}, "advisor_ids"),
        ("/admin/nutzer", {"name": "N", "email": "n@hub.example", "role": "advisor"}, "name"),
        ("/konto/profil", {"name": "N", "locale": "de", "timezone": "UTC"}, "timezone"),
    ],
)
def test_control_characters_in_staff_forms_are_refused(client, admin, url, form, field):
    response = client.submit(url, {**form, field: "a\x00b"})
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


def test_tab_and_line_breaks_in_a_text_area_are_no_control_characters_to_refuse(client, admin):
    form = {**TYPE_FORM, "description_de": "Erstens:\r\n\tzuhören\r\nZweitens"}
    assert client.submit("/admin/beratungsarten/neu", form).status_code == 302


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Max\nMustermann", "Max Mustermann"),
        ("Max \r\n  Mustermann", "Max Mustermann"),
        ("Max\x00\x01\u2028\u2029\x85Mustermann", "Max Mustermann"),
        ("  Max\tMustermann\n", "Max Mustermann"),
        ("Max  Mustermann", "Max  Mustermann"),  # ordinary spaces are the user's business
        ("Dr.\u00a0Brandt", "Dr.\u00a0Brandt"),
    ],
)
def test_single_line_fields_turn_each_control_run_into_one_space(typed, kept):
    assert single_line(typed) == kept


def test_text_areas_keep_tabs_and_line_feeds_and_drop_other_control_characters():
    typed = "\r\nErstens:\r\n\tzuhören\rZweitens\u2028Drittens\x00\x0b\x1b\x7f.\n\n"
    assert multi_line(typed) == "Erstens:\n\tzuhören\nZweitens\nDrittens."


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_form_cleans_control_characters():
    """Each form of the app inherits ``app.forms.Form``, whose filters clean every field."""
    from flask_wtf import FlaskForm

    import app
    from app.forms import Form

    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)
    ours = {form for form in _subclasses(FlaskForm) if form.__module__.startswith("app.")}
    assert len(ours) > 10
    assert {form.__qualname__ for form in ours if not issubclass(form, Form)} == set()


# -- numbers larger than the database's -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/beratungsarten/99999999999999999999",
        "/admin/beratungsarten/2147483648",
        "/admin/themen/9223372036854775808",
        "/admin/beratungsarten/2147483647",
    ],
)
def test_ids_beyond_the_database_integer_are_404(client, admin, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "-1", "١", "9" * 5000])
def test_odd_advisor_ids_in_the_topic_form_are_ignored(client, admin, value):
    form = {"slug": "neu", "name_de": "Neu", "name_en": "New", "advisor_ids": value}
    assert client.submit("/admin/themen/neu", form).status_code == 302


# -- every error under /api/ is a problem document ------------------------------------------


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"]
    return body


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/", "/api/v2/slots", "/api/v1/slots/1"])
def test_unknown_api_urls_are_404_problem_documents(client, path):
    _is_problem(client.get(path), 404)


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_wrong_method_on_the_api_is_a_405_problem_document(client, method):
    response = getattr(client, method)("/api/v1/slots")
    _is_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_unexpected_api_error_is_a_500_problem_document(app, client, world, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("app.booking.api.free_slots_by_advisor", broken)
    body = _is_problem(client.get(API), 500)
    assert "boom" not in str(body)


def test_pages_outside_the_api_keep_their_html_error_page(client):
    response = client.get("/apix/v1/nope")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def _manage(app, booking_id: int) -> tuple[str, str]:
    from app.booking.links import manage_token
    from app.extensions import db
    from app.models import Booking

    with app.test_request_context():
        booking = db.session.get(Booking, booking_id)
        return booking.uid, manage_token(booking)


# -- 100 KB where a few hundred characters belong -------------------------------------------

HUNDRED_KB = "x" * 100 * 1024


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("agenda", "Bitte höchstens 2000 Zeichen."),
        ("guest_name", "Bitte höchstens 120 Zeichen."),
        ("guest_email", "Die E-Mail-Adresse ist zu lang."),
    ],
)
def test_a_hundred_kilobytes_in_the_booking_form_are_explained_not_stored(
    app, client, world, field, message
):
    start = f"{at(monday_in(2), '10:00'):%Y-%m-%dT%H:%MZ}"
    response = client.submit(f"{BOOK}&start={start}", {**GUEST_FORM, field: HUNDRED_KB})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Gast GmbH"' in page  # what was typed elsewhere is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0
