"""An advisor's bookings as a calendar subscription: ``GET /kalender/<token>.ics``.

Calendar apps fetch it without a login, so the secret token in the address is the only
key (``Advisor.feed_token``, 256 random bits; the advisor can replace it on the Kalender
page, and the old address answers 404 at once). Apps poll it every few minutes, so it is
cheap: one query decides whether anything changed (``ETag``/``If-None-Match`` → 304), and
one more loads every booking of the window as plain rows, written by ``app.calendar.feed``.
Most calendar providers ask without ``If-None-Match`` (Google polls unconditionally), so
the written feed is kept gzip-compressed in the cache under the advisor's id with its ETag
(``_stored``): an unchanged feed is one query and a cache read for every client, a
changed one is written once, and clients that accept gzip get a tenth of the bytes.

What it lists, from 90 days back onward (``WINDOW``): confirmed, completed and no-show
bookings, and cancelled ones as ``STATUS:CANCELLED`` so a subscribed calendar drops or
strikes them — only if they had been confirmed. Pending bookings are guests' holds waiting
for their double opt-in: most expire unconfirmed, the advisor gets no mail for them either,
and a guest's details have no place in a third-party calendar before the guest confirmed;
they appear once confirmed.

The feed is stored by whichever provider the advisor subscribes with (Google, Microsoft,
Apple), so it carries only what the advisor needs to see the meeting: the booker's name and
company, type and topic, where it happens and the link to the booking page behind the
login. No e-mail address, no phone number, no agenda — those stay behind the login.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, time, timedelta
from functools import cache
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.ext.compiler import compiles
from werkzeug.http import quote_etag

from app.booking.labels import what, where
from app.booking.notifications import advisor_url
from app.calendar.feed import Entry, feed
from app.extensions import cache as shared_cache
from app.extensions import db, limiter
from app.models import (
    Advisor,
    Booking,
    BookingStatus,
    CalendarState,
    ConsultationType,
    LocationKind,
    Organisation,
    Topic,
    User,
)
from app.models.types import utcnow

bp = Blueprint("feed", __name__)

WINDOW = timedelta(days=90)
REFRESH = timedelta(minutes=15)
# Goes up whenever what the feed writes for the same data changes (texts, properties), so
# calendars holding an old copy under a still-valid ETag fetch the new one.
FORMAT = 2
# secrets.token_urlsafe(32) is 43 characters; anything else is no token of ours.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
LISTED = (
    BookingStatus.CONFIRMED.value,
    BookingStatus.COMPLETED.value,
    BookingStatus.NO_SHOW.value,
)
# A calendar app polls every 15 minutes; a person reloading by hand stays far below.
RATE_LIMIT = "30 per minute"
# Per client address, against scanning; generous, as a provider fetches many feeds.
SCAN_LIMIT = "600 per minute"
# A written feed stays in the cache a day at most: its ETag changes with the day anyway.
STORED_FOR = 24 * 3600
# gzip level 3: 3,000 bookings (2.1 MB) become ~200 KB in ~7 ms; level 6 saves 20 % more
# in twice the time.
COMPRESSION = 3


def _token_of_view() -> str:
    return f"feed:{(request.view_args or {}).get('token', '')}"


class ical_utc(sa.sql.functions.GenericFunction):
    """A UTC instant as iCalendar writes it (``20261210T090000Z``), made by the database:
    3,000 bookings' times then cost no datetime objects in Python (see ``feed.Entry``)."""

    type = sa.String()
    inherit_cache = True


@compiles(ical_utc, "sqlite")
def _ical_utc_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps UTCDateTime as naive UTC text (app/models/types.py).
    return f"strftime('%Y%m%dT%H%M%SZ', {compiler.process(element.clauses, **kw)})"


