"""Business-model canvases: the draft's sticky notes, frozen versions, review comments and
the log of workflow transitions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.users import Organisation, User

STATUSES = ("draft", "submitted", "in_review", "changes_requested", "approved")


class Canvas(db.Model):
    """An organisation's canvas. Its notes are the live draft every member edits; each
    submit freezes them as a numbered ``CanvasVersion``. ``status`` (see
    ``app/canvas/workflow.py``) is the review state of the newest version."""

    TITLE_MAX = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE")
    )
    template_key: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    # The language the canvas is written in: its PDF and export use it.
    locale: Mapped[str] = mapped_column(sa.String(5), default="de")
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    # What each colour means on this canvas ({"green": "validiert", …}); empty: no legend.
    legend: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The reviewer who took it (None: nobody yet).
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the newest version was submitted: the review queue serves the oldest first.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version_count: Mapped[int] = mapped_column(default=0, server_default="0")

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'in_review', 'changes_requested', 'approved')",
            name="status",
        ),
        sa.Index("ix_canvas_organisation", "organisation_id", "updated_at"),
        sa.Index("ix_canvas_review_queue", "status", "submitted_at"),
    )

    def __repr__(self) -> str:
        return f"<Canvas {self.id} {self.template_key} {self.status}>"


class CanvasNote(db.Model):
    """A sticky note of a canvas's draft. ``version`` goes up with every change, so an
    update sent against an older version is refused instead of overwriting a colleague's
    edit. A deleted note keeps its row for a while (``deleted_at``), so it can be undone."""

    TEXT_MAX = 1000
    PER_BLOCK_MAX = 60
    KINDS = ("hypothesis", "fact")

    id: Mapped[int] = mapped_column(primary_key=True)
    canvas_id: Mapped[int] = mapped_column(sa.ForeignKey("canvas.id", ondelete="CASCADE"))
    block_key: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)
    colour: Mapped[str] = mapped_column(sa.String(10), default="yellow")
    kind: Mapped[str] = mapped_column(sa.String(10), default="hypothesis")
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    canvas: Mapped[Canvas] = relationship()

    __table_args__ = (
        sa.CheckConstraint("kind IN ('hypothesis', 'fact')", name="kind"),
        sa.Index("ix_canvas_note_block", "canvas_id", "block_key", "position"),
    )

    def __repr__(self) -> str:
        return f"<CanvasNote {self.id} {self.block_key} v{self.version}>"


class CanvasVersion(db.Model):
    """A submitted canvas, frozen: ``snapshot`` holds the notes in the JSON format of
    ``app/canvas/snapshot.py``. Never changed after it is written."""

    id: Mapped[int] = mapped_column(primary_key=True)
    canvas_id: Mapped[int] = mapped_column(sa.ForeignKey("canvas.id", ondelete="CASCADE"))
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    canvas: Mapped[Canvas] = relationship()
    submitted_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("canvas_id", "number", name="uq_canvas_version_number"),)

    def __repr__(self) -> str:
        return f"<CanvasVersion {self.canvas_id} v{self.number}>"


class ReviewComment(db.Model):
    """A reviewer's comment on one block (``block_key``) or, without one, on the whole
    canvas. It belongs to the version it was written on, so later edits never detach it."""

    BODY_MAX = 4000

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("canvas_version.id", ondelete="CASCADE"))
    block_key: Mapped[str | None] = mapped_column(sa.String(40))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    version: Mapped[CanvasVersion] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    __table_args__ = (sa.Index("ix_review_comment_version", "version_id", "created_at"),)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class CanvasTransition(db.Model):
    """Who moved a canvas from one status to the next, and when: the time spent in each
    status can be reported from these rows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    canvas_id: Mapped[int] = mapped_column(sa.ForeignKey("canvas.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("canvas_version.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(sa.String(20))
    from_status: Mapped[str] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_canvas_transition_canvas", "canvas_id", "at"),)
