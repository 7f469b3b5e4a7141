"""German by default, English on request; times in the viewer's zone, which is named."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


def test_german_is_the_default(client):
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="de">' in page.get_data(as_text=True)
    assert '<html lang="de">' in client.get("/").get_data(as_text=True)


def test_a_browser_asking_for_english_gets_english_on_its_first_visit(client):
    page = client.get("/", headers={"Accept-Language": "fr-FR,en-US;q=0.8,de;q=0.5"})
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Accept-Language" in page.headers["Vary"]


def test_an_explicit_language_choice_wins_over_the_browser(client):
    client.submit("/sprache", {"lang": "de", "next": "/"})
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="de">' in page.get_data(as_text=True)


def test_language_switch_is_remembered_in_a_cookie(client):
    switched = client.submit("/sprache", {"lang": "en", "next": "/impressum"})
    assert switched.status_code == 302
    assert switched.headers["Location"] == "/impressum"
    cookie = next(c for c in switched.headers.getlist("Set-Cookie") if c.startswith("lang="))
    assert "lang=en" in cookie and "Max-Age=31536000" in cookie and "HttpOnly" in cookie
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Book a consultation" in page
    assert re.search(r'aria-pressed="true">(<span class="lang-name">)?English', page)


def test_language_switch_is_stored_in_the_profile(app, client, auth, make):
    user = make.user()
    auth.login(user.email)
    client.submit("/sprache", {"lang": "en", "next": "/"})
    client.delete_cookie("lang")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_explained_not_crashed(client):
    response = client.submit("/sprache", {"lang": "tlh", "next": "/"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Diese Sprache wird nicht angeboten." in response.get_data(as_text=True)


def test_language_switch_refuses_foreign_next(client):
    response = client.submit("/sprache", {"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("cookie", "shown"),
    [("America/New_York", "America/New_York"), ("Nowhere/Land", "Europe/Berlin")],
)
def test_browser_time_zone_is_used_when_known(client, cookie, shown):
    client.set_cookie("tz", cookie)
    page = client.get("/").get_data(as_text=True)
    assert f"Zeiten in der Zeitzone {shown}" in page


def test_profile_time_zone_wins_over_the_browser(client, auth, make):
    user = make.user(timezone="Asia/Tokyo")
    client.set_cookie("tz", "America/New_York")
    auth.login(user.email, PASSWORD)
    assert "Zeiten in der Zeitzone Asia/Tokyo" in client.get("/").get_data(as_text=True)


def test_english_error_pages(client):
    client.set_cookie("lang", "en")
    page = client.get("/gibt-es-nicht").get_data(as_text=True)
    assert "Page not found" in page
