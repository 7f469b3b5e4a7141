"""Running the production shape for a test: gunicorn app processes and ``flask worker``
processes as real subprocesses on one PostgreSQL database and one Redis, and a browser
stand-in that speaks HTTP to them with a session cookie and the page's CSRF token.

Every process gets its own session (process group), so stopping it takes gunicorn's
workers along; ``Processes.stop_all`` is meant for a fixture's finaliser.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from app.config import PROJECT_ROOT, normalise_database_url
from tests.conftest import needs_service

BIN = PROJECT_ROOT / ".venv" / "bin"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
HX = {"HX-Request": "true"}


@contextmanager
def scratch_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database ``name`` on the PostgreSQL server of ``server_url``, dropped
    afterwards (also one a crashed run left behind); yields its URL."""
    url = sa.engine.make_url(normalise_database_url(server_url))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        drop()
    except sa.exc.OperationalError as error:
        admin.dispose()
        needs_service(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error.orig}")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()


@dataclass
class Page:
    status: int
    text: str
    location: str | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 302 is an answer to look at (booked, or not), not something to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person: a cookie jar shared by every app process (cookies ignore the port)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def open(self, url: str, data: dict | None = None, headers: dict | None = None) -> Page:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.status, response.read().decode(), None)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            with error:
                return Page(error.code, error.read().decode(), error.headers.get("Location"))

    def get(self, url: str, headers: dict | None = None) -> Page:
        return self.open(url, headers=headers)

    def csrf_token(self, base: str) -> str:
        return CSRF_META.search(self.get(f"{base}/impressum").text).group(1)

    def submit(self, url: str, data: dict, base: str) -> Page:
        """POST a form the way the page would: with the token of this browser's session."""
        return self.open(url, {"csrf_token": self.csrf_token(base), **data})

    def login(self, base: str, email: str, password: str) -> None:
        page = self.submit(f"{base}/konto/anmelden", {"email": email, "password": password}, base)
        assert page.status == 302, f"login of {email} failed: {page.status}"


class Processes:
    """Started subprocesses with their logs, stopped together."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, *command: str | Path, **env: str) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("w") as log:
            process = subprocess.Popen(  # noqa: S603 (our own commands, no shell)
                [str(part) for part in command],
                cwd=PROJECT_ROOT,
                env={**self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a group of its own: stopping it stops its children
            )
        self.running.append((name, process))
        return process

    def app(self, name: str, port: int, workers: int = 2) -> str:
        """gunicorn as production runs it (app/gunicorn_conf.py: the app preloaded, sync
        workers) with ``workers`` workers; its base URL."""
        self.start(
            name,
            BIN / "gunicorn",
            "--config",
            "python:app.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
            WEB_CONCURRENCY=str(workers),
        )
        return f"http://127.0.0.1:{port}"

    def worker(self, name: str, interval: float) -> None:
        self.start(name, BIN / "flask", "--app", "wsgi", "worker", "--interval", str(interval))

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def wait_until_serving(self, base: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if Browser().get(f"{base}/readyz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{base}/readyz did not answer within {timeout} s")

    def check_alive(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited ({process.returncode}):\n{self.log(name)}")

    def stop_all(self) -> None:
        """SIGTERM (gunicorn and the worker stop gracefully), then SIGKILL what is left."""
        for _, process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.running.clear()
