"""Read-only queries behind the public pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Advisor, Topic, User


def topics() -> list[Topic]:
    return list(db.session.scalars(sa.select(Topic).order_by(Topic.position, Topic.slug)))


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
