"""Fixtures in the flaskr/indico style: an app and a clean database per test, clients that
speak HTML and HTMX, a login helper, factories, a real SMTP server and a query counter.

Every test that touches the database runs twice: on SQLite, and on the PostgreSQL server
named by ``TEST_DATABASE_URL`` (skipped with a hint when it is unset, a failure in CI).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.config import normalise_database_url
from app.extensions import db, limiter
from app.models import (
    Advisor,
    AvailabilityRule,
    ConsultationType,
    Organisation,
    OutboxMessage,
    Role,
    Topic,
    User,
)
from app.models import users as users_module
from app.models.types import utcnow
from tests.smtp import SMTPServer

# Tests build their configuration explicitly; a developer's .env must not leak in.
os.environ["FLASK_DEBUG"] = "0"

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "Korrekt-Pferd-Batterie-9"
HX = {"HX-Request": "true"}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def needs_service(hint: str) -> None:
    """Skip with a hint on a laptop; in CI a missing service is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"CI=true but {hint}")
    pytest.skip(hint)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` test a PostgreSQL feature: run them only on PostgreSQL."""
    sqlite_only = [
        item
        for item in items
        if item.get_closest_marker("postgres")
        and getattr(item, "callspec", None)
        and item.callspec.params.get("database_url") == "sqlite"
    ]
    if sqlite_only:
        config.hook.pytest_deselected(items=sqlite_only)
        items[:] = [item for item in items if item not in sqlite_only]


# Argon2 at production cost was a quarter of the run; only tests marked
# ``production_hashing`` (which check the hash itself) pay for it.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch) -> None:
    if request.node.get_closest_marker("production_hashing") is None:
        monkeypatch.setattr(users_module, "password_hasher", CHEAP_HASHER)


def app_config(database_url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SERVER_NAME": None,
        "BASE_URL": "http://localhost",
        "TRUSTED_HOSTS": ["localhost", "127.0.0.1"],
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "WTF_CSRF_SSL_STRICT": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": None,
        "MAIL_RETRY_BASE_SECONDS": 30,
        "BOOKING_RATE_LIMIT": "1000 per minute",
        **overrides,
    }


def _reset_postgres_schema(url: str) -> None:
    engine = sa.create_engine(normalise_database_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as error:
        needs_service(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error.orig}")
    finally:
        engine.dispose()


def _own_database_per_worker(url: str) -> str:
    """Under pytest-xdist each worker gets its own database on the same server, created once."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    server = sa.engine.make_url(normalise_database_url(url))
    name = f"{server.database}_{worker}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            known = "SELECT 1 FROM pg_database WHERE datname = :name"
            if connection.execute(sa.text(known), {"name": name}).scalar() is None:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        needs_service(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error.orig}")
    finally:
        engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> str:
    """A database migrated to the newest schema, once per test session and backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url:
            needs_service(
                "PostgreSQL tests skipped: set "
                "TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run them"
            )
        url = _own_database_per_worker(url)
        _reset_postgres_schema(url)
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


# Rows the migrations create and the app relies on; tests leave them in place.
KEEP_TABLES = {"calendar_state"}


def _empty_tables() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                connection.execute(table.delete())


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(app_config(database_url))
    limiter.reset()
    yield app
    with app.app_context():
        _empty_tables()
        db.engine.dispose()


class Client(FlaskClient):
    """A browser stand-in that knows its CSRF token, as a real form would."""

    def csrf_token(self) -> str:
        page = self.get("/impressum", headers={"HX-Boosted": "true"}).get_data(as_text=True)
        return CSRF_META.search(page).group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        """POST a form the way the page would: with the CSRF token."""
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)


class HtmxClient(Client):
    """Every request carries ``HX-Request: true``, as htmx sends it."""

    def open(self, *args, **kwargs):
        headers = {**HX, **dict(kwargs.pop("headers", None) or {})}
        return super().open(*args, headers=headers, **kwargs)


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def htmx_client(app: Flask) -> HtmxClient:
    app.test_client_class = HtmxClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: Client) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        return self.client.submit("/konto/anmelden", {"email": email, "password": password})

    def logout(self):
        return self.client.submit("/konto/abmelden")


@pytest.fixture
def auth(client: Client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def admin(auth: AuthActions, make) -> None:
    """The client is logged in as a fresh admin."""
    auth.login(make.user(role=Role.ADMIN).email)


class Factory:
    """Creates committed records and hands them back detached, with columns loaded."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.count = 0

    @contextmanager
    def _stored(self):
        created: list = []
        with self.app.app_context():
            yield created
            db.session.commit()
            for record in created:
                db.session.refresh(record)
            db.session.expunge_all()

    def organisation(self, name: str = "Rheinchem Spezialchemie GmbH", **fields) -> Organisation:
        with self._stored() as created:
            organisation = Organisation(name=name, **fields)
            db.session.add(organisation)
            created.append(organisation)
        return organisation

    def user(
        self,
        email: str | None = None,
        *,
        role: Role = Role.CLIENT,
        password: str = PASSWORD,
        verified: bool = True,
        organisation: Organisation | None = None,
        **fields,
    ) -> User:
        self.count += 1
        if role == Role.CLIENT and organisation is None:
            organisation = self.organisation(f"Firma {self.count} GmbH")
        with self._stored() as created:
            user = User(
                email=email or f"person{self.count}@firma.example",
                name=fields.pop("name", f"Person {self.count}"),
                role=role.value,
                organisation_id=organisation.id if organisation else None,
                email_verified_at=utcnow() if verified else None,
                **fields,
            )
            user.set_password(password)
            db.session.add(user)
            created.append(user)
        return user

    def topic(self, slug: str = "digitalisierung", name: str = "Digitalisierung") -> Topic:
        with self._stored() as created:
            topic = Topic(slug=slug, name_de=name, name_en=f"{name} (en)")
            db.session.add(topic)
            created.append(topic)
        return topic

    def consultation_type(self, slug: str = "erstgespraech", **fields) -> ConsultationType:
        defaults = {
            "name_de": "Erstgespräch Digitalisierung",
            "name_en": "First consultation",
            "duration_minutes": 30,
            "minimum_notice_minutes": 60,
            "horizon_days": 60,
            "location_kind": "video",
        }
        with self._stored() as created:
            ctype = ConsultationType(slug=slug, **{**defaults, **fields})
            db.session.add(ctype)
            created.append(ctype)
        return ctype

    def advisor(
        self,
        *topics: Topic,
        name: str | None = None,
        zone: str = "Europe/Berlin",
        hours: tuple[time, time] = (time(9), time(17)),
    ) -> Advisor:
        """An advisor of ``topics`` with Mon–Fri hours (local to ``zone``)."""
        user = self.user(role=Role.ADVISOR, name=name or f"Beraterin {self.count + 1}")
        with self._stored() as created:
            advisor = Advisor(user_id=user.id, timezone=zone)
            advisor.topics = [db.session.get(Topic, topic.id) for topic in topics]
            db.session.add(advisor)
            db.session.flush()
            for weekday in range(5):
                db.session.add(
                    AvailabilityRule(
                        advisor_id=advisor.id,
                        weekday=weekday,
                        start_time=hours[0],
                        end_time=hours[1],
                    )
                )
            created.append(advisor)
        return advisor


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


@pytest.fixture
def world(make: Factory) -> SimpleNamespace:
    """A topic, a 30-minute type with a 15-minute buffer after, two advisors, a client."""
    topic = make.topic()
    ctype = make.consultation_type(buffer_after_minutes=15)
    brandt = make.advisor(topic, name="Dr. Katharina Brandt")
    becker = make.advisor(topic, name="Thomas Becker")
    client = make.user(name="Andreas Krüger")
    return SimpleNamespace(topic=topic, ctype=ctype, brandt=brandt, becker=becker, client=client)


@pytest.fixture
def outbox(app: Flask):
    """The messages waiting in (or sent from) the outbox, oldest first."""

    def messages(to: str | None = None) -> list[OutboxMessage]:
        with app.app_context():
            query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
            if to:
                query = query.where(OutboxMessage.to_address == to)
            found = list(db.session.scalars(query))
            db.session.expunge_all()
            return found

    return messages


def link_in(message: OutboxMessage) -> str:
    """The first link of a mail, as a path the test client can open."""
    url = re.search(r"https?://\S+", message.body_text).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """A real SMTP server (aiosmtpd) on a free local port, stopped after the test."""
    server = SMTPServer(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def count_queries(app: Flask):
    """Count the SQL statements run inside a ``with count_queries() as counted:`` block."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args) -> None:
            if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN is no query
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting
