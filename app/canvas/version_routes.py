"""Submitting a canvas, its frozen versions, and comparing two of them (or one with the
draft) block by block.

Members submit; everyone who may read the canvas (``access.may_read``) sees its versions
and comparisons. Each page runs a fixed number of queries, however many versions, notes
and comments there are.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.canvas import bp, comments, diff, service, workflow
from app.canvas.access import (
    editable_canvas_or_404,
    is_member,
    readable_canvas_or_404,
    version_or_404,
)
from app.canvas.labels import status_message
from app.canvas.workflow import Action, Actor, IllegalTransition, Status
from app.edges import MAX_ID
from app.extensions import db
from app.models import Canvas, CanvasTransition, CanvasVersion, ReviewComment
from app.web import render

DRAFT = "entwurf"  # in the comparison's address: the live draft instead of a version


@bp.post("/<int:canvas_id>/einreichen")
@login_required
def submit(canvas_id: int):
    """Freeze the draft as the next version and send it for review."""
    canvas = editable_canvas_or_404(canvas_id)
    try:
        version = service.submit(canvas, current_user)
    except service.EmptyCanvas:
        db.session.rollback()
        flash(
            _("Der Canvas ist leer. Fügen Sie zuerst Notizen hinzu, dann reichen Sie ihn ein."),
            "error",
        )
        return redirect(url_for("canvas.show", canvas_id=canvas_id))
    except IllegalTransition as refused:
        db.session.rollback()
        flash(_refusal(refused.status, canvas.version_count), "error")
        return redirect(url_for("canvas.show", canvas_id=canvas_id))
    db.session.commit()
    flash(
        status_message(
            Status.SUBMITTED, canvas.title, version.number, current_app.config["HUB_NAME"]
        ),
        "success",
    )
    return redirect(url_for("canvas.version", canvas_id=canvas_id, number=version.number))


def _refusal(status: str, number: int) -> str:
    """Why a submit was refused, in the words of the canvas's status."""
    if status == Status.IN_REVIEW:
        return _(
            "Version %(number)s wird gerade geprüft. Sie können erst nach der Prüfung eine "
            "neue Version einreichen; am Entwurf weiterarbeiten können Sie jederzeit.",
            number=number,
        )
    return _(
        "Version %(number)s wartet bereits auf die Prüfung. Eine neue Version können Sie "
        "einreichen, sobald sie geprüft ist; am Entwurf weiterarbeiten können Sie jederzeit.",
        number=number,
    )


def _versions(canvas: Canvas) -> list[CanvasVersion]:
    """Newest first, with who submitted each (one query)."""
    return list(
        db.session.scalars(
            sa.select(CanvasVersion)
            .options(joinedload(CanvasVersion.submitted_by))
            .where(CanvasVersion.canvas_id == canvas.id)
            .order_by(CanvasVersion.number.desc())
        )
    )


def _status_of_versions(canvas: Canvas) -> dict[int, str]:
    """Each version's status: where its last transition left it (one query)."""
    reached: dict[int, str] = {}
    rows = db.session.execute(
        sa.select(CanvasTransition.version_id, CanvasTransition.to_status)
        .where(CanvasTransition.canvas_id == canvas.id)
        .order_by(CanvasTransition.at, CanvasTransition.id)
    )
    for version_id, status in rows:
        reached[version_id] = status
    return reached


def _open_comments(canvas: Canvas) -> dict[int, int]:
    """Open review comments per version id (one query)."""
    rows = db.session.execute(
        sa.select(ReviewComment.version_id, sa.func.count(ReviewComment.id))
        .join(CanvasVersion, CanvasVersion.id == ReviewComment.version_id)
        .where(CanvasVersion.canvas_id == canvas.id, ReviewComment.resolved_at.is_(None))
        .group_by(ReviewComment.version_id)
    )
    return defaultdict(int, dict(rows.all()))


@bp.get("/<int:canvas_id>/versionen")
@login_required
def versions(canvas_id: int):
    canvas = readable_canvas_or_404(canvas_id)
    return render(
        "canvas/versions.html",
        canvas=canvas,
        versions=_versions(canvas),
        statuses=_status_of_versions(canvas),
        open_comments=_open_comments(canvas),
        is_member=is_member(current_user, canvas),
        may_submit=workflow.is_allowed(canvas.status, Action.SUBMIT, Actor.MEMBER),
        draft=DRAFT,
    )


@bp.get("/<int:canvas_id>/versionen/<int:number>")
@login_required
def version(canvas_id: int, number: int):
    """A version read-only, as submitted, with the reviewers' comments on it."""
    canvas = readable_canvas_or_404(canvas_id)
    frozen = version_or_404(canvas, number)
    template = service.template_of(canvas)
    return render(
        "canvas/version.html",
        canvas=canvas,
        version=frozen,
        canvas_template=template,
        layer=template.layer(request.args.get("ebene")),
        blocks=frozen.snapshot.get("blocks", {}),
        comments=comments.comments_on_version(frozen),
        is_member=is_member(current_user, canvas),
        draft=DRAFT,
    )


def version_from_query(canvas: Canvas, value: str) -> CanvasVersion:
    """The version a query parameter names (``?version=2``); 404 for no such version and
    for anything that is no number a column holds."""
    if not (value.isascii() and value.isdecimal() and len(value) <= 10) or int(value) > MAX_ID:
        abort(404)
    return version_or_404(canvas, int(value))


def _side(canvas: Canvas, value: str | None, default: str) -> tuple[str, dict, str]:
    """One side of a comparison from its address value: (value, snapshot, label)."""
    value = (value or default).strip().lower()
    if value == DRAFT:
        return DRAFT, service.draft_snapshot(canvas), _("Entwurf")
    frozen = version_from_query(canvas, value)
    return value, frozen.snapshot, _("Version %(number)s", number=frozen.number)


@bp.get("/<int:canvas_id>/vergleich")
@login_required
def compare(canvas_id: int):
    """Two versions (``von``, ``bis``; ``bis=entwurf`` for the draft) side by side. The
    defaults compare the newest version with the one before it, or with the draft when
    there is only one."""
    canvas = readable_canvas_or_404(canvas_id)
    if not canvas.version_count:
        flash(_("Es gibt noch keine eingereichte Version zum Vergleichen."), "error")
        return redirect(url_for("canvas.versions", canvas_id=canvas_id))
    newest = canvas.version_count
    default_from, default_to = (
        (str(newest - 1), str(newest)) if newest > 1 else (str(newest), DRAFT)
    )
    before_value, before, before_label = _side(canvas, request.args.get("von"), default_from)
    after_value, after, after_label = _side(canvas, request.args.get("bis"), default_to)
    template = service.template_of(canvas)
    return render(
        "canvas/compare.html",
        canvas=canvas,
        canvas_template=template,
        result=diff.compare(before, after),
        before_value=before_value,
        after_value=after_value,
        before_label=before_label,
        after_label=after_label,
        choices=[(str(n), _("Version %(number)s", number=n)) for n in range(newest, 0, -1)],
        draft=DRAFT,
        only_changes=request.args.get("nur") == "aenderungen",
        is_member=is_member(current_user, canvas),
    )
