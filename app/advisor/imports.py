"""Importing busy times from the advisors' own calendars: the worker's side.

``sync_due_calendars`` (called by the worker loop) takes each calendar that is due — asked
for with "fetch now" (``requested_at``), or not checked for ``CALENDAR_IMPORT_INTERVAL`` —
and ``sync_calendar`` fetches it, expands it (``app.calendar.busy``) and replaces the
advisor's imported busy blocks.

- No transaction is open while the network is slow: the fetch and the expansion happen
  between transactions; only the replacement runs under the advisor's lock (the lock
  order of the booking service: advisor first), so bookings wait for it milliseconds.
- A calendar is claimed before it is fetched: an ``UPDATE`` of ``checked_at`` that only
  matches the value the worker read, committed at once. Of two workers that saw it due,
  one claims it; the other's update matches nothing and it moves on. A claim is a lease:
  "fetch now" does not take a calendar away from the worker still fetching it, nor does
  an import interval shorter than the lease (it is as long as the lease then).
- A failed fetch records the error code and keeps the last good busy blocks; an
  unexpected error in one calendar is logged and the others go on.
- Blocks are rewritten (and the calendar version bumped, so cached pickers change) only
  when they changed: most fetches find the same busy times as fifteen minutes ago.
- A 304 means "as last time", but the window moves on with the clock: after
  ``REEXPAND_AFTER`` the calendar is fetched whole again, so a weekly meeting that repeats
  for ever keeps blocking the days that come into the booking horizon.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.booking.freshness import bump_advisors
from app.calendar.busy import Interval, NotACalendar, busy_times
from app.calendar.fetch import FetchError, NotModified, fetch
from app.database import begin_write, lock_row
from app.extensions import db
from app.models import Advisor, BusyBlock, ConsultationType, ExternalCalendar

log = logging.getLogger(__name__)

SOURCE = "import"  # BusyBlock.source of imported busy times
DAY = timedelta(days=1)
# A day-old expansion still covers the horizon: the window reaches a day beyond it.
REEXPAND_AFTER = DAY
# How long a claim keeps other workers away beyond the fetch's own timeout (expanding and
# storing a large calendar takes seconds).
LEASE_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class _Job:
    """What a sync reads before it lets go of the database."""

    advisor_id: int
    url: str
    etag: str | None
    last_modified: str | None
    zone: ZoneInfo
    window: tuple[datetime, datetime]


def import_window(now: datetime) -> tuple[datetime, datetime]:
    """From a day ago to a day beyond the longest booking horizon of the active types."""
    longest = db.session.scalar(
        sa.select(sa.func.max(ConsultationType.horizon_days)).where(ConsultationType.active)
    )
    return now - DAY, now + timedelta(days=longest or 0) + DAY


def sync_calendar(external: ExternalCalendar, now: datetime) -> None:
    """Fetch the advisor's calendar and replace their imported busy blocks; commits.

    On a fetch error or a file that is no calendar, only the status changes (``error``,
    ``error_detail``, ``checked_at``; a pending "fetch now" counts as answered) and the
    last good blocks stay. Commits before fetching too, so call it between transactions.
    """
    fresh = external.synced_at is not None and external.synced_at > now - REEXPAND_AFTER
    job = _Job(
        advisor_id=external.advisor_id,
        url=external.url,
        etag=external.etag if fresh else None,
        last_modified=external.last_modified if fresh else None,
        zone=ZoneInfo(external.advisor.timezone),
        window=import_window(now),
    )
    db.session.commit()  # nothing stays locked (or open) while the network is slow
    config = current_app.config
    try:
        fetched = fetch(
            job.url,
            etag=job.etag,
            last_modified=job.last_modified,
            timeout=config["CALENDAR_IMPORT_TIMEOUT"],
            max_bytes=config["CALENDAR_IMPORT_MAX_BYTES"],
            allow_private=config["CALENDAR_IMPORT_ALLOW_PRIVATE"],
        )
        if isinstance(fetched, NotModified):
            _record(job, now, error=None, detail=None)
            return
        blocks = busy_times(fetched.body, *job.window, job.zone)
    except FetchError as error:
        _record(job, now, error=error.code, detail=error.detail)
    except NotACalendar as error:
        _record(job, now, error="not_calendar", detail=str(error))
    else:
        _store(job, now, blocks, fetched.etag, fetched.last_modified)


def _current(job: _Job) -> ExternalCalendar | None:
    """The calendar row again, unless it was removed or given another URL meanwhile (then
    what was fetched belongs to nobody; a new address is fetched on its own request)."""
    external = db.session.get(ExternalCalendar, job.advisor_id)
    return external if external is not None and external.url == job.url else None


def _record(job: _Job, now: datetime, *, error: str | None, detail: str | None) -> None:
    """Record a fetch that changed no busy times: an error, or "not modified"."""
    begin_write(db.session())
    external = _current(job)
    if external is not None:
        external.checked_at = now
        external.error = error
        external.error_detail = detail[:255] if detail else None
        _answered(external, now)  # a failure answers "fetch now" too: the page shows it
    db.session.commit()


def _answered(external: ExternalCalendar, now: datetime) -> None:
    """A "fetch now" is answered by a fetch that started after it was asked for."""
    if external.requested_at is not None and external.requested_at <= now:
        external.requested_at = None


def _store(
    job: _Job, now: datetime, blocks: list[Interval], etag: str | None, modified: str | None
) -> None:
    """Replace the advisor's imported busy blocks with ``blocks``, in one transaction."""
    session = db.session()
    lock_row(session, Advisor, job.advisor_id)
    external = _current(job)
    if external is None:
        session.rollback()
        return
    stored = session.execute(
        sa.select(BusyBlock.start, BusyBlock.end)
        .where(BusyBlock.advisor_id == job.advisor_id, BusyBlock.source == SOURCE)
        .order_by(BusyBlock.start, BusyBlock.end)
    ).all()
    if [tuple(row) for row in stored] != blocks:
        session.execute(
            sa.delete(BusyBlock).where(
                BusyBlock.advisor_id == job.advisor_id, BusyBlock.source == SOURCE
            )
        )
        if blocks:
            session.execute(
                sa.insert(BusyBlock),
                [
                    {"advisor_id": job.advisor_id, "start": start, "end": end, "source": SOURCE}
                    for start, end in blocks
                ],
            )
        # Bulk statements pass by the ORM's flush listener: bump the version ourselves.
        bump_advisors(session, [job.advisor_id])
    external.synced_at = external.checked_at = now
    external.etag, external.last_modified = etag, modified
    external.error = external.error_detail = None
    external.block_count = len(blocks)
    _answered(external, now)
    session.commit()


