"""Reading the booking journey's query parameters: type, topic, advisor, week, start.

Bad or stale parameters never cause a 500: unknown type or topic is a 404 (a dead link),
a start time that is not a proper instant is a ``ValueError`` the view explains, and a week
that cannot be read is this week. Dates outside the years ``FIRST_YEAR``–``LAST_YEAR``
count as unreadable: near year 1 or 9999 one more day or time zone is an OverflowError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Advisor, ConsultationType, Topic

ANY_ADVISOR = "any"
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Choice:
    """A type, a topic and an advisor (``None``: whoever of the topic is free first).

    From ``read_choice`` they are the models; from the picker's ``offer.choose`` they are
    read-only records shaped like them, and ``roster`` holds the topic's advisors for the
    type, read with the offer.
    """

    ctype: ConsultationType
    topic: Topic
    advisor: Advisor | None  # None: any available advisor of the topic
    roster: tuple | None = None

    @property
    def team(self) -> list:
        """The topic's bookable advisors who offer the type: who "any" means."""
        if self.roster is not None:
            return list(self.roster)
        return self.topic.advisors_for(self.ctype)

    @property
    def advisors(self) -> list:
        """Whose free times count: the chosen advisor, or the team."""
        if self.advisor is not None:
            return [self.advisor]
        return self.team

    def params(self) -> dict[str, str]:
        return {
            "type": self.ctype.slug,
            "topic": self.topic.slug,
            "advisor": str(self.advisor.id) if self.advisor else ANY_ADVISOR,
        }


def active_types() -> list[ConsultationType]:
    return list(
        db.session.scalars(
            sa.select(ConsultationType)
            .where(ConsultationType.active)
            .order_by(ConsultationType.position, ConsultationType.id)
        )
    )


def read_choice(values) -> Choice:
    """The type, topic and advisor named in the request, or 404."""
    ctype = db.session.scalar(
        sa.select(ConsultationType).where(
            ConsultationType.slug == values.get("type", ""), ConsultationType.active
        )
    )
    topic = db.session.scalar(
        sa.select(Topic)
        .where(Topic.slug == values.get("topic", ""))
        .options(selectinload(Topic.advisors).selectinload(Advisor.user))
    )
    if ctype is None or topic is None:
        abort(404)
    wanted = values.get("advisor", ANY_ADVISOR)
    if wanted == ANY_ADVISOR:
        return Choice(ctype, topic, None)
    advisor = next((a for a in topic.advisors_for(ctype) if str(a.id) == wanted), None)
    if advisor is None:
        abort(404)
    return Choice(ctype, topic, advisor)


def usable_date(day: date) -> bool:
    """A date the journey can name: in the years ``FIRST_YEAR`` to ``LAST_YEAR``."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def parse_start(value: str | None) -> datetime:
    """An ISO instant with its offset (``2026-12-01T09:00:00Z``) on a usable date;
    ValueError otherwise."""
    start = datetime.fromisoformat(value or "")
    if start.tzinfo is None:
        raise ValueError("naive start")
    if not usable_date(start.date()):
        raise ValueError("start out of range")
    return start.astimezone(ZoneInfo("UTC"))


def asked_day(values) -> date | None:
    """The day a link asks for: ``day``, or any day of an old ``week`` link; None if none
    can be read."""
    try:
        return date.fromisoformat(values.get("day") or values.get("week") or "")
    except ValueError:
        return None


def week_of(value: str | None, zone: ZoneInfo, now: datetime) -> date:
    """The Monday of the week named by ``value`` (any usable date in it), else of this week."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        day = None
    if day is None or not usable_date(day):
        day = now.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(ZoneInfo("UTC"))
