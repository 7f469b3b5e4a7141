"""Knowing when cached free slots are stale, and caching the slot-picker fragment.

Anything that decides free slots (bookings, hours, exceptions, busy time, types, topics,
advisors) bumps ``CalendarState.version`` in the same flush that changes it, so no code
path can forget. A cached fragment's key holds that version and a five-minute bucket of
the clock (the minimum notice moves with time), so it is right or unreachable.

Reading the version is the one query a cached fragment would cost, so the version itself
is kept in the cache for a few seconds, and dropped from it after every commit that
changed the calendar. With a shared cache (Redis) every process sees a change at once;
with the in-process cache another process may show the old week for ``VERSION_TTL``
seconds. Either way a booking re-checks the slot under a lock, so a stale page can
disappoint but never double-book.
"""

from __future__ import annotations

from datetime import datetime
from itertools import chain

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import cache, db
from app.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BusyBlock,
    CalendarState,
    ConsultationType,
    Topic,
)

CALENDAR_MODELS = (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BusyBlock,
    ConsultationType,
    Topic,
)
BUCKET_SECONDS = 300
VERSION_KEY = "calendar-version"
VERSION_TTL = 5
CHANGED = "calendar_changed"


@sa.event.listens_for(Session, "after_flush")
def _bump_on_calendar_change(session: Session, _flush_context) -> None:
    touched = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, CALENDAR_MODELS) for obj in touched):
        session.execute(
            sa.update(CalendarState)
            .where(CalendarState.id == 1)
            .values(version=CalendarState.version + 1)
        )
        session.info[CHANGED] = True


@sa.event.listens_for(Session, "after_commit")
def _forget_version(session: Session) -> None:
    if session.info.pop(CHANGED, False):
        cache.delete(VERSION_KEY)


@sa.event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(CHANGED, None)


def calendar_version() -> int | None:
    """The current version, or ``None`` when the row is missing (then nothing is cached)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = db.session.scalar(sa.select(CalendarState.version).where(CalendarState.id == 1))
        if version is not None:
            cache.set(VERSION_KEY, version, timeout=VERSION_TTL)
    return version


def fragment_key(name: str, now: datetime, *parts: object) -> str | None:
    version = calendar_version()
    if version is None:
        return None
    bucket = int(now.timestamp()) // BUCKET_SECONDS
    return ":".join(str(part) for part in (name, version, bucket, *parts))


def cached(key: str | None) -> str | None:
    return cache.get(key) if key else None


def remember(key: str | None, html: str) -> None:
    if key:
        cache.set(key, html, timeout=2 * BUCKET_SECONDS)
