"""The outbox: mail is stored with the change it announces and sent by the worker over SMTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail import enqueue_mail
from app.mail.transport import FolderTransport, SMTPTransport, transport_from_config
from app.mail.worker import backoff, deliver_due
from app.models import OutboxMessage, User
from app.models.types import utcnow


def queue(app, to: str = "kunde@firma.example", **extra) -> int:
    with app.test_request_context():
        user = User(email=to, name="Kundin", password_hash="x")
        message = enqueue_mail(to, "verify_email", user=user, link="https://hub.example/x", **extra)
        db.session.commit()
        return message.id


def stored(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def deliver(app, now=None):
    with app.app_context():
        return deliver_due(transport_from_config(app.config), now=now)


def test_mail_is_rendered_in_the_recipients_language(app):
    german = stored(app, queue(app, "a@firma.example"))
    english = stored(app, queue(app, "b@firma.example", locale="en"))
    assert german.subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert english.subject == "Please confirm your email address"
    assert "https://hub.example/x" in english.body_text
    assert '<a href="https://hub.example/x">' in english.body_html


def test_mail_is_only_stored_when_the_change_is(app):
    with app.test_request_context():
        enqueue_mail("a@firma.example", "verify_email", user=User(name="A"), link="x")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_worker_sends_multipart_mail_over_smtp(app, smtp_server):
    app.config.update(smtp_server.config())
    message_id = queue(app)
    report = deliver(app)
    assert report.sent == 1
    [received] = smtp_server.messages
    assert received["To"] == "kunde@firma.example"
    assert received["Subject"] == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert received["Message-ID"] == f"<outbox-{message_id}@hub.example>"
    assert received.get_body(("plain",)).get_content().startswith("Hallo Kundin,")
    assert "https://hub.example/x" in received.get_body(("html",)).get_content()
    sent = stored(app, message_id)
    assert sent.sent_at is not None and sent.attempts == 1


def test_mail_survives_the_smtp_server_being_down_and_is_sent_once_it_is_back(app, smtp_server):
    app.config.update(smtp_server.config())
    smtp_server.stop()
    message_id = queue(app)
    start = utcnow()

    report = deliver(app, now=start)
    assert (report.sent, report.retrying) == (0, 1)
    waiting = stored(app, message_id)
    assert waiting.sent_at is None and waiting.attempts == 1
    assert "Connection refused" in waiting.last_error or "Errno" in waiting.last_error
    assert waiting.next_attempt_at == start + timedelta(seconds=30)

    assert deliver(app, now=start + timedelta(seconds=10)).sent == 0  # not due yet
    report = deliver(app, now=start + timedelta(seconds=31))  # due, but still down
    assert report.retrying == 1
    assert stored(app, message_id).next_attempt_at == start + timedelta(seconds=31 + 60)

    smtp_server.start()
    assert deliver(app, now=start + timedelta(seconds=100)).sent == 1
    assert deliver(app, now=start + timedelta(hours=5)).sent == 0
    assert len(smtp_server.messages) == 1  # exactly once
    assert stored(app, message_id).sent_at is not None


def test_a_permanently_refused_address_is_not_retried(app, smtp_server):
    app.config.update(smtp_server.config())
    message_id = queue(app, "niemand@firma.invalid")
    report = deliver(app)
    assert report.failed == 1
    assert stored(app, message_id).failed_at is not None
    assert deliver(app, now=utcnow() + timedelta(days=1)).failed == 0


def test_a_message_gives_up_after_the_last_attempt(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_MAX_ATTEMPTS=2)
    message_id = queue(app)
    deliver(app)
    deliver(app, now=utcnow() + timedelta(hours=2))
    gave_up = stored(app, message_id)
    assert gave_up.failed_at is not None and gave_up.attempts == 2


def test_backoff_doubles_and_is_capped_at_an_hour():
    assert [backoff(n, 30).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20, 30) == timedelta(hours=1)


def test_development_mail_lands_in_the_outbox_folder(app, tmp_path, capsys):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    message_id = queue(app)
    with app.app_context():
        assert isinstance(transport_from_config(app.config), FolderTransport)
    deliver(app)
    [eml] = tmp_path.glob("*.eml")
    assert eml.name == f"outbox-{message_id}.eml"
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in capsys.readouterr().out


def test_invites_travel_as_text_calendar_and_attachment(app, smtp_server):
    app.config.update(smtp_server.config())
    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue(app, ics_method="REQUEST", ics_body=ics)
    deliver(app)
    [received] = smtp_server.messages
    calendar = next(p for p in received.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"
    attachment = next(p for p in received.walk() if p.get_filename() == "invite.ics")
    assert attachment.get_content().decode().startswith("BEGIN:VCALENDAR")


@pytest.mark.postgres
def test_two_workers_never_claim_the_same_message(app, smtp_server):
    app.config.update(smtp_server.config())
    first, second = queue(app, "a@firma.example"), queue(app, "b@firma.example")
    with app.app_context():
        locked = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.id == first).with_for_update()
        ).all()
        assert [m.id for m in locked] == [first]
        # Another worker, on its own connection, skips the locked row and takes the other.
        with db.engine.connect() as other:
            claimed = (
                other.execute(
                    sa.select(OutboxMessage.id)
                    .where(OutboxMessage.sent_at.is_(None))
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
        assert claimed == [second]
        db.session.rollback()


def test_transport_is_smtp_when_a_server_is_configured(app, smtp_server):
    app.config.update(smtp_server.config())
    assert isinstance(transport_from_config(app.config), SMTPTransport)
