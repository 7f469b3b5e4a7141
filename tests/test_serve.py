"""The production command itself: gunicorn with ``app/gunicorn_conf.py`` on ``wsgi:app``
(what ``make serve`` and the Procfile's ``web`` run), read from outside as a log collector
and a proxy would: every stderr line one JSON object, the request id in the response and
in every line of its request."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app import create_app
from app.config import PROJECT_ROOT
from app.extensions import db
from tests.conftest import app_config, free_port

GUNICORN = PROJECT_ROOT / ".venv" / "bin" / "gunicorn"


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (a local server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def served(tmp_path: Path):
    """gunicorn as production starts it, on a migrated SQLite file; yields (base, log)."""
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "FLASK_DEBUG": "0",
        "SECRET_KEY": "serve-test-secret",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "TRUSTED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WEB_CONCURRENCY": "1",
        "PROXY_COUNT": "1",  # behind a proxy: its X-Request-ID is trusted
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
    }
    log = tmp_path / "stderr.log"
    with log.open("w") as sink:
        server = subprocess.Popen(  # noqa: S603 (our own command)
            [GUNICORN, "-c", "python:app.gunicorn_conf", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                pytest.fail(f"gunicorn exited: {log.read_text()}")
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn did not answer within 30 s")
                time.sleep(0.2)
        yield base, server, log
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=15)


def test_gunicorn_writes_one_json_line_per_request_with_the_request_id(served):
    base, server, log = served
    status, headers, body = _get(
        f"{base}/konto/anmelden?next=/konto/profil", **{"X-Request-ID": "edge-0001-abcdef"}
    )
    assert status == 200 and headers["X-Request-ID"] == "edge-0001-abcdef"
    status, headers, body = _get(f"{base}/readyz")
    assert status == 503 and json.loads(body)["checks"]["redis"] == "unreachable"
    readiness_id = headers["X-Request-ID"]
    server.terminate()
    server.wait(timeout=15)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    (page,) = [line for line in lines if line.get("request_id") == "edge-0001-abcdef"]
    assert page["logger"] == "app.request"
    assert (page["method"], page["path"], page["status"]) == ("GET", "/konto/anmelden", 200)
    assert page["user_id"] is None and page["duration_ms"] > 0
    # A record the app logs while answering carries that request's id.
    (warning,) = [line for line in lines if line["message"].startswith("readiness: redis")]
    assert warning["request_id"] == readiness_id and warning["level"] == "WARNING"
    # gunicorn's own messages are JSON too.
    assert any(line["message"].startswith("Booting worker") for line in lines)
