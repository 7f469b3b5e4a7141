"""What the slot picker offers, read as plain rows: types, topics and who advises on them.

The picker reads this on every uncached request and changes none of it, so topics and
advisors are small frozen records shaped like the models for the templates and the slot
rules (``topic.slug``, ``advisor.user.name``, ``advisor.timezone``, the avatar macro),
not ORM objects: building every topic's advisors, their accounts and declined types
through the ORM was a fifth of the request. Two statements however many advisors there
are; the booking itself reads the real rows again (``choice.read_choice``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort

from app.booking.choice import ANY_ADVISOR, Choice, active_types
from app.extensions import db
from app.models import Advisor, ConsultationType, Topic, User, advisor_declined_type
from app.models.booking import advisor_topic


@dataclass(frozen=True, slots=True)
class OfferedTopic:
    """A topic as the picker shows it (the attributes of ``Topic`` it reads)."""

    id: int
    slug: str
    name_de: str
    name_en: str
    active: bool = True  # only active topics are offered


@dataclass(frozen=True, slots=True)
class Person:
    name: str


@dataclass(frozen=True, slots=True)
class OfferedAdvisor:
    """A bookable advisor as the picker needs them: the slot rules' settings
    (``availability.rules_for``), the zone, and what the choice form shows."""

    id: int
    timezone: str
    buffer_minutes: int
    minimum_notice_minutes: int | None
    max_per_day: int | None
    photo_token: str | None
    title_de: str
    title_en: str
    user: Person
    declined: frozenset[int]  # ids of the types they do not offer

    def offers(self, ctype: ConsultationType) -> bool:
        return ctype.id not in self.declined


@dataclass(frozen=True)
class Offer:
    """Active types, and the active topics someone bookable advises on, with those advisors."""

    types: list[ConsultationType]
    topics: list[OfferedTopic]
    advisors: dict[int, tuple[OfferedAdvisor, ...]]  # by topic id, by name

    def team(self, topic: OfferedTopic, ctype: ConsultationType) -> tuple[OfferedAdvisor, ...]:
        """The topic's bookable advisors who offer ``ctype`` (``Topic.advisors_for``)."""
        return tuple(a for a in self.advisors.get(topic.id, ()) if a.offers(ctype))

    def advises(self, topic: OfferedTopic, advisor_id: str) -> bool:
        return any(str(a.id) == advisor_id for a in self.advisors.get(topic.id, ()))


def current_offer() -> Offer:
    """Active types; active topics with a bookable advisor (``Advisor.is_bookable``: profile
    and account active, weekly hours), in their order; each topic's bookable advisors by name,
    as the home page lists them."""
    rows = db.session.execute(
        sa.select(
            Topic.id.label("topic_id"),
            Topic.slug,
            Topic.name_de,
            Topic.name_en,
            Advisor.id,
            Advisor.timezone,
            Advisor.buffer_minutes,
            Advisor.minimum_notice_minutes,
            Advisor.max_per_day,
            Advisor.photo_token,
            Advisor.title_de,
            Advisor.title_en,
            User.name,
            advisor_declined_type.c.consultation_type_id.label("declined"),
        )
        .join(advisor_topic, advisor_topic.c.topic_id == Topic.id)
        .join(Advisor, Advisor.id == advisor_topic.c.advisor_id)
        .join(User, User.id == Advisor.user_id)
        .outerjoin(advisor_declined_type, advisor_declined_type.c.advisor_id == Advisor.id)
        .where(Topic.active, Advisor.active, User.active, Advisor.has_hours)
        .order_by(Topic.position, Topic.id, User.name, Advisor.id)
    ).all()
    topics: dict[int, OfferedTopic] = {}
    declined: dict[int, set[int]] = defaultdict(set)
    members: dict[int, dict[int, sa.Row]] = defaultdict(dict)  # topic id → advisor id → row
    for row in rows:
        if row.topic_id not in topics:
            topics[row.topic_id] = OfferedTopic(row.topic_id, row.slug, row.name_de, row.name_en)
        members[row.topic_id].setdefault(row.id, row)
        if row.declined is not None:
            declined[row.id].add(row.declined)
    people: dict[int, OfferedAdvisor] = {}
    for team in members.values():
        for advisor_id, row in team.items():
            if advisor_id not in people:
                people[advisor_id] = OfferedAdvisor(
                    advisor_id,
                    row.timezone,
                    row.buffer_minutes,
                    row.minimum_notice_minutes,
                    row.max_per_day,
                    row.photo_token,
                    row.title_de,
                    row.title_en,
                    Person(row.name),
                    frozenset(declined[advisor_id]),
                )
    advisors = {
        topic_id: tuple(people[advisor_id] for advisor_id in team)
        for topic_id, team in members.items()
    }
    return Offer(active_types(), list(topics.values()), advisors)


def choose(offer: Offer, values) -> Choice | None:
    """The picker's choice: what the request names, the rest filled in; None: nothing
    can be booked online at all.

    Links from the home page name only a type, a topic or an advisor, and changing the
    topic in the picker may leave an advisor who does not advise on it: the first type,
    the advisor's (or the first) topic and "any advisor" fill the gaps. A slug that names
    nothing is a dead link: 404.
    """
    if not offer.types or not offer.topics:
        return None
    ctype, topic, advisor = offer.types[0], None, None
    if slug := values.get("type"):
        ctype = next((t for t in offer.types if t.slug == slug), None) or abort(404)
    wanted = values.get("advisor", ANY_ADVISOR)
    if slug := values.get("topic"):
        topic = next((t for t in offer.topics if t.slug == slug), None) or abort(404)
    elif wanted != ANY_ADVISOR:
        topic = next((t for t in offer.topics if offer.advises(t, wanted)), None)
    topic = topic or offer.topics[0]
    team = offer.team(topic, ctype)
    if wanted != ANY_ADVISOR:
        advisor = next((a for a in team if str(a.id) == wanted), None)
    return Choice(ctype, topic, advisor, team)