@compiles(ical_utc, "postgresql")
def _ical_utc_postgresql(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"')"


@cache
def _owner_query() -> sa.Select:
    """Built once: making the statement would cost more than running it."""
    catalogue = sa.select(CalendarState.version).where(CalendarState.id == 1).scalar_subquery()
    return (
        sa.select(
            Advisor.id,
            Advisor.calendar_version,
            catalogue.label("catalogue"),
            User.name,
            User.locale,
        )
        .join(User, User.id == Advisor.user_id)
        .where(Advisor.feed_token == sa.bindparam("token"), User.active.is_(True))
    )


def _owner(token: str) -> sa.Row | None:
    """The one query every request makes: whose feed, and everything its ETag hangs on.

    The token is compared by the database's unique index. Timing differences of an index
    lookup reveal nothing useful about a 256-bit secret, and unknown and revoked tokens
    take the same path, so no answer hints at which one was almost right.
    """
    return db.session.connection().execute(_owner_query(), {"token": token}).one_or_none()


def etag_of(owner: sa.Row, today: str) -> str:
    """The feed's (weak) entity tag. It changes with every booking change of the advisor
    (``calendar_version``, bumped by ``app.booking.freshness``), with type and topic names
    (the catalogue's version), the advisor's name and language, the day (the 90-day window
    moves) and ``FORMAT``.

    A booker renaming themselves or their organisation bumps nothing: the old name stays
    until the advisor's next booking change or the next day, which is acceptable for a
    name in someone's calendar.
    """
    parts = (
        FORMAT,
        current_app.config["BASE_URL"],
        owner.id,
        owner.calendar_version,
        owner.catalogue,
        owner.name,
        owner.locale,
        today,
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


@cache
def _bookings_query() -> sa.Select:
    """The one query for the feed's bookings: plain rows, the columns it writes, in no
    particular order (calendars place events by their times; sorting cost a tenth of the
    feed's time)."""
    booker = sa.orm.aliased(User)
    listed = sa.or_(
        Booking.status.in_(LISTED),
        sa.and_(
            Booking.status == BookingStatus.CANCELLED.value,
            Booking.confirmed_at.is_not(None),
        ),
    )
    return (
        sa.select(
            # In the order ``entries`` unpacks them.
            Booking.uid,
            Booking.sequence,
            ical_utc(Booking.start),
            ical_utc(Booking.end),
            Booking.status,
            Booking.meeting_url,
            ConsultationType.location_kind,
            booker.name.label("booker"),
            Booking.guest_name,
            Organisation.name.label("organisation"),
            Booking.guest_company,
            Booking.consultation_type_id,
            Booking.topic_id,
            ConsultationType.name_de.label("type_de"),
            ConsultationType.name_en.label("type_en"),
            ConsultationType.location_detail_de,
            ConsultationType.location_detail_en,
            Topic.name_de.label("topic_de"),
            Topic.name_en.label("topic_en"),
        )
        .join(ConsultationType, ConsultationType.id == Booking.consultation_type_id)
        .join(Topic, Topic.id == Booking.topic_id)
        .outerjoin(Organisation, Organisation.id == Booking.organisation_id)
        .outerjoin(booker, booker.id == Booking.booked_by_id)
        .where(
            Booking.advisor_id == sa.bindparam("advisor"),
            Booking.start >= sa.bindparam("since", type_=Booking.start.type),
            listed,
        )
    )


def _bookings(advisor_id: int, since: datetime) -> Sequence[sa.Row]:
    """All at once: one fetch for the driver instead of one per row."""
    query = _bookings_query()
    return db.session.connection().execute(query, {"advisor": advisor_id, "since": since}).all()


def _link_maker() -> Callable[[str], str]:
    """``advisor_url`` for each booking, built once per domain of the UIDs: the random part
    of a UID (ASCII letters and digits) is never escaped in a URL, so it is put in by
    string replacement (the URL map's build takes ~20 µs: 60 ms for 3,000 bookings)."""
    marker = "feeduidmarker"
    templates: dict[str, str] = {}

    def link(uid: str) -> str:
        random, at, domain = uid.partition("@")
        if not (at and random.isascii() and random.isalnum()):
            return advisor_url(SimpleNamespace(uid=uid))
        template = templates.get(domain)
        if template is None:
            template = templates[domain] = advisor_url(SimpleNamespace(uid=f"{marker}@{domain}"))
        return template.replace(marker, random, 1)

    return link


def _catalogue_texts(row: sa.Row) -> tuple[str, SimpleNamespace]:
    """What the meeting is ("Erstgespräch – Digitalisierung") in the current language, and
    its type as ``app.booking.labels`` reads it."""
    ctype = SimpleNamespace(
        name_de=row.type_de,
        name_en=row.type_en,
        location_kind=row.location_kind,
        location_detail_de=row.location_detail_de,
        location_detail_en=row.location_detail_en,
    )
    topic = SimpleNamespace(name_de=row.topic_de, name_en=row.topic_en)
    return what(SimpleNamespace(consultation_type=ctype, topic=topic)), ctype


CANCELLED, VIDEO = BookingStatus.CANCELLED.value, LocationKind.VIDEO.value


def entries(rows: Iterable[sa.Row], language: str) -> Iterator[Entry]:
    """The rows as feed entries in the current language (call inside ``force_locale``), in the
    words of the pages and mails to the advisor (``app.booking.labels``).

    Bookings of one type, topic, status and booker read alike but for the room and the
    link, so their words are made once (3,000 bookings have a few dozen kinds). The
    description names what the meeting is and links to it; who and where are the summary
    and the location already, and a calendar shows those beside it.
    """
    catalogue: dict[tuple[int, int], tuple[str, SimpleNamespace]] = {}
    words: dict[tuple, tuple[str, str | None, str]] = {}
    link = _link_maker()
    page_label = _("Termin ansehen:")
    cancelled_label = _("Abgesagt:")
    for row in rows:
        (uid, sequence, start, end, status, meeting_url, place_kind, booker, guest_name,
         organisation, guest_company, type_id, topic_id, *_names) = row  # fmt: skip
        cancelled = status == CANCELLED
        room = meeting_url if meeting_url and not cancelled and place_kind == VIDEO else None
        name = booker or guest_name or ""
        company = organisation or guest_company or ""
        kind = (type_id, topic_id, status, name, company, room is not None)
        if kind not in words:
            if (type_id, topic_id) not in catalogue:
                catalogue[type_id, topic_id] = _catalogue_texts(row)
            subject, ctype = catalogue[type_id, topic_id]
            booking = SimpleNamespace(
                consultation_type=ctype,
                status=status,
                meeting_url=None,  # a room is the location itself, below
                contact_name=name,
                advisor=None,  # read for pending bookings only, which the feed leaves out
            )
            who = f"{name} ({company})" if company else name
            summary = f"{who} – {subject}"
            # No agenda, e-mail or phone here: see the module's docstring.
            words[kind] = (
                f"{cancelled_label} {summary}" if cancelled else summary,
                None if room else where(booking, "advisor"),
                f"{subject}\n\n{page_label}",
            )
        summary, place, description = words[kind]
        yield Entry(
            uid,
            sequence,
            start,
            end,
            summary,
            room or place,
            f"{description} {link(uid)}",
            cancelled,
            language,
            room,
        )


def window_start(now: datetime) -> datetime:
    """Midnight (UTC) 90 days before today: the window moves once a day, with the ETag."""
    return datetime.combine(now.astimezone(UTC).date() - WINDOW, time(), tzinfo=UTC)


@bp.get("/kalender/<token>.ics")
@limiter.limit(RATE_LIMIT, key_func=_token_of_view)
@limiter.limit(SCAN_LIMIT)
def advisor_feed(token: str) -> Response:
    """The advisor's bookings as an iCalendar subscription (404 for any unknown token)."""
    owner = _owner(token) if _TOKEN.fullmatch(token) else None
    if owner is None:
        abort(404)
    now = utcnow()
    etag = etag_of(owner, now.date().isoformat())
    headers = {
        "ETag": quote_etag(etag, weak=True),
        "Cache-Control": "private, max-age=0, must-revalidate",
        "X-Robots-Tag": "noindex",
    }
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    body = _stored(owner.id, etag)
    if body is None:
        body = gzip.compress(_written_feed(owner, now).encode(), COMPRESSION, mtime=0)
        shared_cache.set(f"feed:{owner.id}", (etag, body), timeout=STORED_FOR)
    response = Response(headers=headers, content_type="text/calendar; charset=utf-8")
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"]:
        response.set_data(body)
        response.content_encoding = "gzip"
    else:
        response.set_data(gzip.decompress(body))
    return response


def _stored(advisor_id: int, etag: str) -> bytes | None:
    """The feed written under ``etag`` (gzip), if the cache still holds it: one entry per
    advisor, replaced when the feed changes, so the cache holds at most one per advisor."""
    stored = shared_cache.get(f"feed:{advisor_id}")
    return stored[1] if stored is not None and stored[0] == etag else None


def _written_feed(owner: sa.Row, now: datetime) -> str:
    locale = owner.locale or "de"
    with force_locale(locale):
        name = f"{_('Sprechstunde')} – {owner.name}"
        rows = _bookings(owner.id, window_start(now))
        return feed(_entries_of(rows, locale), name=name, refresh=REFRESH, now=now)


# A booking's entry is a function of its row, the language and BASE_URL: after one booking
# changed, the feed is written again with the other rows' entries from here, which are in
# turn written events in ``app.calendar.feed``. Bounded: emptied when full (a hub's feeds
# together stay far below).
_ENTRIES: dict[tuple, Entry] = {}
ENTRIES_KEPT = 20_000


def _entries_of(rows: Sequence[sa.Row], language: str) -> list[Entry]:
    """``entries`` of the rows, made only for rows not met before in this language. Reads
    each kept entry once, so another thread emptying the memo meanwhile costs only time."""
    site = current_app.config["BASE_URL"]  # the links' start
    keys = [(language, site, *row) for row in rows]
    found = [_ENTRIES.get(key) for key in keys]
    missing = [index for index, entry in enumerate(found) if entry is None]
    for index, entry in zip(missing, entries([rows[i] for i in missing], language), strict=True):
        found[index] = entry
    if len(_ENTRIES) + len(missing) > ENTRIES_KEPT:
        _ENTRIES.clear()
    _ENTRIES.update((keys[index], found[index]) for index in missing)
    return found
