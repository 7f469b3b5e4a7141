"""The ground every page stands on: pages vs fragments, headers, errors, health."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import request

from app import create_app
from app.extensions import db
from app.main.navigation import nav_current
from app.models import Advisor
from tests.conftest import HX, app_config


def test_home_presents_the_hub(client, make):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="de">' in html
    assert "Beratung buchen" in html
    assert '<main id="main"' in html and 'href="#main"' in html  # landmark and skip link


def test_home_promises_nothing_the_site_does_not_have(client):
    """No canvases yet: the second button explains how a consultation goes, on this page."""
    html = client.get("/").get_data(as_text=True)
    assert "Canvas starten" not in html
    assert 'class="button button-secondary" href="#ablauf"' in html
    assert 'id="ablauf"' in html and "So läuft eine Beratung" in html


def test_home_lists_topics_and_advisors(client, app, runner):
    runner.invoke(args=["seed-demo"])
    html = client.get("/").get_data(as_text=True)
    assert "Nachhaltige Geschäftsmodelle" in html
    assert "Dr. Katharina Brandt" in html
    assert "Erstgespräch" in html and "30 Minuten · Videokonferenz" in html


CARD_LINK = re.compile(
    r'<li class="card card-link[^"]*">.*?<h3><a href="([^"]+)">([^<]+)</a></h3>', re.S
)


def card_links(html: str) -> dict[str, str]:
    """Each clickable card's heading → its one link (cards that are no link are missing)."""
    return {name: unescape(href) for href, name in CARD_LINK.findall(html)}


def test_every_home_card_is_one_link_into_the_picker_with_that_choice(client, runner):
    runner.invoke(args=["seed-demo"])
    html = client.get("/").get_data(as_text=True)
    links = card_links(html)
    assert html.count('class="card ') == html.count('class="card card-link') == len(links)
    assert links["Erstgespräch Digitalisierung"] == "/beratung/termine?type=erstgespraech"
    assert links["Datenstrategie"] == "/beratung/termine?topic=datenstrategie"
    brandt = links["Dr. Katharina Brandt"]
    assert re.fullmatch(r"/beratung/termine\?advisor=\d+&topic=digitalisierung", brandt)
    chosen = {
        "Workshop Geschäftsmodell": '<option value="workshop-geschaeftsmodell" selected>',
        "Datenstrategie": '<option value="datenstrategie" selected>',
        "Dr. Katharina Brandt": "selected>Dr. Katharina Brandt</option>",
    }
    for name, selected in chosen.items():
        picker = client.get(links[name])
        assert picker.status_code == 200, name
        assert selected in picker.get_data(as_text=True), name


def test_home_shows_only_what_can_be_booked(client, make):
    """Advisors who are inactive or advise on nothing, and topics nobody offers, would be
    dead ends in the picker: they are not shown."""
    topic = make.topic()
    make.topic("lonely", "Einsames Thema")
    make.consultation_type()
    make.advisor(topic, name="Dr. Katharina Brandt")
    make.advisor(name="Ohne Thema")
    quitter = make.advisor(topic, name="Schon Weg")
    with client.application.app_context():
        db.session.get(Advisor, quitter.id).active = False
        db.session.commit()
    links = card_links(client.get("/").get_data(as_text=True))
    assert set(links) == {"Erstgespräch Digitalisierung", "Digitalisierung", "Dr. Katharina Brandt"}


def test_without_a_bookable_type_the_home_page_has_no_dead_links(client, make):
    make.advisor(make.topic(), name="Dr. Katharina Brandt")
    html = client.get("/").get_data(as_text=True)
    assert card_links(html) == {}
    assert "Online können Sie gerade keine Beratung buchen" in html


def test_advisors_show_initials_without_a_photo(client, make):
    make.consultation_type()
    make.advisor(make.topic(), name="Dr. Katharina Brandt")
    html = client.get("/").get_data(as_text=True)
    assert re.search(
        r'<span class="avatar avatar-md avatar-initials avatar-c\d" aria-hidden="true">KB</span>',
        html,
    )


NAV_LINK = re.compile(r'<a href="([^"]+)"( aria-current="(page|true)")?>([^<]+)</a>')


def nav(html: str) -> dict[str, str | None]:
    """Main navigation: link text → its aria-current (None: not current)."""
    block = html.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    return {text: current or None for _href, _attr, current, text in NAV_LINK.findall(block)}


def test_navigation_marks_the_current_page(client, auth, make):
    assert nav(client.get("/konto/anmelden").get_data(as_text=True)) == {
        "Beratung buchen": None,
        "Anmelden": "page",
        "Registrieren": None,
    }
    assert nav(client.get("/konto/passwort-vergessen").get_data(as_text=True))["Anmelden"] == "true"
    assert set(nav(client.get("/").get_data(as_text=True)).values()) == {None}
    auth.login(make.user().email)
    marked = nav(client.get("/konto/profil").get_data(as_text=True))
    assert marked["Profil"] == "page" and marked["Meine Termine"] is None


