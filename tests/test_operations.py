"""What an operator relies on: probes, request ids and log lines, compression, static files.

The running-server side (gunicorn with app/gunicorn_conf.py, JSON lines on stderr) is in
tests/test_serve.py; these run the app in-process.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
from pathlib import Path

import brotli
import pytest
import redis
from flask import current_app

from app import create_app
from app.extensions import db
from app.mail.worker import run_round
from app.observability import RequestIdFilter
from app.static_files import HASHED_NAME, build_manifest
from tests.conftest import app_config, free_port, needs_service
from tests.test_feed import feed_token


@pytest.fixture
def app_with(database_url):
    """The app on the test database with some settings changed; its connections are closed
    afterwards (PostgreSQL would warn of connections left open)."""
    made = []

    def make(**overrides):
        app = create_app(app_config(database_url, **overrides))
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


BROWSER_ENCODINGS = {"Accept-Encoding": "gzip, deflate, br, zstd"}
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


# --- liveness and readiness -------------------------------------------------------------


def test_readyz_is_200_with_every_part_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"},
    }


def test_readyz_names_an_unreachable_database_without_its_address():
    app = create_app(app_config("postgresql://nobody:s3cret-pw@127.0.0.1:1/none"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["database"] == "unreachable"
    body = response.get_data(as_text=True)
    assert "s3cret" not in body and "127.0.0.1" not in body and "nobody" not in body
    # Liveness stays green: restarting app servers would not bring the database back.
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_is_503_until_the_migrations_ran(tmp_path):
    """A new release started before ``flask db upgrade``: reachable, but not ready."""
    app = create_app(app_config(f"sqlite:///{tmp_path / 'empty.sqlite'}"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {
        "database": "ok",
        "migrations": "pending",
        "redis": "not configured",
    }


def _redis_db() -> str:
    """The Redis of the multi-process tests (``TEST_REDIS_URL``); only pinged here."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        needs_service(f"Redis at {url} is unreachable ({error}); set TEST_REDIS_URL")
    return url


def test_readyz_checks_redis_when_configured(app_with):
    app = app_with(REDIS_URL=_redis_db())
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["redis"] == "ok"


def test_readyz_is_503_when_redis_is_down(app_with):
    down = f"redis://:hunter2@127.0.0.1:{free_port()}/3"  # nothing listens there
    app = app_with(REDIS_URL=down)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "redis": "unreachable"}
    assert "hunter2" not in response.get_data(as_text=True)


# --- request ids and log lines ----------------------------------------------------------


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/gibt-es-nicht").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


def test_a_proxys_request_id_is_kept_only_from_a_trusted_proxy(app_with):
    offered = {"X-Request-ID": "edge-7f3a9c1e5b"}
    direct = app_with().test_client()
    assert (
        direct.get("/healthz", headers=offered).headers["X-Request-ID"] != offered["X-Request-ID"]
    )
    behind = app_with(PROXY_COUNT=1, REQUEST_ID_TRUSTED=True)
    proxied = behind.test_client()
    assert proxied.get("/healthz", headers=offered).headers["X-Request-ID"] == "edge-7f3a9c1e5b"
    forged = proxied.get("/healthz", headers={"X-Request-ID": 'x" level=ERROR msg=fake'})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])


def request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "app.request"]


def test_one_log_line_per_request_without_query_or_address(client, auth, make, caplog):
    user = make.user(email="andreas.krueger@rheinchem.example")
    auth.login(user.email)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="app.request"):
        response = client.get("/konto/profil?token=secret-reset-token&email=a@b.example")
    (line,) = request_lines(caplog)
    assert (line.method, line.path, line.status) == ("GET", "/konto/profil", 200)
    assert line.user_id == user.id
    assert line.request_id == response.headers["X-Request-ID"]
    assert isinstance(line.duration_ms, float) and line.duration_ms > 0
    text = line.getMessage() + repr(line.__dict__)
    assert "secret-reset-token" not in text and "rheinchem" not in text and "@" not in text


def test_tokens_in_the_path_are_not_logged(client, caplog):
    token = "Zq8w3VtR0yN6mXcB2aLpK9sDfGhJkL1"
    with caplog.at_level(logging.INFO, logger="app.request"):
        client.get(f"/kalender/{token}.ics")
    (line,) = request_lines(caplog)
    assert line.path == "/kalender/<token>.ics" and line.status == 404
    assert token not in line.getMessage()


def test_probes_log_below_info(client, caplog):
    with caplog.at_level(logging.INFO, logger="app.request"):
        client.get("/healthz")
        client.get("/readyz")
    assert request_lines(caplog) == []


def test_app_records_in_a_request_carry_its_id(app, client):
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.addFilter(RequestIdFilter())
    handler.emit = seen.append
    app.logger.addHandler(handler)

    @app.get("/logs-something")
    def logs_something():
        current_app.logger.warning("something worth a look")
        return "ok"

    try:
        response = client.get("/logs-something")
    finally:
        app.logger.removeHandler(handler)
    (record,) = [r for r in seen if r.getMessage() == "something worth a look"]
    assert record.request_id == response.headers["X-Request-ID"]


def test_each_worker_job_logs_under_its_own_id(app):
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.addFilter(RequestIdFilter())
    handler.emit = seen.append
    app.logger.addHandler(handler)
    try:
        with app.app_context():
            run_round(
                [
                    ("outbox", lambda now: current_app.logger.info("outbox: 1 sent")),
                    ("reminders", lambda now: current_app.logger.info("reminders: 2 queued")),
                ]
            )
    finally:
        app.logger.removeHandler(handler)
    ids = [record.request_id for record in seen]
    assert ids[0].startswith("job-outbox-") and ids[1].startswith("job-reminders-")


