"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
from nothing and from the first release with its data."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import create_app
from app.config import site_root
from app.extensions import db
from app.models import users
from app.models.types import UTCDateTime
from tests.booking_support import at, monday_in
from tests.conftest import HX, PASSWORD, AuthActions, Client, app_config, needs_service
from tests.process_support import scratch_database

HEAD = ScriptDirectory(str(site_root() / "migrations")).get_current_head()


def test_models_and_migrations_agree(app):
    """A model change without a migration (or the reverse) fails here, not in production."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, db.metadata) == []


# The schema's history starts with issue 1 (accounts, organisations, topics, advisors, the
# outbox); issue 2 added booking. Sites ran that first release: its data must survive
# every later migration and work in today's app.
FIRST_REVISION = "89d34c93a5c6"
FIRST_RELEASE = "d9b427057e4b"
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
AGENDA = "Wie bringen wir unsere Laborwerte ins ERP?"


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database of this test's own: a file, or a scratch PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.sqlite'}"
        return
    server = os.environ.get("TEST_DATABASE_URL", "")
    if not server:
        needs_service(
            "PostgreSQL tests skipped: set "
            "TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run them"
        )
    with scratch_database(server, f"sprechstunde_migrations_{XDIST_WORKER}") as url:
        yield url


def _stored_as(value: object) -> sa.types.TypeEngine | None:
    """How the release of its time stored a value: instants in UTC (naive on SQLite, the
    app's UTCDateTime), times of day as SQLAlchemy writes them."""
    if isinstance(value, datetime):
        return UTCDateTime()
    return sa.Time() if isinstance(value, time) else None


def insert(sql: sa.Connection, table: str, **values) -> None:
    """A row written in plain SQL. Table and column names are this test's own."""
    names = ", ".join(f'"{name}"' for name in values)
    places = ", ".join(f":{name}" for name in values)
    statement = sa.text(f'INSERT INTO "{table}" ({names}) VALUES ({places})')  # noqa: S608
    typed = [
        sa.bindparam(name, type_=_stored_as(value))
        for name, value in values.items()
        if _stored_as(value) is not None
    ]
    sql.execute(statement.bindparams(*typed), values)


def id_of(sql: sa.Connection, table: str, **where) -> int:
    condition = " AND ".join(f'"{name}" = :{name}' for name in where)
    query = sa.text(f'SELECT id FROM "{table}" WHERE {condition}')  # noqa: S608 (as above)
    return sql.execute(query, where).scalar_one()


def _person(sql: sa.Connection, email: str, name: str, role: str, **fields) -> int:
    now = datetime.now(UTC)
    insert(
        sql,
        "user",
        email=email,
        name=name,
        password_hash=users.password_hasher.hash(PASSWORD),
        role=role,
        locale="de",
        timezone="Europe/Berlin",
        active=True,
        email_verified_at=now,
        session_token=secrets.token_urlsafe(32),
        created_at=now,
        **fields,
    )
    return id_of(sql, "user", email=email)


def first_revision_data(sql: sa.Connection) -> SimpleNamespace:
    """An organisation with its client, an admin, a topic and an advisor of it, a sent mail."""
    now = datetime.now(UTC)
    insert(
        sql,
        "organisation",
        name="Rheinchem GmbH",
        industry="Chemie",
        city="Dormagen",
        size="50-249",
        created_at=now,
    )
    organisation = id_of(sql, "organisation", name="Rheinchem GmbH")
    client = _person(
        sql, "andreas@rheinchem.example", "Andreas Krüger", "client", organisation_id=organisation
    )
    _person(sql, "admin@hub.example", "Hub Admin", "admin")
    advisor_user = _person(sql, "brandt@hub.example", "Dr. Katharina Brandt", "advisor")
    insert(
        sql,
        "topic",
        slug="digitalisierung",
        name_de="Digitalisierung",
        name_en="Digitalisation",
        description_de="Prozesse und Daten",
        description_en="Processes and data",
        position=1,
    )
    topic = id_of(sql, "topic", slug="digitalisierung")
    insert(
        sql,
        "advisor",
        user_id=advisor_user,
        title_de="Digitalisierung",
        title_en="Digitalisation",
        bio_de="Seit 2010 im Hub.",
        bio_en="At the hub since 2010.",
        timezone="Europe/Berlin",
        active=True,
    )
    advisor = id_of(sql, "advisor", user_id=advisor_user)
    insert(sql, "advisor_topic", advisor_id=advisor, topic_id=topic)
    insert(
        sql,
        "outbox_message",
        to_address="andreas@rheinchem.example",
        subject="Willkommen",
        body_text="Hallo",
        created_at=now,
        attempts=1,
        next_attempt_at=now,
        sent_at=now,
    )
    return SimpleNamespace(organisation=organisation, client=client, topic=topic, advisor=advisor)


def first_release_data(sql: sa.Connection, ids: SimpleNamespace) -> tuple[datetime, str]:
    """A consultation type, the advisor's weekly hours and a confirmed booking: its start
    and uid."""
    insert(
        sql,
        "consultation_type",
        slug="erstgespraech",
        name_de="Erstgespräch",
        name_en="First consultation",
        description_de="",
        description_en="",
        duration_minutes=30,
        buffer_before_minutes=0,
        buffer_after_minutes=15,
        minimum_notice_minutes=60,
        horizon_days=60,
        location_kind="video",
        location_detail="",
        active=True,
        position=1,
    )
    ctype = id_of(sql, "consultation_type", slug="erstgespraech")
    for weekday in range(5):
        insert(
            sql,
            "availability_rule",
            advisor_id=ids.advisor,
            weekday=weekday,
            start_time=time(9),
            end_time=time(17),
        )
    start, now = at(monday_in(2), "10:00"), datetime.now(UTC)
    uid = f"{secrets.token_hex(16)}@hub.example"
    insert(
        sql,
        "booking",
        uid=uid,
        advisor_id=ids.advisor,
        consultation_type_id=ctype,
        topic_id=ids.topic,
        booked_by_id=ids.client,
        organisation_id=ids.organisation,
        start=start,
        end=start + timedelta(minutes=30),
        blocked_from=start,
        blocked_until=start + timedelta(minutes=45),
        status="confirmed",
        sequence=0,
        agenda=AGENDA,
        advisor_notes="",
        cancel_reason="",
        locale="de",
        timezone="Europe/Berlin",
        created_at=now,
        updated_at=now,
        confirmed_at=now,
    )
    return start, uid


def test_the_first_release_with_its_data_upgrades_to_head(blank_url):
    """From nothing to the first revision, data in; to the first release, bookings in; then
    to the newest schema. The schema is the models' and the people can go on working."""
    site = create_app(app_config(blank_url))
    try:
        with site.app_context():
            ids, start, uid = upgraded_with_data()
        works_on(site, ids, start, uid)
    finally:
        with site.app_context():
            db.engine.dispose()


def upgraded_with_data() -> tuple[SimpleNamespace, datetime, str]:
    """Data in at the first revision and the first release, then the newest schema, which
    must be the models' (inside an app context)."""
    upgrade(revision=FIRST_REVISION)
    with db.engine.begin() as sql:
        ids = first_revision_data(sql)
    upgrade(revision=FIRST_RELEASE)
    with db.engine.begin() as sql:
        start, uid = first_release_data(sql, ids)
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert context.get_current_revision() == HEAD
        assert compare_metadata(context, db.metadata) == []
    return ids, start, uid


def works_on(site, ids: SimpleNamespace, start: datetime, uid: str) -> None:
    """The visitor, the client and the advisor of the old data go on as before."""
    site.test_client_class = Client
    journey = f"type=erstgespraech&topic=digitalisierung&advisor={ids.advisor}"
    visitor = site.test_client()
    assert "Dr. Katharina Brandt" in visitor.get("/").get_data(as_text=True)
    day = f"/beratung/termine?{journey}&day={monday_in(2).isoformat()}"
    picker = visitor.get(day, headers=HX).get_data(as_text=True)
    assert f"start={start + timedelta(hours=1):%Y-%m-%dT%H:%MZ}" in picker
    assert f"start={start:%Y-%m-%dT%H:%MZ}" not in picker, "the old booking blocks its time"

    client = site.test_client()
    assert AuthActions(client).login("andreas@rheinchem.example").status_code == 302
    mine = client.get("/beratung/meine-termine").get_data(as_text=True)
    assert "Erstgespräch" in mine and "Dr. Katharina Brandt" in mine
    assert AGENDA in client.get(f"/beratung/termin/{uid}").get_data(as_text=True)
    later = start + timedelta(hours=2)
    booked = client.submit(
        f"/beratung/buchen?{journey}&start={later:%Y-%m-%dT%H:%MZ}", {"agenda": "Noch eins."}
    )
    assert booked.status_code == 302, "a new booking beside the old ones"

    advisor = site.test_client()
    assert AuthActions(advisor).login("brandt@hub.example").status_code == 302
    week = advisor.get(f"/berater/?woche={monday_in(2).isoformat()}").get_data(as_text=True)
    assert "Andreas Krüger" in week and "Rheinchem GmbH" in week


def test_every_migration_can_be_undone(blank_url):
    """From nothing to the newest schema, down to nothing and up again, so a failed release
    can be rolled back."""
    scratch = create_app(app_config(blank_url))
    with scratch.app_context():
        upgrade()
        downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "user" in db.inspect(db.engine).get_table_names()
        db.engine.dispose()