def test_navigation_marks_the_booking_journey_and_the_admin_section(client, admin, world):
    picker = client.get("/beratung/termine").get_data(as_text=True)
    assert nav(picker)["Beratung buchen"] == "page"
    topics = client.get("/admin/themen").get_data(as_text=True)
    assert nav(topics)["Verwaltung"] == "true" and nav(topics)["Beratung buchen"] is None


@pytest.mark.parametrize(
    ("link", "endpoint", "state"),
    [
        ("booking.start", "booking.picker", "page"),
        ("booking.start", "booking.book", "true"),
        ("booking.start", "booking.my_bookings", None),
        ("admin.dashboard", "admin.topics", "true"),
        ("admin.dashboard", "admin.dashboard", "page"),
        ("auth.profile", "privacy.delete_account", "true"),
        ("auth.profile", "main.photo", "true"),
        ("auth.organisation", "auth.organisation", "page"),
        ("auth.organisation", None, None),
    ],
)
def test_nav_current_rule(link, endpoint, state):
    assert nav_current(link, endpoint) == state


@pytest.mark.parametrize("path", ["/impressum", "/datenschutz"])
def test_legal_pages_exist(client, path):
    page = client.get(path)
    assert page.status_code == 200
    assert "Dormagen" in page.get_data(as_text=True)


def test_full_page_for_browsers_and_fragment_for_htmx(client, htmx_client):
    page = client.get("/konto/anmelden")
    fragment = htmx_client.get("/konto/anmelden")
    assert "<html" in page.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert 'id="login-form"' in body
    assert 'id="alerts"' in body and 'hx-swap-oob="true"' in body
    assert "HX-Request" in page.headers["Vary"]
    assert "HX-Request" in fragment.headers["Vary"]


def test_boosted_navigation_gets_the_whole_page(client):
    page = client.get("/konto/anmelden", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in page.get_data(as_text=True)


def test_redirect_after_htmx_post_becomes_hx_redirect(htmx_client, make):
    user = make.user()
    response = htmx_client.submit(
        "/konto/anmelden", {"email": user.email, "password": "Korrekt-Pferd-Batterie-9"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/"
    assert "Location" not in response.headers


def test_security_headers_forbid_inline_script_and_framing(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " hx-on" not in html and "style=" not in html


def test_htmx_is_vendored_and_configured(client):
    html = client.get("/").get_data(as_text=True)
    # Under a content-hashed name (app/static_files.py).
    src = re.search(r'src="(/static/vendor/htmx-2\.0\.11/htmx\.min\.[0-9a-f]{12}\.js)"', html)
    assert src, "htmx is linked under its fingerprinted name"
    assert '"allowEval":false' in html and '"selfRequestsOnly":true' in html
    assert '"historyCacheSize":0' in html and '"includeIndicatorStyles":false' in html
    with client.get(src.group(1)) as script:
        assert script.status_code == 200
        assert script.get_data(as_text=True).startswith("var htmx=")


def test_unknown_page_is_a_friendly_404(client, htmx_client):
    page = client.get("/gibt-es-nicht")
    assert page.status_code == 404
    assert "Seite nicht gefunden" in page.get_data(as_text=True)
    fragment = htmx_client.get("/gibt-es-nicht")
    assert fragment.status_code == 404
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Retarget"] == "#alerts"


def test_post_without_csrf_token_is_refused_with_a_reload_hint(client):
    response = client.post("/konto/anmelden", data={"email": "a@b.de", "password": "x"})
    assert response.status_code == 400
    assert "Bitte laden Sie die Seite neu" in response.get_data(as_text=True)


def test_htmx_post_sends_csrf_token_as_header(htmx_client, make):
    user = make.user()
    token = htmx_client.csrf_token()
    response = htmx_client.post(
        "/konto/anmelden",
        data={"email": user.email, "password": "Korrekt-Pferd-Batterie-9"},
        headers={**HX, "X-CSRFToken": token},
    )
    assert response.headers["HX-Redirect"] == "/"


def test_oversized_body_gets_413_not_500(client):
    response = client.post("/konto/anmelden", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "zu groß" in response.get_data(as_text=True)


def test_untrusted_host_is_refused(client):
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_unexpected_error_renders_500_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Etwas ist schiefgelaufen" in response.get_data(as_text=True)


def test_healthz_is_liveness_and_touches_nothing(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_stays_200_when_the_database_is_gone():
    """A database outage must not make a supervisor restart every app server: that is
    what /readyz reports (tests/test_operations.py)."""
    app = create_app(app_config("postgresql://nobody@127.0.0.1:1/none"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("BASE_URL", "https://termine.industryhub.example")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": None})


def test_behind_a_proxy_the_client_address_counts():
    app = create_app(app_config("sqlite://", PROXY_COUNT=1))
    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    app.test_client().get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7"]
