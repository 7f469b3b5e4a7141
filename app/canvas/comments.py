"""Reading review comments: the company sees them next to the blocks of its draft, the
reviewer next to the blocks of the version. Writing them is ``app/canvas/review.py``."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Canvas, CanvasVersion, ReviewComment

WHOLE_CANVAS = ""  # the key under which comments on the canvas as a whole are grouped


def _grouped(comments) -> dict[str, list[ReviewComment]]:
    grouped: dict[str, list[ReviewComment]] = defaultdict(list)
    for comment in comments:
        grouped[comment.block_key or WHOLE_CANVAS].append(comment)
    return grouped


def _query():
    # A comment names its version's number; the version's snapshot (every note, as JSON)
    # is not read for it: decoding it once per comment was most of a canvas page's query time.
    return sa.select(ReviewComment).options(
        joinedload(ReviewComment.author),
        joinedload(ReviewComment.version).defer(CanvasVersion.snapshot),
    )


def comments_on_canvas(canvas: Canvas) -> dict[str, list[ReviewComment]]:
    """Every version's comments by block (WHOLE_CANVAS for the canvas as a whole): open
    ones first, then newest first. One query, however many versions and comments."""
    query = (
        _query()
        .join(CanvasVersion, CanvasVersion.id == ReviewComment.version_id)
        .where(CanvasVersion.canvas_id == canvas.id)
        .order_by(
            ReviewComment.resolved_at.is_not(None),
            CanvasVersion.number.desc(),
            ReviewComment.created_at.desc(),
            ReviewComment.id.desc(),
        )
    )
    return _grouped(db.session.scalars(query))


def comments_on_version(version: CanvasVersion) -> dict[str, list[ReviewComment]]:
    """A version's comments by block, in the order they were written (one query)."""
    query = (
        _query()
        .where(ReviewComment.version_id == version.id)
        .order_by(ReviewComment.created_at, ReviewComment.id)
    )
    return _grouped(db.session.scalars(query))
