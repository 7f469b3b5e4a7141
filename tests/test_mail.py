"""The outbox: mail is stored with the change it announces and sent by the worker over SMTP."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.mail import enqueue_mail
from app.mail.outbox import SUBJECT_LIMIT, one_line
from app.mail.transport import FolderTransport, SMTPTransport, transport_from_config
from app.mail.worker import backoff, deliver_due, run_worker
from app.models import Booking, ConsultationType, Organisation, OutboxMessage, User
from app.models.types import utcnow
from tests.booking_support import at, monday_in
from tests.conftest import app_config


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


class GatedTransport:
    """SMTP, but each thread's first send waits until the other worker is sending too.

    With one row claimed at a time and ``SKIP LOCKED``, worker B takes the next message
    while A still holds its row. Without the lock B would send A's message again; with a
    lock that waits instead of skipping, or a batch claimed at once, B never gets to send
    while A waits for it, and the gate breaks.
    """

    def __init__(self, inner, parties: int = 2) -> None:
        self.inner = inner
        self.gate = threading.Barrier(parties, timeout=5)
        self.seen: set[int] = set()

    def send(self, email) -> None:
        if threading.get_ident() not in self.seen:
            self.seen.add(threading.get_ident())
            self.gate.wait()
        self.inner.send(email)


@pytest.mark.postgres
def test_two_workers_deliver_every_message_exactly_once(app, smtp_server):
    app.config.update(smtp_server.config())
    ids = [queue(app, f"kunde{n}@firma.example") for n in range(12)]
    transport = GatedTransport(transport_from_config(app.config))
    reports, errors = [], []

    def work() -> None:
        try:
            with app.app_context():
                reports.append(deliver_due(transport, batch_size=100))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == [] and len(reports) == 2
    assert all(report.sent >= 1 for report in reports), reports  # both really worked
    assert sum(report.sent for report in reports) == len(ids)
    assert sum(report.failed + report.retrying for report in reports) == 0
    received = sorted(m["Message-ID"] for m in smtp_server.messages)
    assert received == sorted(f"<outbox-{i}@hub.example>" for i in ids)  # each once
    assert all(stored(app, i).attempts == 1 for i in ids)


def raw_message(app, to: str, subject: str = "Hallo") -> int:
    """A row as an older version (or a bug) may have left it, past ``enqueue_mail``."""
    with app.app_context():
        message = OutboxMessage(to_address=to, subject=subject, body_text="Text\n")
        db.session.add(message)
        db.session.commit()
        return message.id


def test_a_bad_message_is_marked_failed_and_the_others_are_delivered(app, smtp_server):
    app.config.update(smtp_server.config())
    good = queue(app, "a@firma.example")
    bad_subject = raw_message(app, "b@firma.example", "Neue Buchung mit Max\nMustermann")
    bad_address = raw_message(app, "c@firma.example\nBcc: d@firma.example")
    also_good = queue(app, "e@firma.example")

    report = deliver(app)

    assert (report.sent, report.failed, report.retrying) == (2, 2, 0)
    assert sorted(m["To"] for m in smtp_server.messages) == ["a@firma.example", "e@firma.example"]
    for message_id in (bad_subject, bad_address):
        failed = stored(app, message_id)
        assert failed.failed_at is not None and failed.sent_at is None
        assert failed.last_error.startswith("ValueError:")
    assert all(stored(app, i).sent_at is not None for i in (good, also_good))
    assert deliver(app, now=utcnow() + timedelta(days=1)).failed == 0  # not tried again


class Crash(BaseException):
    """The process dying mid-send: not an ``Exception`` any handler would catch."""


class CrashingTransport:
    def __init__(self, inner, crash_on: int) -> None:
        self.inner, self.crash_on, self.calls = inner, crash_on, 0

    def send(self, email) -> None:
        self.calls += 1
        if self.calls == self.crash_on:
            raise Crash()
        self.inner.send(email)


def test_a_crash_mid_batch_re_sends_at_most_the_message_in_flight(app, smtp_server):
    app.config.update(smtp_server.config())
    ids = [queue(app, f"kunde{n}@firma.example") for n in range(5)]
    smtp = transport_from_config(app.config)

    with pytest.raises(Crash), app.app_context():
        deliver_due(CrashingTransport(smtp, crash_on=3))

    assert [stored(app, i).sent_at is not None for i in ids] == [True, True, False, False, False]
    assert deliver(app).sent == 3
    received = [m["Message-ID"] for m in smtp_server.messages]
    assert sorted(received) == sorted(f"<outbox-{i}@hub.example>" for i in ids)  # each once


def test_the_worker_loop_goes_on_after_a_bad_message(app, smtp_server):
    from app.mail.worker import run_worker

    app.config.update(smtp_server.config())
    raw_message(app, "x@firma.example", "Zeile\r\nBcc: y@firma.example")
    good = queue(app)
    with app.app_context():
        run_worker(transport_from_config(app.config), interval=0, once=True)
    assert stored(app, good).sent_at is not None


def test_subjects_are_one_bounded_line(app):
    with app.test_request_context():
        organisation = Organisation(name="Muster\nChemie\x00\u2028GmbH " + "x" * 300)
        message = enqueue_mail(
            "a@firma.example",
            "invite_colleague",
            organisation=organisation,
            inviter=User(name="Eva\nMuster"),
            link="x",
        )
        db.session.commit()
        message = stored(app, message.id)
    assert message.subject.startswith("Einladung zu Muster Chemie GmbH xxx")
    assert len(message.subject) <= SUBJECT_LIMIT and message.subject.endswith("…")
    assert not any(ch.isspace() and ch != " " for ch in message.subject)


def test_a_long_subject_is_cut_at_a_word_and_ends_with_an_ellipsis():
    subject = one_line("Neue Buchung: Workshop " + "Geschäftsmodell " * 20, 60)
    assert subject == "Neue Buchung: Workshop Geschäftsmodell Geschäftsmodell…"
    assert one_line("x" * 300, 200) == "x" * 199 + "…"
    assert one_line("kurz\n\tund\x00 gut ", 200) == "kurz und gut"


def test_an_unusable_address_fails_the_mail_not_the_change(app):
    with app.test_request_context():
        message = enqueue_mail(
            "a@firma.example\r\nBcc: b@x" + "y" * 300, "verify_email", user=User(name="A"), link="x"
        )
        db.session.commit()
        message_id = message.id
    failed = stored(app, message_id)
    assert failed.failed_at is not None and "address" in failed.last_error
    assert len(failed.to_address) <= 254 and "\n" not in failed.to_address


def book_url(world, start) -> str:
    return (
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung"
        f"&advisor=any&start={start:%Y-%m-%dT%H:%MZ}"
    )


def _profile(client, name: str):
    return client.submit(
        "/konto/profil", {"name": name, "locale": "de", "timezone": "Europe/Berlin"}
    )


@pytest.mark.parametrize(
    "typed",
    ["Max\nMustermann", "Max\r\nMustermann", "Max\rMustermann", "Max\u2028Mustermann",
     " Max \t\x85 Mustermann\n", "Max\x7fMustermann"],
)  # fmt: skip
def test_a_name_with_line_breaks_is_stored_and_mailed_on_one_line(
    app, client, auth, world, smtp_server, outbox, typed
):
    app.config.update(smtp_server.config())
    auth.login(world.client.email)
    assert _profile(client, typed).status_code == 302
    with app.app_context():
        assert db.session.get(User, world.client.id).name == "Max Mustermann"
    answer = client.submit(book_url(world, at(monday_in(2), "10:00")), {"agenda": "Daten"})
    assert answer.status_code == 302
    advisor_mail = next(m for m in outbox() if m.to_address != world.client.email)
    assert advisor_mail.subject.endswith("mit Max Mustermann")
    report = deliver(app)
    assert report.sent == len(outbox()) and report.failed == 0
    assert any(m["Subject"].endswith("mit Max Mustermann") for m in smtp_server.messages)


def test_a_nul_byte_never_reaches_a_name(app, client, auth, world):
    auth.login(world.client.email)
    assert _profile(client, "Max\x00Mustermann").status_code == 400  # refused at the edge
    with app.app_context():
        assert db.session.get(User, world.client.id).name == "Andreas Krüger"


def test_forms_drop_control_characters_even_past_the_edge(app):
    from werkzeug.datastructures import MultiDict

    from app.booking.forms import GuestBookingForm

    typed = MultiDict(
        {
            "guest_name": "Eva\x00\nGast",
            "guest_company": "Gast\u2028GmbH\r",
            "guest_email": " eva@gast.example\x00",
            "agenda": "Erstens\r\n\tzweitens\x00\u2028drittens\x1b",
        }
    )
    with app.test_request_context():
        form = GuestBookingForm(formdata=typed, meta={"csrf": False})
    assert form.guest_name.data == "Eva Gast"
    assert form.guest_company.data == "Gast GmbH"
    assert form.guest_email.data == "eva@gast.example"
    assert form.agenda.data == "Erstens\n\tzweitens\ndrittens"


def test_guest_and_organisation_names_are_stored_on_one_line(app, client, world):
    guest = {
        "agenda": "Zeile eins\r\nZeile zwei",
        "guest_name": "Eva\r\nGast",
        "guest_company": "Gast\u2028GmbH",
        "guest_email": "eva@gast.example",
        "accept_privacy": "y",
    }
    assert client.submit(book_url(world, at(monday_in(2), "10:00")), guest).status_code == 302
    registration = {
        "name": "Max\nMuster",
        "email": "max@muster.example",
        "organisation_name": "Muster\nChemie\rGmbH",
        "password": "Korrekt-Pferd-Batterie-9",
        "password_confirm": "Korrekt-Pferd-Batterie-9",
        "accept_privacy": "y",
    }
    assert client.submit("/konto/registrieren", registration).status_code == 302
    with app.app_context():
        booking = db.session.scalar(sa.select(Booking))
        assert (booking.guest_name, booking.guest_company) == ("Eva Gast", "Gast GmbH")
        assert booking.agenda == "Zeile eins\nZeile zwei"
        user = db.session.scalar(sa.select(User).where(User.email == "max@muster.example"))
        assert user.name == "Max Muster"
        assert db.session.get(Organisation, user.organisation_id).name == "Muster Chemie GmbH"


def test_long_type_and_user_names_still_book_with_a_bounded_subject(
    app, client, auth, world, outbox
):
    with app.app_context():
        ctype = db.session.get(ConsultationType, world.ctype.id)
        ctype.name_de = "Sehr ausführliche Beratung " + "x" * 133
        db.session.get(User, world.client.id).name = "Dr. " + "y" * 116
        db.session.commit()
        assert (len(ctype.name_de), len(db.session.get(User, world.client.id).name)) == (160, 120)
    auth.login(world.client.email)
    answer = client.submit(book_url(world, at(monday_in(2), "10:00")), {"agenda": "Daten"})
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Booking.status)) == "confirmed"
    subjects = [m.subject for m in outbox()]
    assert len(subjects) == 2
    assert all(len(subject) <= SUBJECT_LIMIT for subject in subjects)
    assert any(
        s.startswith("Neue Buchung: Sehr ausführliche") and s.endswith("…") for s in subjects
    )


def test_transport_is_smtp_when_a_server_is_configured(app, smtp_server):
    app.config.update(smtp_server.config())
    assert isinstance(transport_from_config(app.config), SMTPTransport)


def test_the_worker_outlives_a_database_outage_and_delivers_once_it_is_back(tmp_path):
    """The database is missing for the first rounds; then it appears with a queued mail."""
    ready = f"sqlite:///{tmp_path / 'ready.sqlite'}"
    preparing = create_app(app_config(ready))
    with preparing.test_request_context():
        upgrade()
        enqueue_mail("a@firma.example", "verify_email", user=User(name="A"), link="x")
        db.session.commit()
        db.engine.dispose()
    later = tmp_path / "later"  # a folder that does not exist yet: SQLite cannot open it

    def database_comes_back() -> None:
        later.mkdir()
        shutil.copy(tmp_path / "ready.sqlite", later / "db.sqlite")

    worker_app = create_app(app_config(f"sqlite:///{later / 'db.sqlite'}"))
    outbox_folder = tmp_path / "sent"
    timers = [
        threading.Timer(0.6, database_comes_back),
        threading.Timer(2.5, os.kill, (os.getpid(), signal.SIGTERM)),  # stops the loop
    ]
    with worker_app.app_context():
        for timer in timers:
            timer.start()
        try:
            run_worker(FolderTransport(outbox_folder), interval=0.2)
        finally:
            for timer in timers:
                timer.cancel()
            db.engine.dispose()
    assert len(list(outbox_folder.glob("*.eml"))) == 1
