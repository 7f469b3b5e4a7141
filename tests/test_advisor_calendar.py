"""The advisor's Kalender page: the feed address and its renewal, the fixed video link, and
the connection to their own calendar whose busy times the import takes over."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.advisor.service import IMPORT_ERRORS
from app.extensions import db
from app.models import Advisor, BusyBlock, ExternalCalendar, Role
from app.models.types import utcnow
from tests.booking_support import at, monday_in, user_of
from tests.conftest import HX
from tests.test_booking_freshness import picker_url, slot, warm
from tests.test_html import audit, nu_errors

PAGE = "/berater/kalender"
FEED_URL = re.compile(r'value="http://localhost(/kalender/[A-Za-z0-9_-]+\.ics)"')
POSTS = [
    "/berater/kalender/feed",
    "/berater/kalender/videolink",
    "/berater/kalender/import",
    "/berater/kalender/import/abrufen",
    "/berater/kalender/import/entfernen",
]
GOOD_ICS = "https://outlook.office365.com/owa/calendar/abc/def/calendar.ics"


@pytest.fixture
def brandt(auth, app, world):
    """Logged in as the advisor Dr. Katharina Brandt."""
    auth.login(user_of(app, world.brandt).email)
    return world.brandt


def advisor_row(app, advisor) -> Advisor:
    with app.app_context():
        row = db.session.get(Advisor, advisor.id)
        db.session.expunge(row)
        return row


def external_of(app, advisor) -> ExternalCalendar | None:
    with app.app_context():
        row = db.session.get(ExternalCalendar, advisor.id)
        if row is not None:
            db.session.expunge(row)
        return row


def speak_english(app, advisor) -> None:
    with app.app_context():
        db.session.get(Advisor, advisor.id).user.locale = "en"
        db.session.commit()


def feed_path(client) -> str:
    return FEED_URL.search(client.get(PAGE).get_data(as_text=True)).group(1)


# ------------------------------------------------------------------------ who may see it


def test_opening_the_page_sets_nothing_up(app, client, brandt):
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kalender-Abo einrichten" in html and 'aria-current="page">Kalender<' in html
    assert advisor_row(app, brandt).feed_token is None  # a GET changes nothing


def test_setting_up_the_feed_shows_its_addresses(app, client, brandt):
    response = client.submit("/berater/kalender/feed")
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    html = client.get(PAGE).get_data(as_text=True)
    token = advisor_row(app, brandt).feed_token
    assert len(token) == 43
    assert f'href="webcal://localhost/kalender/{token}.ics"' in html
    assert f'value="http://localhost/kalender/{token}.ics" readonly' in html
    assert "Ihr Kalender-Abo ist eingerichtet." in html
    assert client.get(f"/kalender/{token}.ics").status_code == 200


def test_a_new_link_stops_the_old_one_at_once(app, client, brandt):
    client.submit("/berater/kalender/feed")
    old = feed_path(client)
    assert "hört sofort auf zu funktionieren" in client.get(PAGE).get_data(as_text=True)
    client.submit("/berater/kalender/feed")
    html = client.get(PAGE).get_data(as_text=True)
    assert "Der bisherige funktioniert nicht mehr" in html
    new = FEED_URL.search(html).group(1)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_renewing_with_htmx_swaps_the_feed_part(client, brandt):
    response = client.submit("/berater/kalender/feed", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="feed"') and "<html" not in html
    assert "Ihr Kalender-Abo ist eingerichtet." in html  # in the alerts, swapped out of band


def test_each_advisor_sees_only_their_own_feed(app, client, auth, world, brandt):
    client.submit("/berater/kalender/feed")
    brandt_token = advisor_row(app, world.brandt).feed_token
    auth.logout()
    auth.login(user_of(app, world.becker).email)
    html = client.get(PAGE).get_data(as_text=True)
    assert brandt_token not in html and "Kalender-Abo einrichten" in html
    client.submit("/berater/kalender/feed")
    assert advisor_row(app, world.brandt).feed_token == brandt_token  # untouched
    assert advisor_row(app, world.becker).feed_token not in (None, brandt_token)


@pytest.mark.parametrize("role", [Role.CLIENT, Role.ADMIN])
def test_clients_and_admins_may_not(client, auth, make, role):
    auth.login(make.user(role=role).email)
    assert client.get(PAGE).status_code == 403
    for url in POSTS:
        assert client.submit(url, {"url": GOOD_ICS}).status_code == 403, url
    assert ">Kalender<" not in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/konto/anmelden")
    for url in POSTS:
        assert client.submit(url).status_code == 302, url


def test_every_change_needs_the_csrf_token(app, client, brandt):
    client.submit("/berater/kalender/import", {"url": GOOD_ICS})
    token = advisor_row(app, brandt).feed_token
    for url in POSTS:
        assert client.post(url, data={"url": GOOD_ICS, "meeting_link": ""}).status_code == 400, url
    assert advisor_row(app, brandt).feed_token == token
    assert external_of(app, brandt) is not None


# ----------------------------------------------------------------------- video link


def test_a_fixed_video_link_is_saved_and_can_be_cleared(app, client, brandt):
    link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc"
    client.submit("/berater/kalender/videolink", {"meeting_link": link})
    assert advisor_row(app, brandt).meeting_link == link
    assert f'value="{link}"' in client.get(PAGE).get_data(as_text=True)
    client.submit("/berater/kalender/videolink", {"meeting_link": ""})
    assert advisor_row(app, brandt).meeting_link == ""


@pytest.mark.parametrize(
    ("typed", "german", "english"),
    [
        ("http://meet.example.de/raum", "mit https:// beginnt", "starts with https://"),
        ("https://meet.example.de/mein raum", "keine Leerzeichen", "no spaces"),
        ("meet.example.de/raum", "mit https:// beginnt", "starts with https://"),
        ("https://" + "a" * 500 + ".de", "höchstens 500 Zeichen", "500 characters"),
    ],
)
def test_a_bad_video_link_is_explained_in_the_form(
    app, client, htmx_client, brandt, typed, german, english
):
    response = client.submit("/berater/kalender/videolink", {"meeting_link": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert german in html and 'aria-invalid="true"' in html
    assert f'value="{typed}"' in html  # what was typed stays
    assert advisor_row(app, brandt).meeting_link == ""
    speak_english(app, brandt)
    html = client.submit("/berater/kalender/videolink", {"meeting_link": typed}).get_data(
        as_text=True
    )
    assert english in html


# ---------------------------------------------------------------------- busy import


def test_saving_the_address_asks_for_a_fetch_at_once(app, client, brandt):
    before = utcnow()
    client.submit("/berater/kalender/import", {"url": "webcal://p01-caldav.icloud.com/pub/x.ics"})
    external = external_of(app, brandt)
    assert external.url == "https://p01-caldav.icloud.com/pub/x.ics"
    assert external.requested_at >= before
    html = client.get(PAGE).get_data(as_text=True)
    assert "Wird abgerufen" in html
    assert 'data-hx-trigger="every 3s"' in html


def test_a_new_address_starts_afresh(app, client, brandt):
    client.submit("/berater/kalender/import", {"url": GOOD_ICS})
    with app.app_context():
        external = db.session.get(ExternalCalendar, brandt.id)
        external.requested_at = None
        external.etag, external.last_modified = '"v1"', "Mon, 07 Dec 2026 10:00:00 GMT"
        external.error, external.error_detail = "not_found", None
        db.session.commit()
    other = "https://calendar.google.com/calendar/ical/x/private-abc/basic.ics"
    client.submit("/berater/kalender/import", {"url": other})
    external = external_of(app, brandt)
    assert (external.url, external.etag, external.last_modified, external.error) == (
        other,
        None,
        None,
        None,
    )
    assert external.requested_at is not None


@pytest.mark.parametrize(
    ("typed", "german", "english"),
    [
        ("", "Bitte geben Sie die Adresse Ihres Kalenders ein.", "address of your calendar"),
        ("ftp://example.de/cal.ics", "mit https://, http:// oder webcal://", "https://, http://"),
        ("https://example.de/my cal.ics", "keine Leerzeichen", "no spaces"),
        # What the import could not fetch is refused here, not stored to fail later.
        ("https://example.de:99999/cal.ics", "mit https://, http:// oder webcal://", "https://"),
        ("https://" + "a" * 2000 + ".de", "höchstens 2000 Zeichen", "2000 characters"),
    ],
)
def test_a_bad_calendar_address_is_explained_in_the_form(
    app, client, brandt, typed, german, english
):
    response = client.submit("/berater/kalender/import", {"url": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert german in html and 'aria-invalid="true"' in html
    assert external_of(app, brandt) is None
    speak_english(app, brandt)
    assert english in client.submit("/berater/kalender/import", {"url": typed}).get_data(
        as_text=True
    )


def test_bad_input_with_htmx_returns_the_import_part_with_422(client, brandt):
    response = client.submit("/berater/kalender/import", {"url": "ftp://x.de/c.ics"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<div id="calendar-import"') and "<html" not in html
    assert 'value="ftp://x.de/c.ics"' in html


def set_status(app, advisor, **fields) -> None:
    with app.app_context():
        external = db.session.get(ExternalCalendar, advisor.id)
        for name, value in fields.items():
            setattr(external, name, value)
        db.session.commit()


def test_the_status_tells_when_and_how_many(app, client, htmx_client, brandt):
    client.submit("/berater/kalender/import", {"url": GOOD_ICS})
    synced = utcnow()
    set_status(app, brandt, requested_at=None, synced_at=synced, checked_at=synced, block_count=17)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Verbunden" in html and "<dd>17</dd>" in html
    assert "every 3s" not in html  # nothing pending: no polling


@pytest.mark.parametrize("code", sorted(IMPORT_ERRORS))
def test_each_import_error_is_said_in_plain_words(app, client, brandt, code):
    client.submit("/berater/kalender/import", {"url": GOOD_ICS})
    set_status(
        app,
        brandt,
        requested_at=None,
        error=code,
        error_detail="503" if code == "http_error" else None,
        synced_at=utcnow(),
        checked_at=utcnow(),
    )
    html = client.get(PAGE).get_data(as_text=True)
    assert "Abruf fehlgeschlagen" in html
    assert str(IMPORT_ERRORS[code]).split(".")[0].split("(")[0][:40] in html.replace("&#34;", '"')
    assert "Bis zum nächsten erfolgreichen Abruf gelten die belegten Zeiten des letzten." in html
    if code == "http_error":
        assert "HTTP 503" in html
    speak_english(app, brandt)
    english = client.get(PAGE).get_data(as_text=True)
    assert "Fetch failed" in english


def test_polling_gets_the_status_alone_and_stops_when_done(app, client, brandt):
    client.submit("/berater/kalender/import", {"url": GOOD_ICS})
    headers = {**HX, "HX-Target": "import-status"}
    pending = client.get("/berater/kalender/import/status", headers=headers)
    html = pending.get_data(as_text=True)
    assert pending.status_code == 200 and "<html" not in html
    assert "Wird abgerufen" in html and 'data-hx-trigger="every 3s"' in html
    set_status(app, brandt, requested_at=None, synced_at=utcnow(), block_count=3)
    done = client.get("/berater/kalender/import/status", headers=headers).get_data(as_text=True)
    assert "Verbunden" in done and "every 3s" not in done
    # Without JavaScript the address shows the whole page.
    assert client.get("/berater/kalender/import/status").headers["Location"] == PAGE
    client.submit("/berater/kalender/import/entfernen")  # e.g. in another tab
    gone = client.get("/berater/kalender/import/status", headers=headers)
    assert gone.status_code == 200 and gone.get_data() == b""  # no status: polling ends


def test_fetch_now_asks_the_worker(app, client, brandt):
    client.submit("/berater/kalender/import", {"url": GOOD_ICS})
    set_status(app, brandt, requested_at=None)
    client.submit("/berater/kalender/import/abrufen")
    assert external_of(app, brandt).requested_at is not None


def test_removing_the_connection_frees_the_busy_times(
    app, client, htmx_client, count_queries, brandt
):
    client.submit("/berater/kalender/import", {"url": GOOD_ICS})
    monday = monday_in(2)
    with app.app_context():
        db.session.add_all(
            [
                BusyBlock(
                    advisor_id=brandt.id,
                    start=at(monday, "10:00"),
                    end=at(monday, "11:00"),
                    source="import",
                ),
                BusyBlock(
                    advisor_id=brandt.id,
                    start=at(monday, "14:00"),
                    end=at(monday, "15:00"),
                    source="manual",
                ),
            ]
        )
        db.session.commit()
    url = picker_url(brandt.id)
    page = warm(htmx_client, count_queries, url)
    assert slot("10:00") not in page and slot("14:00") not in page

    response = client.submit("/berater/kalender/import/entfernen")
    assert response.status_code == 302

    assert external_of(app, brandt) is None
    with app.app_context():
        sources = db.session.scalars(
            sa.select(BusyBlock.source).where(BusyBlock.advisor_id == brandt.id)
        ).all()
    assert sources == ["manual"]  # only the imported times go
    page = htmx_client.get(url).get_data(as_text=True)
    assert slot("10:00") in page and slot("14:00") not in page
    assert "Die Verbindung ist entfernt." in client.get(PAGE).get_data(as_text=True)


def test_advisors_find_the_page_in_the_navigation(client, brandt):
    """From any page to the workspace, and there to the Kalender section."""
    assert '<a href="/berater/">Arbeitsplatz</a>' in client.get("/").get_data(as_text=True)
    assert 'href="/berater/kalender"' in client.get("/berater/").get_data(as_text=True)


def page_states(app, client):
    """The page before anything is set up, while a fetch is pending, and after an error,
    with the forms' errors shown."""
    yield "fresh", client.get(PAGE)
    client.submit("/berater/kalender/feed")
    client.submit("/berater/kalender/import", {"url": GOOD_ICS})
    yield "pending", client.get(PAGE)
    with app.app_context():
        external = db.session.scalars(sa.select(ExternalCalendar)).one()
        external.requested_at, external.error, external.synced_at = None, "timeout", utcnow()
        db.session.commit()
    yield "error", client.get(PAGE)
    yield "bad link", client.submit("/berater/kalender/videolink", {"meeting_link": "http://x"})
    yield "bad address", client.submit("/berater/kalender/import", {"url": "ftp://x"})


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_page_keeps_the_markup_rules(app, client, brandt, lang):
    if lang == "en":
        speak_english(app, brandt)
    for state, response in page_states(app, client):
        found = audit(response.get_data(as_text=True))
        assert [name for name, count in found.ids.items() if count > 1] == [], state
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], state
        assert found.htmx_without_target == [] and found.inline == [], state


def test_the_page_passes_the_nu_html_checker(app, client, brandt, tmp_path):
    files = []
    for state, response in page_states(app, client):
        page = tmp_path / f"{state.replace(' ', '-')}.html"
        page.write_bytes(response.get_data())
        files.append(str(page))
    errors = nu_errors(files)
    assert errors == [], "\n".join(f"{e.get('url')}: {e.get('message')}" for e in errors)
