"""The Procfile's commands themselves — ``release`` (migrations), ``web`` (gunicorn with
``app/gunicorn_conf.py`` on ``wsgi:app``, as ``make serve`` runs it) and ``worker`` — read
from outside as a log collector and a proxy would: every stderr line one JSON object, the
request id in the response and in every line of its request, a job id in the worker's."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from app import create_app
from app.config import PROJECT_ROOT
from app.extensions import db
from app.mail.outbox import enqueue_mail
from app.models import User
from tests.conftest import app_config, free_port

BIN = PROJECT_ROOT / ".venv" / "bin"


def procfile() -> dict[str, list[str]]:
    """Process name → its command, with the programs taken from this virtualenv."""
    processes = {}
    for line in (PROJECT_ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        program, *args = shlex.split(command)
        processes[name.strip()] = [str(BIN / program), *args]
    return processes


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (a local server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> dict[str, str]:
    """The environment of a site on a SQLite file, after the Procfile's ``release``."""
    folder = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "FLASK_DEBUG": "0",
        "SECRET_KEY": "serve-test-secret",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
        "TRUSTED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite'}",
        "INSTANCE_PATH": str(folder / "instance"),
        "WEB_CONCURRENCY": "1",
        "PROXY_COUNT": "1",  # behind a proxy: its X-Request-ID is trusted
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
    }
    subprocess.run(  # noqa: S603 (our own command)
        procfile()["release"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True
    )
    return env


@pytest.fixture
def served(released: dict[str, str], tmp_path: Path):
    """The Procfile's web process; yields (base URL, the server, its log)."""
    env, port = released, released["PORT"]
    log = tmp_path / "stderr.log"
    with log.open("w") as sink:
        server = subprocess.Popen(  # noqa: S603 (our own command)
            [*procfile()["web"], "--bind", f"127.0.0.1:{port}"],
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

    lines = _json_lines(log.read_text())
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


def test_the_worker_logs_each_job_under_its_own_id(released: dict[str, str]):
    env = released
    app = create_app(app_config(env["DATABASE_URL"], BASE_URL=env["BASE_URL"]))
    with app.app_context():
        enqueue_mail("a@firma.example", "verify_email", user=User(name="A"), link="https://x")
        db.session.commit()
        db.engine.dispose()
    done = subprocess.run(  # noqa: S603 (our own command)
        [*procfile()["worker"], "--once"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    (sent,) = [line for line in _json_lines(done.stderr) if line["message"].startswith("outbox:")]
    assert sent["message"] == "outbox: 1 sent, 0 to retry, 0 failed"
    assert sent["request_id"].startswith("job-outbox-")
