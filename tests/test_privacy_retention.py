"""The retention purge, with a frozen clock: a guest's data goes a year after the
meeting, not a day earlier; accounts' bookings stay as they are; a second run does
nothing."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.admin.audit import AuditAction
from app.extensions import db
from app.models import AuditEvent, Booking, Invitation, OutboxMessage, User
from app.privacy.retention import PurgeReport, purge_expired, purge_if_due
from tests.booking_support import writing

NOW = datetime(2027, 6, 15, 12, 0, tzinfo=UTC)


def guest_booking(app, world, ended_days_ago: int, **fields) -> int:
    with app.app_context():
        end = NOW - timedelta(days=ended_days_ago)
        start = end - timedelta(minutes=30)
        booking = Booking(
            uid=f"{secrets.token_hex(16)}@hub.example",
            advisor_id=world.brandt.id,
            consultation_type_id=world.ctype.id,
            topic_id=world.topic.id,
            start=start,
            end=end,
            blocked_from=start,
            blocked_until=end,
            status="completed",
            confirmed_at=start - timedelta(days=3),
            agenda="Geheime Agenda",
            **{
                "guest_name": "Eva Gast",
                "guest_email": "eva@gast.example",
                "guest_company": "Gast GmbH",
                **fields,
            },
        )
        db.session.add(booking)
        db.session.commit()
        return booking.id


def purge(app) -> PurgeReport:
    with writing(app):
        report = purge_expired(NOW, 365)
        db.session.commit()
        return report


def test_a_guest_booking_is_anonymised_a_year_after_the_meeting(app, world):
    kept = guest_booking(app, world, ended_days_ago=364)
    gone = guest_booking(app, world, ended_days_ago=366)
    account = guest_booking(
        app,
        world,
        ended_days_ago=800,
        booked_by_id=world.client.id,
        guest_name=None,
        guest_email=None,
        guest_company=None,
    )
    with app.app_context():
        old = NOW - timedelta(days=400)
        db.session.add_all(
            [
                OutboxMessage(
                    to_address="eva@gast.example", subject="Alt", body_text="Eva", sent_at=old
                ),
                OutboxMessage(
                    to_address="eva@gast.example", subject="Neu", body_text="Eva", sent_at=NOW
                ),
                OutboxMessage(to_address="x@y.example", subject="Wartet", body_text="x"),
                Invitation(
                    organisation_id=db.session.get(User, world.client.id).organisation_id,
                    email="alt@firma.example",
                    token_hash=secrets.token_hex(32),
                    created_at=old,
                    expires_at=old + timedelta(days=7),
                ),
            ]
        )
        db.session.commit()

    report = purge(app)
    assert report == PurgeReport(
        holds_released=0,
        guest_bookings_anonymised=1,
        invitations_deleted=1,
        outbox_messages_deleted=1,
    )
    with app.app_context():
        assert db.session.get(Booking, kept).guest_name == "Eva Gast"
        erased = db.session.get(Booking, gone)
        assert (erased.guest_name, erased.guest_email, erased.guest_company) == ("", "", "")
        assert erased.agenda == "" and erased.anonymised_at == NOW
        assert erased.status == "completed"
        untouched = db.session.get(Booking, account)
        assert untouched.agenda == "Geheime Agenda" and untouched.anonymised_at is None
        subjects = set(db.session.scalars(sa.select(OutboxMessage.subject)))
        assert subjects == {"Neu", "Wartet"}
        [event] = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.RETENTION_PURGED)
        ).all()
        assert event.actor_id is None
        assert "guest_bookings_anonymised=1" in event.detail

    assert purge(app) == PurgeReport()  # the second run finds nothing
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 1


def test_the_worker_purges_at_most_hourly(app, world):
    guest_booking(app, world, ended_days_ago=366)
    with app.app_context():
        from app.privacy import retention

        retention._last_purge.clear()
        first = purge_if_due(NOW)
        assert first is not None and first.guest_bookings_anonymised == 1
        assert purge_if_due(NOW + timedelta(minutes=30)) is None
        assert purge_if_due(NOW + timedelta(minutes=61)) == PurgeReport()
        retention._last_purge.clear()


def test_the_command_prints_the_counts(app, world, runner):
    guest_booking(app, world, ended_days_ago=10_000)
    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert "1 guest bookings anonymised." in result.output
    assert "0 expired holds released." in result.output


def test_two_workers_purging_at_once_do_each_row_once(app, world, database_url):
    """Each worker purges in its own transaction at the same moment: the rows are
    anonymised once, and the counts of both add up to what there was."""
    import threading

    from app import create_app
    from tests.conftest import app_config

    for days in range(366, 386):
        guest_booking(app, world, ended_days_ago=days)
    racing = create_app(
        app_config(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 4, "max_overflow": 0})
    )
    ready = threading.Barrier(2)
    reports: list = [None, None]

    def work(number: int) -> None:
        with racing.app_context():
            try:
                ready.wait(timeout=30)
                reports[number] = purge(racing)
            except Exception as error:  # a failure is a finding, not a crash
                reports[number] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with racing.app_context():
        db.engine.dispose()
    assert all(isinstance(report, PurgeReport) for report in reports), reports
    assert sum(r.guest_bookings_anonymised for r in reports) == 20
    with app.app_context():
        left = db.session.scalar(
            sa.select(sa.func.count(Booking.id)).where(Booking.guest_email != "")
        )
        assert left == 0
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.RETENTION_PURGED)
        ).all()
        assert 1 <= len(events) <= 2
