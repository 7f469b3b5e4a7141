"""The hub's review of submitted canvases: the queue, assigning, comments and decisions.

Plain functions the review views and tests call; they flush, the view commits. Status
changes go through ``service.apply`` (which records who did it and when and mails the
company), always as ``Actor.REVIEWER``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from app.canvas import service, workflow
from app.canvas.workflow import Action, Actor, Status
from app.extensions import db
from app.models import (
    Advisor,
    Canvas,
    CanvasTransition,
    CanvasVersion,
    Organisation,
    ReviewComment,
    Role,
    User,
)
from app.models.types import utcnow

PAGE_SIZE = 50
DECISIONS = (Action.REQUEST_CHANGES, Action.APPROVE)


class ReviewError(ValueError):
    """Something a reviewer asked for that cannot be done; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


# ---------------------------------------------------------------------------- reviewers


def reviewers() -> list[User]:
    """Everyone who may review: active admins, and active advisors marked as reviewer."""
    marked = sa.select(Advisor.user_id).where(Advisor.is_reviewer, Advisor.active)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.active,
                sa.or_(User.role == Role.ADMIN.value, User.id.in_(marked)),
            )
            .order_by(User.name, User.id)
        )
    )


def assign(canvas: Canvas, assignee: User | None) -> None:
    """Give the canvas to ``assignee`` (a reviewer), or to nobody."""
    if assignee is not None and assignee.id not in {user.id for user in reviewers()}:
        raise ReviewError(_l("Diese Person prüft keine Canvases."))
    canvas.assignee_id = assignee.id if assignee else None
    db.session.flush()


# ----------------------------------------------------------------------------- comments


