"""Browser journeys in real Chromium: a live server, a real SMTP server and axe on every page.

The app runs once per test module on its own SQLite file (not the ``database_url``
fixture, so these tests run once, not once per database backend), served by werkzeug in a
thread. Chromium is Debian's (``apt-get install chromium``); Playwright never downloads one.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from app import create_app, demo
from app.extensions import db, limiter
from app.mail.transport import transport_from_config
from app.mail.worker import deliver_due
from tests.conftest import app_config, free_port
from tests.smtp import SMTPServer

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LINK = re.compile(r"https?://\S+")
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser journey: ``-m e2e`` / ``-m "not e2e"``."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


def _chromium() -> str:
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but chromium is not installed (apt-get install chromium)")
        pytest.skip("Browser tests skipped: apt-get install chromium to run them")
    return executable


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session; each test gets its own context."""
    executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab with no cookies, in German and Berlin time, as a visitor from the region."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def e2e_smtp_server() -> Iterator[SMTPServer]:
    """A real SMTP server (aiosmtpd) for the whole module, as the live server lives that long."""
    server = SMTPServer(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live_port() -> int:
    """The live server's port, chosen first: mailed links start with ``BASE_URL``."""
    return free_port()


@pytest.fixture(scope="module")
def demo_hub(tmp_path_factory, e2e_smtp_server: SMTPServer, live_port: int):
    """Make the app on a fresh, migrated SQLite file, seeded with the demo hub; keyword
    arguments add settings (a module's own ``live_app`` may need an accent colour, say)."""

    @contextmanager
    def make(**config) -> Iterator[Flask]:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'hub.sqlite'}"
        base_url = f"http://127.0.0.1:{live_port}"
        app = create_app(app_config(url, **e2e_smtp_server.config(), BASE_URL=base_url, **config))
        limiter.reset()
        with app.app_context():
            upgrade()
            demo.seed()
            db.session.commit()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    return make


@pytest.fixture(scope="module")
def live_app(demo_hub) -> Iterator[Flask]:
    """The demo hub as the app is configured by default."""
    with demo_hub() as app:
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask, live_port: int) -> Iterator[str]:
    """Serve ``live_app`` on ``live_port`` in a daemon thread; yields the base URL."""
    port = live_port
    server = make_server("127.0.0.1", port, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@dataclass
class Mail:
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def link(self) -> str:
        """The first http(s) link in the plain-text body."""
        found = LINK.search(self.text)
        assert found, f"no link in the mail {self.subject!r}:\n{self.text}"
        return found.group(0)


@pytest.fixture
def deliver_mail(live_app: Flask, e2e_smtp_server: SMTPServer) -> Callable[[str], list[Mail]]:
    """Run the outbox worker once over real SMTP; return the mails received for ``to``."""

    def deliver(to: str) -> list[Mail]:
        with live_app.app_context():
            report = deliver_due(transport_from_config(live_app.config))
            db.session.remove()
        assert report.failed == report.retrying == 0, report
        return [Mail(message) for message in e2e_smtp_server.messages if message["To"] == to]

    return deliver


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def axe_check(axe) -> Callable[[Page], None]:
    """Run axe-core on the page as it is now; any violation fails with axe's report."""

    def check(page: Page) -> None:
        results = axe.run(page)
        assert results.violations_count == 0, (
            f"axe found {results.violations_count} violation(s) on {page.url}:\n"
            f"{results.generate_report()}"
        )

    return check
