"""The dashboard's canvas figures: canvases by status, and the median time from a
submission to the reviewer's decision, in SQL."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.admin.date_range import DateRange
from app.admin.sql_time import epoch, is_postgres
from app.canvas.workflow import Action, Status
from app.models import Canvas, CanvasTransition

DECISIONS = (Action.REQUEST_CHANGES.value, Action.APPROVE.value)
CANVAS_STATUSES = tuple(status.value for status in Status)


@dataclass(frozen=True)
class CanvasFigures:
    by_status: dict[str, int]  # today's status of every canvas
    decisions: int  # decisions made in the range
    median_hours: float | None  # from the submission to the decision


def canvas_figures(session: Session, span: DateRange) -> CanvasFigures:
    """Every canvas by its current status (one query), and the median time from a
    submission to the reviewer's decision (changes requested or approved) for decisions in
    the range: each decision measured from the latest submission of its canvas before it,
    in SQL (PostgreSQL's ``percentile_cont``; on SQLite the sorted durations, one column of
    one query)."""
    counts = dict(
        session.execute(sa.select(Canvas.status, sa.func.count()).group_by(Canvas.status)).all()
    )
    by_status = {status: int(counts.get(status, 0)) for status in CANVAS_STATUSES}

    decision = aliased(CanvasTransition)
    submission = aliased(CanvasTransition)
    submitted = (
        sa.select(sa.func.max(submission.at))
        .where(
            submission.canvas_id == decision.canvas_id,
            submission.action == Action.SUBMIT.value,
            submission.at <= decision.at,
        )
        .scalar_subquery()
    )
    waited = (epoch(session, decision.at) - epoch(session, submitted)).label("waited")
    durations = (
        sa.select(waited)
        .where(
            decision.action.in_(DECISIONS),
            decision.at >= span.start,
            decision.at < span.end,
        )
        .subquery()
    )
    valid = durations.c.waited.is_not(None)
    if is_postgres(session):
        count, median = session.execute(
            sa.select(
                sa.func.count(durations.c.waited),
                sa.func.percentile_cont(0.5).within_group(durations.c.waited),
            ).where(valid)
        ).one()
        median = float(median) if median is not None else None
    else:
        values = session.scalars(
            sa.select(durations.c.waited).where(valid).order_by(durations.c.waited)
        ).all()
        count = len(values)
        median = statistics.median(values) if values else None
    return CanvasFigures(
        by_status,
        int(count or 0),
        median / 3600 if median is not None else None,
    )


__all__ = ["canvas_figures"]
