"""The worker's round: reminders, calendar import, then delivery; one failing job stops
neither the others nor the worker.

The round runs with a frozen clock (``run_round(..., clock=...)``) at the moment the world's
Monday 10:00 meeting is reminded of; mail goes to a real SMTP server.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from app.mail import enqueue_mail
from app.mail.transport import transport_from_config
from app.mail.worker import deliver_due, jobs, run_round
from app.models import User
from tests.booking_support import at, book, monday_in

REMINDER_DUE = timedelta(hours=24)


@pytest.fixture
def due_meeting(app, world, smtp_server):
    """A booked meeting whose confirmation mails are sent; returns its reminder's due time."""
    app.config.update(smtp_server.config())
    start = at(monday_in(2), "10:00")
    book(app, world, start)
    with app.app_context():
        deliver_due(transport_from_config(app.config))
    smtp_server.messages.clear()
    return start - REMINDER_DUE


def a_round(app, round_jobs, now) -> None:
    with app.app_context():
        run_round(round_jobs, clock=lambda: now)


def test_a_round_queues_the_reminder_and_sends_it_at_once(app, world, smtp_server, due_meeting):
    with app.app_context():
        round_jobs = jobs(transport_from_config(app.config))
    assert [name for name, _ in round_jobs] == [
        "reminders",
        "calendar import",
        "retention purge",
        "outbox",
    ]
    a_round(app, round_jobs, due_meeting)
    [reminder] = smtp_server.messages
    assert reminder["To"] == world.client.email
    assert reminder["Subject"].startswith("Erinnerung: Erstgespräch Digitalisierung am ")
    a_round(app, round_jobs, due_meeting + timedelta(minutes=5))
    assert len(smtp_server.messages) == 1  # once


def test_a_failing_job_is_rolled_back_and_the_others_still_run(
    app, world, smtp_server, due_meeting, caplog
):
    def half_done(_now) -> None:
        # Work written but not committed when the job fails: it must not be committed by
        # the next job's commit.
        enqueue_mail("halb@firma.example", "verify_email", user=User(name="Halb"), link="x")
        raise RuntimeError("the feed server answered nonsense")

    with app.app_context():
        round_jobs = [("broken", half_done), *jobs(transport_from_config(app.config))]
    with caplog.at_level(logging.ERROR):
        a_round(app, round_jobs, due_meeting)

    assert [m["To"] for m in smtp_server.messages] == [world.client.email]  # the reminder
    assert "worker: broken failed" in caplog.text
    assert "the feed server answered nonsense" in caplog.text
    with app.app_context():
        assert deliver_due(transport_from_config(app.config), now=due_meeting).sent == 0


def test_a_reminder_queued_while_the_mail_server_is_down_is_sent_later(
    app, world, smtp_server, due_meeting
):
    """The SMTP server is down for the first round: the reminder waits in the outbox."""
    with app.app_context():
        round_jobs = jobs(transport_from_config(app.config))
    smtp_server.stop()
    a_round(app, round_jobs, due_meeting)
    assert smtp_server.messages == []
    smtp_server.start()
    a_round(app, round_jobs, due_meeting + timedelta(hours=1))
    assert [m["To"] for m in smtp_server.messages] == [world.client.email]
