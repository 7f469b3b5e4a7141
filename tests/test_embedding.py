"""Framing: the booking journey may be framed by ``EMBED_ORIGINS``, nothing else by anyone.

The browser side (a real iframe on another origin) is in tests/e2e/test_embed.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from app.security import parse_embed_origins, parse_origin
from tests.conftest import Client, app_config
from tests.test_html import nu_errors

HUB = "https://www.industryhub.example"
PARTNER = "https://partner.example:8443"
BOOKING_PAGES = ["/beratung/", "/beratung/termine", "/beratung/buchen?start=nonsense"]
OTHER_PAGES = ["/", "/impressum", "/konto/anmelden", "/konto/registrieren", "/theme.css"]


@pytest.fixture
def embedding_app(database_url: str) -> Iterator[Flask]:
    app = create_app(app_config(database_url, EMBED_ORIGINS=f"{HUB}, {PARTNER}/"))
    app.test_client_class = Client
    yield app
    with app.app_context():
        db.engine.dispose()


def frame_ancestors(response) -> str:
    return re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"])[1]


@pytest.mark.parametrize("path", BOOKING_PAGES)
def test_booking_pages_may_be_framed_by_the_listed_origins(embedding_app, path) -> None:
    response = embedding_app.test_client().get(path)
    assert frame_ancestors(response) == f"{HUB} {PARTNER}"
    assert "X-Frame-Options" not in response.headers  # it could name only one origin
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]  # rest as strict


@pytest.mark.parametrize("path", OTHER_PAGES)
def test_other_pages_refuse_every_frame(embedding_app, path) -> None:
    response = embedding_app.test_client().get(path)
    assert frame_ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", BOOKING_PAGES)
def test_without_embed_origins_booking_pages_refuse_frames_too(client, path) -> None:
    response = client.get(path)
    assert frame_ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def session_cookie(client) -> str:
    response = client.get("/beratung/termine")
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_with_embedding_the_session_cookie_reaches_the_frame(embedding_app) -> None:
    """The CSRF token of the guest form lives in the session: a Lax cookie never reaches a
    frame on another site, so the form would always fail."""
    cookie = session_cookie(embedding_app.test_client())
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    assert embedding_app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_without_embedding_the_session_cookie_stays_lax(client) -> None:
    cookie = session_cookie(client)
    assert "SameSite=Lax" in cookie and "Partitioned" not in cookie


# -- the compact layout -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "headers"),
    [("?embed=1", {}), ("", {"Sec-Fetch-Dest": "iframe"}), ("", {"Sprechstunde-Embed": "1"})],
    ids=["asked-for", "browser-says-frame", "app.js-says-frame"],
)
def test_framed_booking_pages_drop_header_and_footer(client, query, headers) -> None:
    response = client.get(f"/beratung/termine{query}", headers=headers)
    page = response.get_data(as_text=True)
    assert 'class="site-header"' not in page and 'class="site-footer"' not in page
    # What must stay reachable opens outside the frame (those pages refuse frames).
    assert '<a href="/beratung/termine" target="_blank" rel="noopener">' in page
    assert '<a href="/impressum" target="_blank" rel="noopener">Impressum</a>' in page
    assert '<a href="/datenschutz" target="_blank" rel="noopener">Datenschutz</a>' in page
    assert {"Sec-Fetch-Dest", "Sprechstunde-Embed"} <= set(response.vary)


def test_open_outside_keeps_the_choice_but_not_the_frame_flag(client) -> None:
    page = client.get("/beratung/termine?type=x&embed=1&topic=y").get_data(as_text=True)
    assert '<a href="/beratung/termine?type=x&amp;topic=y" target="_blank"' in page


def test_unframed_pages_keep_header_and_footer(client) -> None:
    booking = client.get("/beratung/termine", headers={"Sec-Fetch-Dest": "document"})
    assert 'class="site-header"' in booking.get_data(as_text=True)
    other = client.get("/impressum?embed=1", headers={"Sec-Fetch-Dest": "iframe"})
    assert 'class="site-header"' in other.get_data(as_text=True)  # not a booking page


def test_a_form_refused_in_a_frame_says_why_and_offers_a_new_window(client) -> None:
    """Safari keeps cookies out of frames: the CSRF check must fail, but not mysteriously."""
    framed = client.post("/beratung/buchen", data={}, headers={"Sec-Fetch-Dest": "iframe"})
    assert framed.status_code == 400
    page = framed.get_data(as_text=True)
    assert "Browser lässt in eingebetteten Seiten keine Cookies zu" in page
    assert '<a href="/beratung/" target="_blank" rel="noopener">' in page  # the journey anew
    unframed = client.post("/beratung/buchen", data={}).get_data(as_text=True)
    assert "Das Formular war zu lange geöffnet" in unframed


def test_framed_pages_pass_the_nu_html_checker(client, world, tmp_path) -> None:
    framed = {"Sec-Fetch-Dest": "iframe"}
    answers = {
        "picker": client.get("/beratung/termine?embed=1&type=erstgespraech"),
        "refused": client.post("/beratung/buchen", data={}, headers=framed),
    }
    files = []
    for name, response in answers.items():
        assert 'class="embed-footer"' in response.get_data(as_text=True), name
        (tmp_path / f"{name}.html").write_bytes(response.get_data())
        files.append(str(tmp_path / f"{name}.html"))
    assert nu_errors(files) == []


# -- the setting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://www.industryhub.example", "https://www.industryhub.example"),
        ("HTTPS://WWW.Hub.Example:8443/", "https://www.hub.example:8443"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
    ],
)
def test_an_origin_is_scheme_host_and_port(text: str, origin: str) -> None:
    assert parse_origin(text) == origin


@pytest.mark.parametrize(
    "text",
    [
        "*",
        "https://*.hub.example",
        "https://hub.example/buchung",
        "www.hub.example",
        "ftp://hub.example",
        "'self'",
        "'none'",
        "https://user@hub.example",
        "https://hub.example;script-src",
        "https://hub.example:99999",
        "https://hub.example:",
        "https://hub.example?x=1",
        "https://hub.example#top",
        "https://hub_example.de",
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not an origin like https://"):
        parse_origin(text)


def test_the_list_is_comma_or_space_separated() -> None:
    assert parse_embed_origins(f" {HUB},{PARTNER}  {HUB}\n") == (HUB, PARTNER)
    assert parse_embed_origins("") == ()
    assert parse_embed_origins([HUB]) == (HUB,)


def test_a_bad_origin_refuses_to_start(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'unused.sqlite'}"
    with pytest.raises(RuntimeError, match=r"EMBED_ORIGINS: 'https://\*\.hub\.example' is not"):
        create_app(app_config(url, EMBED_ORIGINS="https://*.hub.example"))


def test_embedding_needs_https_outside_this_machine(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'unused.sqlite'}"
    with pytest.raises(RuntimeError, match="EMBED_ORIGINS needs the site on HTTPS"):
        create_app(app_config(url, EMBED_ORIGINS=HUB, BASE_URL="http://termine.hub.example"))
    create_app(app_config(url, EMBED_ORIGINS=HUB, BASE_URL="https://termine.hub.example"))
