"""The retention purge: personal data the hub no longer needs goes after a fixed time.

Run by ``flask purge-expired`` and, at most once an hour, by each mail worker. Every change
is a conditional bulk update or delete (``WHERE anonymised_at IS NULL`` …), so two workers
running it at once do each row once: the second finds it done (on PostgreSQL it waits for
the first's row locks, then re-checks the condition) and counts nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.admin.audit import AuditAction, record
from app.booking.service import release_expired_holds
from app.extensions import db
from app.models import Booking, Invitation, OutboxMessage


@dataclass(frozen=True)
class PurgeReport:
    holds_released: int = 0
    guest_bookings_anonymised: int = 0
    invitations_deleted: int = 0
    outbox_messages_deleted: int = 0

    @property
    def anything(self) -> bool:
        """Whether personal data went: released holds alone (every few minutes, and no
        personal data) are not worth an audit entry."""
        return bool(
            self.guest_bookings_anonymised
            or self.invitations_deleted
            or self.outbox_messages_deleted
        )

    def summary(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in asdict(self).items())


def purge_expired(now: datetime, retention_days: int) -> PurgeReport:
    """Release expired guest holds; anonymise guest bookings whose meeting ended more than
    ``retention_days`` ago; delete invitations no longer open and sent (or failed) mails
    older than that. One ``RETENTION_PURGED`` audit entry when anything changed. The caller
    holds the write lock (``begin_write``: it locks advisors) and commits."""
    cutoff = now - timedelta(days=retention_days)
    holds = release_expired_holds(now)
    anonymised = db.session.execute(
        sa.update(Booking)
        .where(
            Booking.booked_by_id.is_(None),
            Booking.anonymised_at.is_(None),
            Booking.end < cutoff,
        )
        .values(
            guest_name="",
            guest_email="",
            guest_company="",
            agenda="",
            cancel_reason=sa.case((Booking.cancel_reason == "expired", "expired"), else_=""),
            anonymised_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    invitations = db.session.execute(
        sa.delete(Invitation)
        .where(Invitation.created_at < cutoff, sa.not_(Invitation.open_at(now)))
        .execution_options(synchronize_session=False)
    ).rowcount
    messages = db.session.execute(
        sa.delete(OutboxMessage)
        .where(
            sa.or_(
                OutboxMessage.sent_at < cutoff,
                OutboxMessage.failed_at < cutoff,
            )
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    report = PurgeReport(holds, anonymised, invitations, messages)
    if report.anything:
        record(
            AuditAction.RETENTION_PURGED,
            target_label=f"{retention_days}",
            detail=report.summary(),
        )
    return report


PURGE_INTERVAL = timedelta(hours=1)
# When this process last purged: each worker purges at most once an hour.
_last_purge: dict[str, datetime] = {}


def purge_if_due(now: datetime) -> PurgeReport | None:
    """The worker's job: purge (and commit) unless this process did within the hour."""
    from flask import current_app

    from app.database import begin_write

    last = _last_purge.get("at")
    if last is not None and now - last < PURGE_INTERVAL:
        return None
    db.session.commit()  # end any read: on SQLite the purge begins as the writer
    begin_write(db.session())
    report = purge_expired(now, current_app.config["GUEST_RETENTION_DAYS"])
    db.session.commit()
    _last_purge["at"] = now
    if report.anything or report.holds_released:
        current_app.logger.info("retention purge: %s", report.summary())
    return report