def test_log_format_follows_the_setting(app_with):
    """Production writes JSON lines; ``LOG_FORMAT=plain`` (or debug) readable ones."""
    json_app = app_with()
    assert json_app.config["LOG_FORMAT"] == "json"
    root = logging.getLogger()
    (ours,) = [h for h in root.handlers if type(h).__name__ == "_OurHandler"]
    record = logging.LogRecord("app", logging.INFO, "", 0, "hello", None, None)
    record.request_id = "abc"
    assert ours.format(record).startswith("{") and '"request_id": "abc"' in ours.format(record)
    app_with(LOG_FORMAT="plain")
    (ours,) = [h for h in root.handlers if type(h).__name__ == "_OurHandler"]
    assert ours.format(record).endswith("INFO app [abc] hello")


# --- compression ------------------------------------------------------------------------


def test_pages_are_compressed_for_browsers_that_accept_it(client):
    plain = client.get("/")
    html = plain.get_data()
    assert plain.headers.get("Content-Encoding") is None
    br = client.get("/", headers=BROWSER_ENCODINGS)
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.get_data()) == html
    assert len(br.get_data()) < len(html) / 2
    assert "Accept-Encoding" in br.headers["Vary"] and "HX-Request" in br.headers["Vary"]
    gz = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == html


def test_a_page_another_site_asks_for_with_our_session_is_not_compressed(client):
    """BREACH: the page's CSRF secret beside text an attacker chose must not be compressed
    for requests the attacker's site makes; our own navigations and a first visit from a
    link (no session yet, so no secret to guess) stay compressed."""
    from_elsewhere = {**BROWSER_ENCODINGS, "Sec-Fetch-Site": "cross-site"}
    first_visit = client.get("/impressum?next=x", headers=from_elsewhere)
    assert first_visit.headers["Content-Encoding"] == "br"
    assert client.get_cookie("session") is not None  # the page made a session
    attacked = client.get("/impressum?next=csrf-token-guess", headers=from_elsewhere)
    assert "Content-Encoding" not in attacked.headers
    assert 'name="csrf-token"' in attacked.get_data(as_text=True)
    assert "Sec-Fetch-Site" in attacked.headers["Vary"]
    own = client.get("/impressum", headers={**BROWSER_ENCODINGS, "Sec-Fetch-Site": "same-origin"})
    assert own.headers["Content-Encoding"] == "br"


def test_the_feed_keeps_its_own_gzip_and_its_304(app, client, world):
    token = feed_token(app, world.brandt)
    first = client.get(f"/kalender/{token}.ics", headers=BROWSER_ENCODINGS)
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(first.get_data()).startswith(b"BEGIN:VCALENDAR")
    again = client.get(
        f"/kalender/{token}.ics",
        headers={**BROWSER_ENCODINGS, "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304 and again.get_data() == b""


def test_a_compressed_stylesheet_still_answers_304(client):
    first = client.get("/canvas/raster.css", headers=BROWSER_ENCODINGS)
    assert first.headers["Content-Encoding"] == "br"
    again = client.get(
        "/canvas/raster.css", headers={**BROWSER_ENCODINGS, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_zip_download_arrives_as_it_was_made(client, auth, make):
    """The data export is a ZIP: compressing it again would cost time for nothing."""
    auth.login(make.user().email)
    response = client.submit("/konto/datenschutz/export", headers=BROWSER_ENCODINGS)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "Content-Encoding" not in response.headers
    assert response.get_data().startswith(b"PK")


def test_binary_downloads_are_left_alone():
    """PNG, PDF, ZIP and ICS are not run through the compressor (not text types)."""
    config = create_app(app_config("sqlite://")).config
    kept = set(config["COMPRESS_MIMETYPES"])
    assert {"text/html", "text/css", "application/json"} <= kept
    assert not kept & {"application/pdf", "application/zip", "text/calendar", "image/png"}
    assert config["COMPRESS_STREAMS"] is False


# --- static files -----------------------------------------------------------------------


def test_pages_link_static_files_by_content_hash_cached_for_good(client):
    html = client.get("/").get_data(as_text=True)
    urls = STATIC_URL.findall(html)
    assert len(urls) >= 4
    for url in urls:
        assert HASHED_NAME.search(url), url
        with client.get(url, headers=BROWSER_ENCODINGS) as response:
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
            if url.endswith((".css", ".js")):
                assert response.headers["Content-Encoding"] == "br", url
                assert "Accept-Encoding" in response.headers["Vary"]


def test_plain_static_names_still_work_with_a_short_lifetime(client):
    """``/static/js/embed.js`` is linked from the hubs' own websites."""
    with client.get("/static/js/embed.js") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=3600, public"


def test_a_changed_file_gets_a_new_url_and_the_old_build_stays(tmp_path: Path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: black; }\n" * 40)
    first = build_manifest(static, tmp_path / "instance")
    (static / "css" / "site.css").write_text("body { color: navy; }\n" * 40)
    second = build_manifest(static, tmp_path / "instance")
    old, new = first.names["css/site.css"], second.names["css/site.css"]
    assert old != new and re.fullmatch(r"css/site\.[0-9a-f]{12}\.css", new)
    assert (second.build / new).read_text().startswith("body { color: navy; }")
    assert brotli.decompress((second.build / f"{new}.br").read_bytes()).startswith(b"body")
    assert (first.build / old).is_file(), "pages of a still-running release link the old name"
    assert build_manifest(static, tmp_path / "instance") == second  # built once, then reused


def test_development_serves_files_as_they_are(monkeypatch, app_with):
    """With FLASK_DEBUG=1 no hashing: an edited stylesheet shows on the next reload."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    client = app_with().test_client()
    assert '/static/css/app.css"' in client.get("/impressum").get_data(as_text=True)
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=0, public"
