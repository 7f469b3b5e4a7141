"""The hub's legal texts, edited by admins: imprint and privacy notice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.users import User


class LegalKind(StrEnum):
    IMPRINT = "imprint"
    PRIVACY = "privacy"


class LegalDocument(db.Model):
    """One published version of a legal text. Saving publishes a new version and never
    changes an old one, so the privacy notice a guest consented to can always be shown.

    Until an admin publishes the first version, the built-in template is version 0.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column()
    body_de: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    published_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("kind", "version", name="uq_legal_document_version"),
        sa.CheckConstraint("kind IN ('imprint', 'privacy')", name="kind"),
    )

    def __repr__(self) -> str:
        return f"<LegalDocument {self.kind} v{self.version}>"

    @classmethod
    def number_in_force(cls, kind: LegalKind | str) -> int:
        """The version of ``kind`` in force: 0 (the built-in text) until one is published."""
        found = db.session.scalar(sa.select(sa.func.max(cls.version)).where(cls.kind == str(kind)))
        return found or 0
