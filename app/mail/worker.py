"""The worker's rounds, and sending what the outbox holds with retries and back-off.

Each round queues the reminders that are due, imports the advisors' calendars that are due,
then delivers the outbox (``run_round``); a job that fails is logged and the others still
run.

The outbox goes one message at a time: claim it (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so several workers never send the same message; SQLite has a single writer anyway), send
it, record the outcome and commit, then the next. So a crash re-sends at most the one message in
flight, and a worker never holds rows it is not sending (committing in the middle of a
claimed batch would release the rest to other workers while this one still sends them).

A message counts as sent only after the SMTP server accepted it, so a server that is down
delays mail but loses none. A message that cannot be built or is refused for good (a
header with a line break, an unknown mailbox) is marked failed with the error, and the
worker goes on with the next: one bad message never stops the others.
"""

from __future__ import annotations

import signal
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import sqlalchemy as sa
from flask import current_app

from app.advisor.imports import sync_due_calendars
from app.booking.reminders import enqueue_due_reminders
from app.extensions import db
from app.mail.transport import Transport, build_email
from app.models import OutboxMessage
from app.models.types import utcnow
from app.observability import job_context
from app.privacy.retention import purge_if_due

MAX_BACKOFF = timedelta(hours=1)
# One kind of work the worker does each round (its name for the log, and the work, given
# the time it starts).
Job = tuple[str, Callable[[datetime], None]]


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """Wait base, 2×base, 4×base … after each failed attempt, never more than an hour."""
    return min(timedelta(seconds=base_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer (unknown mailbox, refused sender) will not improve by retrying."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _is_transient(error: Exception) -> bool:
    """A network or SMTP trouble that may pass; anything else (a header with a line break,
    a 5xx answer) fails the same way on every attempt."""
    return isinstance(error, OSError | smtplib.SMTPException) and not _is_permanent(error)


def _claim_next(now: datetime) -> OutboxMessage | None:
    """The next due message, locked until this transaction ends; other workers skip it."""
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def _deliver(transport: Transport, message: OutboxMessage, now: datetime) -> str:
    """Send one message and record the outcome on it: "sent", "retrying" or "failed"."""
    config = current_app.config
    message.attempts += 1
    try:
        transport.send(build_email(message, config["MAIL_DEFAULT_SENDER"]))
    except Exception as error:
        message.last_error = f"{type(error).__name__}: {error}"[:1000]
        if not _is_transient(error) or message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            current_app.logger.warning("outbox: message %d failed: %s", message.id, error)
            message.failed_at = now
            return "failed"
        message.next_attempt_at = now + backoff(message.attempts, config["MAIL_RETRY_BASE_SECONDS"])
        return "retrying"
    message.sent_at = utcnow()
    message.last_error = None
    return "sent"


def deliver_due(
    transport: Transport, now: datetime | None = None, batch_size: int = 20
) -> DeliveryReport:
    """Send up to ``batch_size`` due messages, committing after each one."""
    now = now or utcnow()
    report = DeliveryReport()
    for _ in range(batch_size):
        message = _claim_next(now)
        if message is None:
            break
        outcome = _deliver(transport, message, now)
        db.session.commit()
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _deliver_outbox(transport: Transport, now: datetime) -> None:
    report = deliver_due(transport, now)
    if report.sent or report.retrying or report.failed:
        current_app.logger.info(
            "outbox: %d sent, %d to retry, %d failed", report.sent, report.retrying, report.failed
        )


def _send_reminders(now: datetime) -> None:
    if queued := enqueue_due_reminders(now):
        current_app.logger.info("reminders: %d queued", queued)


def _import_calendars(now: datetime) -> None:
    if synced := sync_due_calendars(now):
        current_app.logger.info("calendar import: %d calendars synced", synced)


def jobs(transport: Transport) -> list[Job]:
    """A round's work, in order: reminders first, so the round's delivery sends them."""
    return [
        ("reminders", _send_reminders),
        ("calendar import", _import_calendars),
        ("retention purge", purge_if_due),  # at most hourly per process
        ("outbox", partial(_deliver_outbox, transport)),
    ]


def run_round(round_jobs: list[Job], clock: Callable[[], datetime] = utcnow) -> None:
    """Run each job with the time it starts (``clock``'s). One that fails is logged and
    rolled back, and the others still run; a database outage (``OperationalError``) ends
    the round, since every job needs the database."""
    for name, job in round_jobs:
        with job_context(name):  # every record the job logs carries one id
            try:
                job(clock())
            except sa.exc.OperationalError:
                raise
            except Exception:
                db.session.rollback()
                current_app.logger.exception("worker: %s failed", name)


def run_worker(transport: Transport, interval: float, once: bool = False) -> None:
    """Run rounds until SIGTERM/SIGINT; each mail is recorded as sent and each reminder as
    queued when it happens, so stopping loses nothing, and a database outage only pauses
    the work."""
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while True:
            try:
                run_round(jobs(transport))
            except sa.exc.OperationalError as error:
                # The database is down or busy: what was in flight was not recorded and is
                # done again next round; a worker that exited here would send nothing.
                db.session.rollback()
                if once:
                    raise
                current_app.logger.warning("worker: database unavailable: %s", error.orig)
            if once or stopping:
                return
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
