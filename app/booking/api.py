"""Read-only JSON API for the hub's main website: free slots.

``GET /api/v1/slots`` — parameters:

=========  ========================================================================
type       consultation type slug (required), e.g. ``erstgespraech``
topic      topic slug (required), e.g. ``digitalisierung``
advisor    advisor id, or ``any`` (default): all advisors of the topic, merged
from, to   first and last local date, ``YYYY-MM-DD`` (default: today, +13 days;
           at most 31 days)
tz         IANA zone the dates are read in and ``start_local`` is given in
           (default ``Europe/Berlin``)
=========  ========================================================================

Answers ``200`` with ``{"slots": [{"start", "end", "start_local", "advisors",
"book_url"}, …]}`` (instants in UTC, ISO 8601); bad input gets ``400`` and an RFC 9457
problem document (``application/problem+json``) listing each invalid parameter; every other
error under ``/api/`` is a problem document too (see ``app.errors``).
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy.orm import selectinload

from app.booking.availability import free_slots_by_advisor, merge
from app.booking.choice import ANY_ADVISOR, FIRST_YEAR, LAST_YEAR, local_midnight, usable_date
from app.errors import problem_response
from app.extensions import db, limiter
from app.i18n import is_known_timezone
from app.models import Advisor, ConsultationType, Topic
from app.models.types import utcnow

bp = Blueprint("api", __name__)
MAX_DAYS = 31


class Problem(Exception):
    def __init__(self, status: int, title: str, invalid: list[dict] | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.invalid = status, title, invalid or []


@bp.errorhandler(Problem)
def _problem(error: Problem) -> Response:
    return problem_response(error.status, error.title, error.invalid)


def _date(name: str, default: date, invalid: list[dict]) -> date:
    value = request.args.get(name)
    if value is None:
        return default
    try:
        day = date.fromisoformat(value)
    except ValueError:
        invalid.append({"name": name, "reason": "expected a date as YYYY-MM-DD"})
        return default
    if not usable_date(day):
        reason = f"expected a date in the years {FIRST_YEAR} to {LAST_YEAR}"
        invalid.append({"name": name, "reason": reason})
        return default
    return day


def _read_query() -> tuple[ConsultationType, Topic, list[Advisor], date, date, str]:
    invalid: list[dict] = []
    zone = request.args.get("tz", "Europe/Berlin")
    if not is_known_timezone(zone):
        invalid.append({"name": "tz", "reason": "unknown IANA time zone"})
        zone = "Europe/Berlin"
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    first = _date("from", today, invalid)
    last = _date("to", first + timedelta(days=13), invalid)
    if last < first or (last - first).days >= MAX_DAYS:
        invalid.append({"name": "to", "reason": f"must be from 'from' to {MAX_DAYS} days later"})
    ctype = db.session.scalar(
        sa.select(ConsultationType).where(
            ConsultationType.slug == request.args.get("type", ""), ConsultationType.active
        )
    )
    if ctype is None:
        invalid.append({"name": "type", "reason": "no active consultation type with this slug"})
    topic = db.session.scalar(
        sa.select(Topic)
        .where(Topic.slug == request.args.get("topic", ""), Topic.active)
        .options(selectinload(Topic.advisors).selectinload(Advisor.user))
    )
    if topic is None:
        invalid.append({"name": "topic", "reason": "no active topic with this slug"})
    advisors: list[Advisor] = []
    if topic is not None:
        wanted = request.args.get("advisor", ANY_ADVISOR)
        offering = topic.advisors_for(ctype) if ctype is not None else topic.bookable_advisors
        advisors = [a for a in offering if wanted in (ANY_ADVISOR, str(a.id))]
        if not advisors and wanted != ANY_ADVISOR:
            invalid.append({"name": "advisor", "reason": "no active advisor of this topic"})
    if invalid:
        raise Problem(400, "Invalid query parameters", invalid)
    return ctype, topic, advisors, first, last, zone


@bp.get("/slots")
@limiter.limit("120 per minute")
def slots():
    """Free slots of a type and topic, for one advisor or all of them."""
    ctype, topic, advisors, first, last, zone_name = _read_query()
    zone = ZoneInfo(zone_name)
    start, end = local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)
    by_advisor = free_slots_by_advisor(advisors, ctype, start, end, utcnow())
    names = {a.id: a.user.name for a in advisors}
    wanted = request.args.get("advisor", ANY_ADVISOR)
    response = jsonify(
        type=ctype.slug,
        topic=topic.slug,
        timezone=zone_name,
        **{"from": first.isoformat(), "to": last.isoformat()},
        slots=[
            {
                "start": slot.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": slot.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "start_local": slot.start.astimezone(zone).isoformat(),
                "advisors": [{"id": i, "name": names[i]} for i in slot.advisor_ids],
                "book_url": url_for(
                    "booking.book",
                    type=ctype.slug,
                    topic=topic.slug,
                    advisor=wanted,
                    start=slot.start.strftime("%Y-%m-%dT%H:%MZ"),
                    _external=True,
                ),
            }
            for slot in merge(by_advisor)
        ],
    )
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, read-only
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