def _due(now: datetime) -> sa.Select:
    config = current_app.config
    lease = timedelta(seconds=config["CALENDAR_IMPORT_TIMEOUT"]) + LEASE_MARGIN
    checked = ExternalCalendar.checked_at
    return (
        sa.select(ExternalCalendar.advisor_id, checked)
        .join(Advisor, Advisor.id == ExternalCalendar.advisor_id)
        .where(
            Advisor.active,  # nobody books an inactive advisor: no need to read their calendar
            sa.or_(
                checked.is_(None),
                # The lease holds for the interval too: with an interval shorter than a slow
                # fetch, the other worker took the calendar while it was still being fetched.
                sa.and_(
                    checked <= now - lease,
                    sa.or_(
                        checked <= now - config["CALENDAR_IMPORT_INTERVAL"],
                        ExternalCalendar.requested_at > checked,
                    ),
                ),
            ),
        )
        .order_by(ExternalCalendar.requested_at.is_(None), checked.is_not(None), checked)
    )


def claim(advisor_id: int, seen_checked_at: datetime | None, now: datetime) -> bool:
    """Take the calendar for this worker, if no other worker took it since
    ``seen_checked_at`` was read; commits."""
    begin_write(db.session())
    table = ExternalCalendar.__table__
    seen = (
        table.c.checked_at.is_(None)
        if seen_checked_at is None
        else table.c.checked_at == seen_checked_at
    )
    result = db.session.execute(
        sa.update(table).where(table.c.advisor_id == advisor_id, seen).values(checked_at=now)
    )
    db.session.commit()
    return result.rowcount == 1


def sync_due_calendars(now: datetime, *, limit: int = 10, budget: float | None = None) -> int:
    """Sync up to ``limit`` due calendars, requested ones first; commits. Returns how many
    this worker synced (claimed and fetched, successfully or not).

    The worker sends mail in the same round, so after ``budget`` seconds (default: one
    fetch's timeout) no further fetch starts; the calendars left stay due for the next
    round. Slow calendars delay mail by at most two fetch timeouts.
    """
    budget = current_app.config["CALENDAR_IMPORT_TIMEOUT"] if budget is None else budget
    started = time.monotonic()
    due = db.session.execute(_due(now).limit(limit)).all()
    db.session.commit()
    synced = 0
    for advisor_id, checked_at in due:
        if time.monotonic() - started > budget:
            break
        if not claim(advisor_id, checked_at, now):
            continue  # another worker has it
        synced += 1
        try:
            sync_calendar(db.session.get(ExternalCalendar, advisor_id), now)
        except Exception:  # one broken calendar never stops the others
            db.session.rollback()
            log.exception("Importing the calendar of advisor %s failed", advisor_id)
    return synced
