"""Every rule of the URL map, all blueprints, walked in a seeded hub.

- Every unsafe request (POST, PUT, PATCH, DELETE) without a CSRF token is refused with the
  "session expired" answer (400), as a page and as an HTMX fragment, and changes nothing in
  any table; a method a route does not take is a 405.
- Every GET route (and every error page) carries the security headers: a CSP whose scripts
  are the site's own files only, no sniffing, a referrer policy, frame protection (the
  booking journey may be framed by ``EMBED_ORIGINS`` alone) and, for someone logged in, a
  ``Cache-Control`` that keeps the page out of shared caches and the browser's disk.

The rules are read from the app, so a new route is swept at once; one whose arguments, user
or answer the sweep does not know fails until tests/sweep_support.py (or ``ANSWERS`` below)
is taught.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.errors import CSRF_MESSAGE
from app.extensions import db
from tests.conftest import HX, app_config
from tests.sweep_support import (
    ANONYMOUS,
    BOOKER,
    UNSAFE,
    address,
    browsers,
    build_hub,
    role_of,
    rules,
    sweep_app,
    table_contents,
)

SESSION_EXPIRED = str(CSRF_MESSAGE[0])
PARTNER = "https://www.industryhub.example"
# What a GET route answers in the seeded hub when it is not 200, and why.
ANSWERS = {
    "booking.start": 302,  # the journey starts in the picker
    "booking.advisor_bookings": 301,  # the old address of the advisor's agenda
    "advisor.import_status": 302,  # an HTMX poll; a browser is sent to the calendar page
}


# One seeded hub per database for the whole module: the sweeps change nothing (they check).
@pytest.fixture(scope="module")
def app(database_url: str) -> Iterator[Flask]:
    yield from sweep_app(database_url)


@pytest.fixture(scope="module")
def hub(app):
    return build_hub(app)


@pytest.fixture(scope="module")
def people(app, hub):
    return browsers(app)


def get_routes(app) -> list:
    return [rule for rule in rules(app) if "GET" in rule.methods]


# -- CSRF -----------------------------------------------------------------------------------

# Plausible form fields, so that the missing token is the only thing wrong.
FORM = {"email": "neu@firma.example", "name": "Geändert", "body": "Neu", "reason": "Test"}


def unsafe_requests(app, hub) -> Iterator[tuple[str, str, str | None]]:
    """(method, path, person) for every unsafe method of every rule."""
    for rule in rules(app):
        for method in sorted(set(UNSAFE) & rule.methods):
            yield method, address(app, hub, rule), role_of(rule.endpoint)


def test_every_unsafe_request_without_a_csrf_token_is_refused_and_changes_nothing(app, hub, people):
    before = table_contents(app)
    refused = 0
    for method, path, person in unsafe_requests(app, hub):
        browser = people[person]
        with browser.open(path, method=method, data=FORM) as page:
            assert page.status_code == 400, (method, path, page.status_code)
            assert SESSION_EXPIRED in page.get_data(as_text=True), (method, path)
        # htmx sends the token as a header; without it the answer goes to the alert region.
        with browser.open(path, method=method, data=FORM, headers=HX) as fragment:
            assert fragment.status_code == 400, (method, path, fragment.status_code)
            assert fragment.headers["HX-Retarget"] == "#alerts", (method, path)
            body = fragment.get_data(as_text=True)
            assert SESSION_EXPIRED in body and "<html" not in body, (method, path)
        refused += 1
    assert refused > 60  # the sweep saw the site, not an empty map
    assert table_contents(app) == before


def test_a_token_from_another_session_is_refused_too(app, hub, people):
    """A token is bound to its session: one read by an attacker's own visit is no use."""
    stranger = people[ANONYMOUS].csrf_token()
    before = table_contents(app)
    for method, path, person in unsafe_requests(app, hub):
        if person is ANONYMOUS:
            continue
        answer = people[person].open(
            path, method=method, data={**FORM, "csrf_token": stranger}, headers={}
        )
        assert answer.status_code == 400, (method, path)
        answer.close()
    assert table_contents(app) == before


def test_the_json_api_takes_no_unsafe_method(app):
    """The API is read-only and public: nothing there could be driven by a visitor's cookies.
    A write endpoint added later must decide how it authenticates (and fail here until then)."""
    for rule in rules(app):
        if rule.rule.startswith("/api/"):
            assert not set(UNSAFE) & rule.methods, rule


def test_a_method_a_route_does_not_take_is_405(app, hub, people):
    taken: dict[str, set[str]] = {}  # one address may have a rule per method
    for rule in rules(app):
        taken.setdefault(rule.rule, set()).update(rule.methods)
    before = table_contents(app)
    for rule in rules(app):
        path = address(app, hub, rule)
        for method in sorted(set(UNSAFE) - taken[rule.rule])[:1]:  # one is enough: routing
            with people[role_of(rule.endpoint)].open(path, method=method, data=FORM) as answer:
                assert answer.status_code == 405, (method, path, answer.status_code)
                assert answer.headers["Allow"], (method, path)
    assert table_contents(app) == before


# -- security headers -----------------------------------------------------------------------


