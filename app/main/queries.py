"""Read-only queries behind the public pages."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.booking.choice import current_offer
from app.extensions import db
from app.models import Advisor, ConsultationType, Topic, User


def active_advisors() -> list[Advisor]:
    """Advisors with their user and topics loaded: three queries however many there are."""
    return list(
        db.session.scalars(
            sa.select(Advisor)
            .join(Advisor.user)
            .where(Advisor.active, User.active)
            .options(selectinload(Advisor.user), selectinload(Advisor.topics))
            .order_by(User.name)
        )
    )


@dataclass(frozen=True)
class HomeOffer:
    """What the home page shows, each card a way into the picker with that choice made."""

    types: list[ConsultationType]  # active
    topics: list[Topic]  # with at least one bookable advisor
    advisors: list[Advisor]  # bookable, advising on at least one topic

    @property
    def bookable(self) -> bool:
        """Online booking is possible at all: the picker needs a type and a topic."""
        return bool(self.types and self.topics)


def home_offer() -> HomeOffer:
    """Only what can be booked: a card that leads to an empty picker would be a dead end.

    The same rules as the picker's (``current_offer``), so every card's link is one the
    picker accepts; a fixed number of queries however many advisors there are.
    """
    offer = current_offer()
    offered = {topic.id for topic in offer.topics}
    advisors = [
        advisor
        for advisor in active_advisors()
        if any(t.id in offered for t in advisor.topics) and advisor.is_bookable
    ]
    return HomeOffer(offer.types, offer.topics, advisors)
