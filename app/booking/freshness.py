"""Knowing when cached free slots are stale, and caching the slot-picker fragment.

Free slots depend on two kinds of data, and each has its own version:

- an advisor's calendar: their bookings, weekly hours, exceptions and busy blocks, the
  advisor row itself (active, zone) and the person's account (name, active) — counted by
  ``Advisor.calendar_version``;
- the catalogue: consultation types, topics, and who advises on which topic — counted by
  the one ``CalendarState`` row.

The listener below bumps them in the flush that makes the change, so no ORM code path can
forget; statements that bypass the ORM (``release_expired_holds``) call ``bump_advisors``.
A booking only touches its own advisor's row, which the service has locked already, so
bookings of different advisors never wait for each other. Advisors are bumped before the
flush writes anything and in id order: the same lock order as the service (advisor first).

Who is offered at all (an advisor's profile and account: active, name; which topics they
advise on) is part of the catalogue too, since every picker of the topic lists them: such
changes are rare and bump both. A cached fragment's key holds the versions it read — the
catalogue's, and the calendar of the advisor shown, or of every advisor of the topic for
"any" — and a five-minute bucket of the clock (the minimum notice moves with time), so it
is right or unreachable.

Reading the versions would be the one query a cached fragment costs, so all of them are
kept in the cache together for ``VERSION_TTL`` seconds, stamped with the cache's
generation, and every commit that changed one starts a new generation. The generation is
read before the versions are loaded, so a request that loaded them just before a commit
and stores them just after stores them under the old generation, which nobody accepts
(deleting the key instead let such a request put the old versions back for ``VERSION_TTL``
seconds: tests/test_multiprocess.py caught another process offering a slot just booked).
With a shared cache (Redis) every process sees a change at once; with the in-process cache
another process may show the old week for ``VERSION_TTL`` seconds. Either way a booking
re-checks the slot under a lock, so a stale page can disappoint but never double-book.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

import sqlalchemy as sa
from flask_caching.backends import NullCache
from sqlalchemy.orm import Session

from app.booking.choice import ANY_ADVISOR
from app.extensions import cache, db
from app.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BusyBlock,
    CalendarState,
    ConsultationType,
    Role,
    Topic,
    User,
)
from app.models.booking import advisor_topic

ADVISOR_CALENDAR = (AvailabilityException, AvailabilityRule, Booking, BusyBlock)
CATALOGUE = (ConsultationType, Topic)
# What of a person the picker shows or depends on (``Advisor.is_bookable``, the name).
USER_FIELDS = ("active", "name", "role")
BUCKET_SECONDS = 300
VERSION_KEY = "calendar-versions"
GENERATION_KEY = "calendar-generation"
VERSION_TTL = 5
CHANGED = "calendar_changed"


def _changed(obj, attribute: str) -> bool:
    return sa.inspect(obj).attrs[attribute].history.has_changes()


def _advisors_of(obj) -> set[int]:
    """The advisor a booking, rule, exception or busy block belongs (or belonged) to."""
    state = sa.inspect(obj)
    ids = {obj.advisor_id, *state.attrs.advisor_id.history.deleted}
    advisor = state.dict.get("advisor")  # set through the relationship, not yet flushed
    if advisor is not None:
        ids.add(advisor.id)
    ids.discard(None)
    return ids


def _is_advisor(user: User) -> bool:
    roles = {user.role, *sa.inspect(user).attrs.role.history.deleted}
    return Role.ADVISOR.value in roles


@sa.event.listens_for(Session, "before_flush")
def _bump_on_calendar_change(session: Session, _flush_context, _instances) -> None:
    advisors: set[int] = set()
    users: set[int] = set()
    catalogue = False
    for obj in chain(session.new, session.dirty, session.deleted):
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if isinstance(obj, ADVISOR_CALENDAR):
            advisors |= _advisors_of(obj)
        elif isinstance(obj, Advisor):  # its zone, or who is offered at all: the roster
            if obj.id is not None:
                advisors.add(obj.id)
            catalogue = True
        elif isinstance(obj, User):  # an advisor's name or account: the roster
            relevant = obj in session.deleted or any(_changed(obj, f) for f in USER_FIELDS)
            if obj.id is not None and relevant and _is_advisor(obj):
                users.add(obj.id)
                catalogue = True
        elif isinstance(obj, CATALOGUE):
            catalogue = True
    bump_advisors(session, advisors)
    for user_id in sorted(users):
        session.execute(
            sa.update(Advisor.__table__)
            .where(Advisor.__table__.c.user_id == user_id)
            .values(calendar_version=Advisor.__table__.c.calendar_version + 1)
        )
        session.info[CHANGED] = True
    if catalogue:
        session.execute(
            sa.update(CalendarState.__table__)
            .where(CalendarState.__table__.c.id == 1)
            .values(version=CalendarState.__table__.c.version + 1)
        )
        session.info[CHANGED] = True


def bump_advisors(session: Session, advisor_ids: Iterable[int]) -> None:
    """A new calendar version for each advisor, in id order (the lock order)."""
    table = Advisor.__table__
    for advisor_id in sorted(set(advisor_ids)):
        session.execute(
            sa.update(table)
            .where(table.c.id == advisor_id)
            .values(calendar_version=table.c.calendar_version + 1)
        )
        session.info[CHANGED] = True


@sa.event.listens_for(Session, "after_commit")
def _forget_versions(session: Session) -> None:
    # Fired for each released savepoint too (the booking service stores in savepoints),
    # while the change is still uncommitted: a reader would cache the old versions again.
    if session.in_nested_transaction():
        return
    if session.info.pop(CHANGED, False):
        cache.cache.inc(GENERATION_KEY)  # the backend's INCR: atomic in Redis


@sa.event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's rollback keeps what came before
        session.info.pop(CHANGED, None)


@dataclass(frozen=True)
class Versions:
    """The catalogue's version, each advisor's, and which advisors each topic has."""

    catalogue: int
    advisors: dict[int, int]
    topics: dict[str, tuple[int, ...]]

    def read_by(self, topic: str, advisor: str) -> str | None:
        """The versions a picker of ``topic`` read: the catalogue (types, topics and the
        roster it lists) and the calendars shown — one advisor's, or all of the topic's."""
        if topic not in self.topics:
            return None
        shown = self.topics[topic] if advisor == ANY_ADVISOR else (int(advisor),)
        if any(a not in self.topics[topic] for a in shown):
            return None  # not an advisor of this topic: a 404, nothing to cache
        calendars = ",".join(f"{a}.{self.advisors.get(a, 0)}" for a in shown)
        return f"{self.catalogue}/{calendars}"


def _load_versions() -> Versions | None:
    catalogue = db.session.scalar(sa.select(CalendarState.version).where(CalendarState.id == 1))
    if catalogue is None:
        return None
    advisors = dict(db.session.execute(sa.select(Advisor.id, Advisor.calendar_version)).all())
    topics: dict[str, list[int]] = defaultdict(list)
    for slug, advisor_id in db.session.execute(
        sa.select(Topic.slug, advisor_topic.c.advisor_id)
        .outerjoin(advisor_topic, advisor_topic.c.topic_id == Topic.id)
        .order_by(Topic.slug, advisor_topic.c.advisor_id)
    ):
        known = topics[slug]  # a topic without advisors is known, and empty
        if advisor_id is not None:
            known.append(advisor_id)
    return Versions(catalogue, advisors, {slug: tuple(ids) for slug, ids in topics.items()})


def calendar_versions() -> Versions | None:
    """The current versions, or ``None`` when the catalogue row is missing (no caching)."""
    generation, stored = cache.get_many(GENERATION_KEY, VERSION_KEY)  # one round trip
    if stored is not None and stored[0] == generation:
        return stored[1]
    versions = _load_versions()  # after reading the generation: see the module's docstring
    if versions is not None:
        cache.set(VERSION_KEY, (generation, versions), timeout=VERSION_TTL)
    return versions


def caching() -> bool:
    """False when the cache is switched off (``CACHE_TYPE=NullCache``): a key would cost
    the versions' queries on every request and never find anything."""
    return not isinstance(cache.cache, NullCache)


def fragment_key(name: str, now: datetime, topic: str, advisor: str, *parts: object) -> str | None:
    """The cache key of a fragment about ``topic`` (and ``advisor`` or "any"), or ``None``:
    do not cache it."""
    if not caching():
        return None
    if advisor != ANY_ADVISOR and not (advisor.isascii() and advisor.isdigit()):
        return None
    versions = calendar_versions()
    read = versions.read_by(topic, advisor) if versions is not None else None
    if read is None:
        return None
    bucket = int(now.timestamp()) // BUCKET_SECONDS
    whole = ":".join(str(part) for part in (read, bucket, topic, advisor, *parts))
    return f"{name}:{hashlib.blake2b(whole.encode(), digest_size=16).hexdigest()}"


def cached(key: str | None) -> str | None:
    return cache.get(key) if key else None


def remember(key: str | None, html: str) -> None:
    if key:
        cache.set(key, html, timeout=2 * BUCKET_SECONDS)