def policy(response) -> dict[str, str]:
    """The CSP as directive → sources."""
    text = response.headers.get("Content-Security-Policy", "")
    parts = (part.strip().split(None, 1) for part in text.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def assert_secure(response, where: str, logged_in: bool, framable_by: str | None = None):
    headers = response.headers
    csp = policy(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None, f"{where}: no script-src in the CSP"
    assert "unsafe-inline" not in scripts and "unsafe-eval" not in scripts, where
    assert "'none'" in csp.get("object-src", csp.get("default-src", "")), where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in {"same-origin", "strict-origin", "no-referrer"}, where
    assert headers.get("Permissions-Policy"), where
    if framable_by:
        assert csp["frame-ancestors"] == framable_by, where
        assert "X-Frame-Options" not in headers, where  # it could name only one origin
    else:
        assert csp.get("frame-ancestors", "'none'") == "'none'", where
        assert headers.get("X-Frame-Options") == "DENY", where
    if logged_in:
        cache = response.cache_control
        assert cache.no_store or (cache.private and not cache.public), (where, cache)


def is_personal(response, path: str) -> bool:
    """A page made for the person who asked: not a redirect, not the public API (which
    never reads the session), not a file that is the same for all (styles, photos)."""
    redirect = 300 <= response.status_code < 400 or "HX-Redirect" in response.headers
    return not (redirect or path.startswith("/api/") or response.cache_control.public)


def test_every_get_route_answers_with_the_security_headers(app, hub, people):
    for rule in get_routes(app):
        path, person = address(app, hub, rule), role_of(rule.endpoint)
        with people[person].get(path) as page:
            where = f"GET {path} ({rule.endpoint} as {person or 'visitor'})"
            assert page.status_code == ANSWERS.get(rule.endpoint, 200), where
            assert_secure(page, where, logged_in=person is not None and is_personal(page, path))


def test_every_htmx_fragment_answers_with_the_security_headers(app, hub, people):
    for rule in get_routes(app):
        path, person = address(app, hub, rule), role_of(rule.endpoint)
        with people[person].get(path, headers=HX) as fragment:
            if fragment.mimetype != "text/html":
                continue
            where = f"HTMX GET {path} ({rule.endpoint})"
            assert fragment.status_code < 500, where
            assert_secure(fragment, where, person is not None and is_personal(fragment, path))


def test_the_booking_journey_alone_may_be_framed_by_the_embedding_sites(database_url, hub):
    """README, "Auf der eigenen Website einbetten": ``EMBED_ORIGINS`` opens the booking
    pages (the ``booking`` blueprint) to those sites; every other page keeps refusing."""
    embedding = create_app(app_config(database_url, EMBED_ORIGINS=PARTNER))
    visitor = embedding.test_client()
    framable = 0
    for rule in get_routes(embedding):
        if role_of(rule.endpoint) is not ANONYMOUS:
            continue  # the session cookie is Secure now, and the test client speaks HTTP
        with visitor.get(address(embedding, hub, rule)) as page:
            booking = rule.endpoint.startswith("booking.")
            framable += booking
            assert_secure(page, rule.endpoint, False, PARTNER if booking else None)
    assert framable >= 1
    with embedding.app_context():
        db.engine.dispose()


ERRORS = [
    ("GET", "/gibt-es-nicht", 404),
    ("GET", "/admin/", 403),
    ("POST", "/impressum", 405),
    ("POST", "/konto/abmelden", 400),  # no CSRF token
    ("GET", "/?q=%00", 400),  # a control character
    ("GET", "/api/v1/slots", 400),  # a problem document
    ("GET", "/api/v1/nichts", 404),
    ("DELETE", "/api/v1/slots", 405),
]


@pytest.fixture
def client_logged_in(people):
    return people[BOOKER]


@pytest.mark.parametrize(("method", "path", "status"), ERRORS)
def test_error_pages_carry_the_security_headers(client_logged_in, method, path, status):
    for headers in ({}, HX):
        with client_logged_in.open(path, method=method, headers=headers) as page:
            assert page.status_code == status
            assert_secure(page, f"{method} {path}", logged_in=is_personal(page, path))


def test_the_too_large_page_carries_the_security_headers(client_logged_in):
    with client_logged_in.post("/konto/profil", data={"name": "x" * 2 * 1024 * 1024}) as page:
        assert page.status_code == 413
        assert_secure(page, "413", logged_in=True)


def test_the_answer_to_a_host_we_do_not_serve_carries_the_security_headers(client):
    with client.get("/", headers={"Host": "evil.example"}) as page:
        assert page.status_code == 400
        assert_secure(page, "unknown host", logged_in=False)


@pytest.mark.parametrize("path", ["/impressum", "/api/v1/slots"])
def test_the_500_page_carries_the_security_headers(app, client_logged_in, monkeypatch, path):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    endpoint = next(rule.endpoint for rule in rules(app) if rule.rule == path)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, endpoint, broken)
    with client_logged_in.get(path) as page:
        assert page.status_code == 500
        assert_secure(page, path, logged_in=is_personal(page, path))


def test_the_csp_allows_no_inline_style_or_script_anywhere(app):
    """The policy itself: scripts, styles and everything else from this site alone."""
    with app.test_client().get("/impressum") as page:
        csp = policy(page)
    for directive in ("default-src", "script-src", "style-src"):
        assert re.fullmatch(r"'self'", csp[directive]), (directive, csp[directive])
    assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
