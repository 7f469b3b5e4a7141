"""Sending what the outbox holds, with retries and exponential back-off.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never
send the same message; SQLite has a single writer anyway. A message counts as sent only
after the SMTP server accepted it, so a server that is down delays mail but loses none.
"""

from __future__ import annotations

import signal
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.mail.transport import Transport, build_email
from app.models import OutboxMessage
from app.models.types import utcnow

MAX_BACKOFF = timedelta(hours=1)


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


def deliver_due(
    transport: Transport, now: datetime | None = None, batch_size: int = 20
) -> DeliveryReport:
    """Send the messages that are due, record each outcome and commit."""
    config = current_app.config
    now = now or utcnow()
    due = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    report = DeliveryReport()
    for message in db.session.scalars(due).all():
        message.attempts += 1
        try:
            transport.send(build_email(message, config["MAIL_DEFAULT_SENDER"]))
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = f"{type(error).__name__}: {error}"[:1000]
            if _is_permanent(error) or message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                message.failed_at = now
                report.failed += 1
            else:
                message.next_attempt_at = now + backoff(
                    message.attempts, config["MAIL_RETRY_BASE_SECONDS"]
                )
                report.retrying += 1
        else:
            message.sent_at = utcnow()
            message.last_error = None
            report.sent += 1
    db.session.commit()
    return report


def run_worker(transport: Transport, interval: float, once: bool = False) -> None:
    """Deliver until SIGTERM/SIGINT; each round commits, so stopping loses nothing."""
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while True:
            report = deliver_due(transport)
            if report.sent or report.retrying or report.failed:
                current_app.logger.info(
                    "outbox: %d sent, %d to retry, %d failed",
                    report.sent,
                    report.retrying,
                    report.failed,
                )
            if once or stopping:
                return
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