def add_comment(
    version: CanvasVersion, author: User, body: str, block_key: str | None = None
) -> ReviewComment:
    """A comment on one block of ``version``, or (``block_key`` None) on the whole canvas.

    The form already refused empty and over-long bodies; this is the last line for callers
    that are not forms.
    """
    body = (body or "").replace("\x00", "").strip()
    if not body:
        raise ReviewError(_l("Bitte schreiben Sie einen Kommentar."))
    if len(body) > ReviewComment.BODY_MAX:
        raise ReviewError(_l("Bitte höchstens %(max)d Zeichen.", max=ReviewComment.BODY_MAX))
    if block_key and service.template_of(version.canvas).block(block_key) is None:
        raise ReviewError(_l("Diesen Block gibt es in diesem Canvas nicht."))
    comment = ReviewComment(
        version_id=version.id, block_key=block_key or None, author_id=author.id, body=body
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def set_resolved(comment: ReviewComment, user: User, resolved: bool) -> None:
    """Mark a comment done (who and when), or open it again."""
    if resolved and comment.resolved_at is None:
        comment.resolved_at, comment.resolved_by_id = utcnow(), user.id
    elif not resolved:
        comment.resolved_at, comment.resolved_by_id = None, None
    db.session.flush()


def comment_of(canvas: Canvas, comment_id: int) -> ReviewComment | None:
    """Comment ``comment_id`` if it belongs to a version of ``canvas``."""
    return db.session.scalar(
        sa.select(ReviewComment)
        .join(CanvasVersion, CanvasVersion.id == ReviewComment.version_id)
        .where(ReviewComment.id == comment_id, CanvasVersion.canvas_id == canvas.id)
    )


# ----------------------------------------------------------------------------- workflow


def available_actions(canvas: Canvas, version: CanvasVersion) -> tuple[Action, ...]:
    """What a reviewer may do on the page of ``version``: nothing on an older version; on
    a submitted one, start the review or decide at once (which starts it first)."""
    if version.number != canvas.version_count:
        return ()
    allowed = workflow.actions(canvas.status, Actor.REVIEWER)
    if Action.START_REVIEW in allowed:
        allowed += workflow.actions(Status.IN_REVIEW, Actor.REVIEWER)
    return allowed


def start_review(canvas: Canvas, user: User) -> CanvasTransition:
    return service.apply(canvas, Action.START_REVIEW, user, Actor.REVIEWER)


def decide(canvas: Canvas, user: User, action: Action) -> list[CanvasTransition]:
    """Request changes or approve. A version nobody has started reviewing is started
    first, so the log shows both steps; the company hears only of the decision (a mail
    saying "in review" a second before "approved" is noise).

    IllegalTransition when the status does not allow it, e.g. another reviewer decided a
    moment ago.
    """
    if action not in DECISIONS:
        raise ValueError(f"{action} is no review decision")
    steps = []
    if canvas.status == Status.SUBMITTED:
        steps.append(service.apply(canvas, Action.START_REVIEW, user, Actor.REVIEWER, notify=False))
    steps.append(service.apply(canvas, action, user, Actor.REVIEWER))
    return steps


# -------------------------------------------------------------------------------- queue


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters; ``None`` means any. ``statuses`` empty: those waiting."""

    statuses: tuple[str, ...] = ()
    template: str | None = None
    organisation_id: int | None = None
    assignee: str | None = None  # "none", or a user id as text
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    canvas_id: int
    title: str
    template_key: str
    status: str
    version: int
    submitted_at: datetime
    organisation: str
    assignee_id: int | None
    assignee: str | None
    open_comments: int


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def queue(filters: QueueFilter) -> QueuePage:
    """Submitted canvases, oldest submission first, filtered: one query. The inner part
    picks the page's canvases and counts all matches (a window function, for paging); only
    the page's rows then get their organisation, assignee and open comments."""
    statuses = filters.statuses or tuple(workflow.OPEN_FOR_REVIEW)
    matching = (
        sa.select(Canvas.id, sa.func.count().over().label("total"))
        .where(Canvas.version_count > 0, Canvas.status.in_([str(s) for s in statuses]))
        .order_by(Canvas.submitted_at, Canvas.id)
        .limit(PAGE_SIZE)
        .offset((max(filters.page, 1) - 1) * PAGE_SIZE)
    )
    if filters.template:
        matching = matching.where(Canvas.template_key == filters.template)
    if filters.organisation_id:
        matching = matching.where(Canvas.organisation_id == filters.organisation_id)
    if filters.assignee == "none":
        matching = matching.where(Canvas.assignee_id.is_(None))
    elif filters.assignee:
        matching = matching.where(Canvas.assignee_id == int(filters.assignee))
    page = matching.subquery()
    assignee = aliased(User)
    open_comments = (
        sa.select(sa.func.count(ReviewComment.id))
        .join(CanvasVersion, CanvasVersion.id == ReviewComment.version_id)
        .where(CanvasVersion.canvas_id == Canvas.id, ReviewComment.resolved_at.is_(None))
        .correlate(Canvas)
        .scalar_subquery()
    )
    query = (
        sa.select(
            Canvas.id,
            Canvas.title,
            Canvas.template_key,
            Canvas.status,
            Canvas.version_count,
            Canvas.submitted_at,
            Organisation.name,
            Canvas.assignee_id,
            assignee.name,
            open_comments,
            page.c.total,
        )
        .join(page, page.c.id == Canvas.id)
        .join(Organisation, Organisation.id == Canvas.organisation_id)
        .outerjoin(assignee, assignee.id == Canvas.assignee_id)
        .order_by(Canvas.submitted_at, Canvas.id)
    )
    result = db.session.execute(query).all()
    rows = [QueueRow(*row[:-1]) for row in result]
    return QueuePage(rows=rows, total=result[0][-1] if result else 0, page=filters.page)


def organisations_with_submissions() -> list[tuple[int, str]]:
    """For the queue's organisation filter: every organisation that ever submitted."""
    return list(
        db.session.execute(
            sa.select(Organisation.id, Organisation.name)
            .where(
                sa.exists().where(
                    Canvas.organisation_id == Organisation.id, Canvas.version_count > 0
                )
            )
            .order_by(Organisation.name)
        )
    )
