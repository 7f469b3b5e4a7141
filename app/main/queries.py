"""Read-only queries behind the public pages."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.booking.choice import active_types
from app.booking.offer import Person
from app.extensions import db
from app.models import Advisor, ConsultationType, Topic, User
from app.models.booking import advisor_topic


@dataclass(frozen=True)
class TopicCard:
    """A topic as the home page shows it (the attributes of ``Topic`` it reads)."""

    id: int
    slug: str
    name_de: str
    name_en: str
    description_de: str
    description_en: str
    active: bool = True  # only active topics are read


@dataclass(frozen=True)
class AdvisorCard:
    """An advisor as the home page shows them, shaped like ``Advisor`` for the templates
    (``advisor.user.name``, ``advisor.topics``, the avatar macro)."""

    id: int
    photo_token: str | None
    title_de: str
    title_en: str
    bio_de: str
    bio_en: str
    user: Person
    topics: list[TopicCard] = field(default_factory=list)  # active ones, in their order


@dataclass(frozen=True)
class HomeOffer:
    """What the home page shows, each card a way into the picker with that choice made."""

    types: list[ConsultationType]  # active
    topics: list[TopicCard]  # with at least one bookable advisor
    advisors: list[AdvisorCard]  # bookable, advising on at least one active topic

    @property
    def bookable(self) -> bool:
        """Online booking is possible at all: the picker needs a type and a topic."""
        return bool(self.types and self.topics)


def home_offer() -> HomeOffer:
    """Only what can be booked: a card that leads to an empty picker would be a dead end.

    The picker's rules (``app.booking.choice.current_offer``): active types; active topics
    with a bookable advisor (``Advisor.is_bookable``: profile and account active, weekly
    hours); so every card's link is one the picker accepts. Two statements however many
    advisors there are, read as plain rows: nothing here is changed, and building the
    advisors, their accounts and topics as ORM objects (twice, for the topics and for the
    team) was half the page's time.
    """
    rows = db.session.execute(
        sa.select(
            Advisor.id,
            Advisor.photo_token,
            Advisor.title_de,
            Advisor.title_en,
            Advisor.bio_de,
            Advisor.bio_en,
            User.name,
            Topic.id.label("topic_id"),
            Topic.slug,
            Topic.name_de,
            Topic.name_en,
            Topic.description_de,
            Topic.description_en,
            Topic.position,
        )
        .join(User, User.id == Advisor.user_id)
        .join(advisor_topic, advisor_topic.c.advisor_id == Advisor.id)
        .join(Topic, Topic.id == advisor_topic.c.topic_id)
        .where(Advisor.active, User.active, Advisor.has_hours, Topic.active)
        .order_by(User.name, Advisor.id, Topic.position, Topic.id)
    ).all()
    topics: dict[int, tuple[tuple[int, int], TopicCard]] = {}
    advisors: dict[int, AdvisorCard] = {}
    for row in rows:
        if row.topic_id not in topics:
            card = TopicCard(
                row.topic_id,
                row.slug,
                row.name_de,
                row.name_en,
                row.description_de,
                row.description_en,
            )
            topics[row.topic_id] = ((row.position, row.topic_id), card)
        advisor = advisors.get(row.id)
        if advisor is None:
            advisor = advisors[row.id] = AdvisorCard(
                row.id,
                row.photo_token,
                row.title_de,
                row.title_en,
                row.bio_de,
                row.bio_en,
                Person(row.name),
            )
        advisor.topics.append(topics[row.topic_id][1])
    ordered = [card for _, card in sorted(topics.values(), key=lambda item: item[0])]
    return HomeOffer(active_types(), ordered, list(advisors.values()))
