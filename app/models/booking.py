"""What the hub advises on and who advises: topics and advisors."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.users import User

advisor_topic = sa.Table(
    "advisor_topic",
    db.metadata,
    sa.Column("advisor_id", sa.ForeignKey("advisor.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


class Topic(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_de: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description_de: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    advisors: Mapped[list[Advisor]] = relationship(secondary=advisor_topic, back_populates="topics")

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class Advisor(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    title_de: Mapped[str] = mapped_column(sa.String(160), default="")
    title_en: Mapped[str] = mapped_column(sa.String(160), default="")
    bio_de: Mapped[str] = mapped_column(sa.Text, default="")
    bio_en: Mapped[str] = mapped_column(sa.Text, default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Berlin")
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()
    topics: Mapped[list[Topic]] = relationship(
        secondary=advisor_topic, back_populates="advisors", order_by=Topic.position
    )

    def __repr__(self) -> str:
        return f"<Advisor {self.user_id}>"
