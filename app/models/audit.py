"""What admins did and which data-protection requests were answered: the audit log.

Rows are inserted by ``app.admin.audit.record``; no page changes or deletes one. The one
change ever made to a row is erasure's (``app.privacy.erasure``): an erased person's name
or address in a label is replaced by the masked address, as everywhere else.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.users import User


class AuditEvent(db.Model):
    """One admin action or data-protection request.

    ``actor`` is None for the system (the retention purge) or an erased account.
    ``target_type``/``target_id`` name the object acted on; ``target_label`` says what it
    was when it happened (a name, a title), so the log still reads after the object
    changed. For an erased person it holds only a masked address, never the data itself.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(40))
    target_type: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    target_id: Mapped[int | None] = mapped_column()
    target_label: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")
    detail: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # The requesting client's address (after ProxyFix); empty for the CLI and the worker.
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="", server_default="")

    actor: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_audit_event_at", "at"),
        sa.Index("ix_audit_event_target", "target_type", "target_id"),
        sa.Index("ix_audit_event_actor", "actor_id", "at"),
    )

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.target_type}:{self.target_id}>"
