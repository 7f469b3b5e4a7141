"""The hub's review: the queue of submitted canvases, a version's review page with comments
per block, assigning, and the decisions (request changes, approve).

The queue exists for every reviewer, so others get 403; a canvas or version the viewer may
not review is a 404. Each POST works as a plain form (POST-redirect-GET, back to the block
it was about); with HTMX a comment or its resolution answers with that block's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from babel.dates import TIMEDELTA_UNITS, format_timedelta
from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.canvas import bp, comments, service, templates
from app.canvas import review as reviewing
from app.canvas.access import is_reviewer, reviewable_canvas_or_404, version_or_404
from app.canvas.labels import status_label
from app.canvas.review_forms import (
    ALL_STATUSES,
    MINE,
    UNASSIGNED,
    AssignForm,
    CommentForm,
    queue_filter,
)
from app.canvas.templates import Template
from app.canvas.workflow import Action, IllegalTransition
from app.extensions import db
from app.i18n import localised
from app.models import Canvas, CanvasVersion, User
from app.models.canvas import STATUSES
from app.models.types import utcnow
from app.web import is_safe_redirect_target, render, wants_fragment

QUEUE = "canvas/review_queue.html"
PAGE = "canvas/review.html"
WHOLE_CANVAS = "canvas"  # in addresses and ids: the thread about the canvas as a whole


@bp.get("/pruefung")
@login_required
def review_queue():
    """Submitted canvases, oldest first, with filters; HTMX swaps only the results."""
    if not is_reviewer(current_user):
        abort(403)
    return render(
        QUEUE,
        block="results",
        queue=reviewing.queue(queue_filter(request.args, current_user.id)),
        args=request.args,
        status_labels={status: status_label(status) for status in STATUSES},
        all_statuses=ALL_STATUSES,
        mine=MINE,
        unassigned=UNASSIGNED,
        template_titles={
            key: localised(template, "title") for key, template in templates.TEMPLATES.items()
        },
        organisations=reviewing.organisations_with_submissions(),
        reviewers=reviewing.reviewers(),
        waited=_waiting_time(utcnow()),
    )


def _waiting_time(now: datetime) -> Callable[[datetime], str]:
    """How long a submission has waited until ``now`` ("4 Wochen"), in the viewer's
    language, looked up once for the page (flask-babel's filter did so for every row), and
    each wording written by Babel once: its pattern lookup per row was a tenth of the queue."""
    locale = get_locale()
    said: dict[tuple[str, int], str] = {}

    def waited(since: datetime) -> str:
        delta = now - since
        key = _babel_unit(delta.total_seconds())
        if key not in said:
            said[key] = format_timedelta(delta, granularity="minute", locale=locale)
        return said[key]

    return waited


def _babel_unit(seconds: float) -> tuple[str, int]:
    """The unit and number ``format_timedelta(…, granularity="minute")`` writes for
    ``seconds`` (its default threshold 0.85): the text depends on nothing else."""
    for unit, length in TIMEDELTA_UNITS:
        value = abs(seconds) / length
        if value >= 0.85 or unit == "minute":  # Babel's default threshold
            if unit == "minute" and value > 0:
                value = max(1, value)
            return unit, round(value)
    return "minute", 0  # not reached: the loop ends at minutes


def _thread_key(block: str, canvas: Canvas) -> str | None:
    """The block a comment address names (None: the whole canvas); 404 for no block."""
    if block == WHOLE_CANVAS:
        return None
    if service.template_of(canvas).block(block) is None:
        abort(404)
    return block


def _comment_form(template: Template, key: str | None, formdata=None) -> CommentForm:
    # One form per thread on the page: the prefix keeps their field ids apart, the label
    # says which block it is about.
    form = CommentForm(formdata=formdata, prefix=f"comment-{key or WHOLE_CANVAS}")
    form.body.label.text = (
        _("Kommentar zu „%(block)s“", block=localised(template.block(key), "title"))
        if key
        else _("Kommentar zum ganzen Canvas")
    )
    return form


def _page(
    canvas: Canvas,
    version: CanvasVersion,
    block: str = "content",
    status: int = 200,
    thread: str | None = None,
    failed: CommentForm | None = None,
):
    """The review page of ``version``, or its ``block``. ``thread``: the block key whose
    thread the fragment shows; ``failed``: that thread's form sent back with errors."""
    template = service.template_of(canvas)
    keys = (None, *template.block_keys)
    forms = {key: _comment_form(template, key) for key in keys}
    if failed is not None:
        forms[thread] = failed
    return render(
        PAGE,
        block=block,
        status=status,
        canvas=canvas,
        version=version,
        canvas_template=template,
        layer=template.layer(request.args.get("ebene")),
        blocks=version.snapshot.get("blocks", {}),
        comments=comments.comments_on_version(version),
        forms=forms,
        thread_key=thread,
        whole_canvas=WHOLE_CANVAS,
        is_newest=version.number == canvas.version_count,
        actions=reviewing.available_actions(canvas, version),
        assign_form=AssignForm(
            reviewing.reviewers(), formdata=None, assignee=str(canvas.assignee_id or "")
        ),
    )


def _review_url(canvas: Canvas, number: int, key: str | None = None) -> str:
    anchor = f"block-{key}" if key else "canvas-comments"
    return url_for("canvas.review", canvas_id=canvas.id, number=number, _anchor=anchor)


@bp.get("/<int:canvas_id>/pruefung/<int:number>")
@login_required
def review(canvas_id: int, number: int):
    """Version ``number`` on the board, with its comments next to the blocks."""
    canvas = reviewable_canvas_or_404(canvas_id)
    return _page(canvas, version_or_404(canvas, number))


@bp.post("/<int:canvas_id>/pruefung/<int:number>/kommentar/<block>")
@login_required
def comment(canvas_id: int, number: int, block: str):
    """Comment on a block of the newest version (``canvas``: on the whole canvas)."""
    canvas = reviewable_canvas_or_404(canvas_id)
    version = version_or_404(canvas, number)
    key = _thread_key(block, canvas)
    if number != canvas.version_count:
        flash(
            _(
                "Version %(number)s ist nicht mehr die neueste: Bitte kommentieren Sie "
                "Version %(newest)s.",
                number=number,
                newest=canvas.version_count,
            ),
            "error",
        )
        return redirect(_review_url(canvas, canvas.version_count, key))
    form = _comment_form(service.template_of(canvas), key, request.form)
    if form.validate_on_submit():
        try:
            reviewing.add_comment(version, current_user, form.body.data, key)
        except reviewing.ReviewError as error:
            form.body.errors = [error.message]
        else:
            db.session.commit()
            if wants_fragment():
                return _page(canvas, version, "comment_thread", thread=key)
            return redirect(_review_url(canvas, number, key))
    return _page(canvas, version, "comment_thread", 422, thread=key, failed=form)


@bp.post("/<int:canvas_id>/pruefung/kommentar/<int:comment_id>")
@login_required
def resolve_comment(canvas_id: int, comment_id: int):
    """Mark a comment done (``erledigt=1``), or open it again (``erledigt=0``)."""
    canvas = reviewable_canvas_or_404(canvas_id)
    found = reviewing.comment_of(canvas, comment_id)
    if found is None:
        abort(404)
    reviewing.set_resolved(found, current_user, request.form.get("erledigt") == "1")
    db.session.commit()
    version, key = found.version, found.block_key
    if wants_fragment():
        return _page(canvas, version, "comment_thread", thread=key)
    return redirect(_review_url(canvas, version.number, key))


@bp.post("/<int:canvas_id>/zuweisen")
@login_required
def assign(canvas_id: int):
    """Give the canvas to a reviewer (oneself or another), or to nobody."""
    canvas = reviewable_canvas_or_404(canvas_id)
    form = AssignForm(reviewing.reviewers())
    if form.validate_on_submit():
        assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
        reviewing.assign(canvas, assignee)
        db.session.commit()
        if assignee is None:
            flash(_("„%(title)s“ ist niemandem zugewiesen.", title=canvas.title), "success")
        else:
            flash(
                _("„%(title)s“ prüft jetzt %(name)s.", title=canvas.title, name=assignee.name),
                "success",
            )
    else:
        flash(_("Diese Person prüft keine Canvases."), "error")
    target = request.form.get("next")
    if is_safe_redirect_target(target):
        return redirect(target)
    return redirect(_review_url(canvas, canvas.version_count))


DONE = {
    Action.START_REVIEW: lambda title: _("Sie prüfen jetzt „%(title)s“.", title=title),
    Action.REQUEST_CHANGES: lambda title: _(
        "Änderungen für „%(title)s“ erbeten. Das Unternehmen bekommt eine E-Mail.", title=title
    ),
    Action.APPROVE: lambda title: _(
        "„%(title)s“ ist freigegeben. Das Unternehmen bekommt eine E-Mail.", title=title
    ),
}


def _move(canvas_id: int, number: int, action: Action):
    """Start the review or decide on version ``number``, which must still be the newest;
    a step the workflow no longer allows (another reviewer was quicker) is explained."""
    canvas = reviewable_canvas_or_404(canvas_id)
    version_or_404(canvas, number)
    if number != canvas.version_count:
        flash(
            _(
                "Inzwischen gibt es Version %(number)s. Bitte prüfen Sie diese.",
                number=canvas.version_count,
            ),
            "error",
        )
        return redirect(_review_url(canvas, canvas.version_count))
    try:
        if action == Action.START_REVIEW:
            reviewing.start_review(canvas, current_user)
        else:
            reviewing.decide(canvas, current_user, action)
    except IllegalTransition:
        db.session.rollback()
        db.session.refresh(canvas)
        flash(
            _(
                "Das geht nicht mehr: „%(title)s“ ist inzwischen „%(status)s“.",
                title=canvas.title,
                status=status_label(canvas.status),
            ),
            "error",
        )
    else:
        db.session.commit()
        flash(DONE[action](canvas.title), "success")
    return redirect(url_for("canvas.review", canvas_id=canvas.id, number=number))


@bp.post("/<int:canvas_id>/pruefung/<int:number>/beginnen")
@login_required
def start_review(canvas_id: int, number: int):
    """Tell the company the hub is looking at its version now."""
    return _move(canvas_id, number, Action.START_REVIEW)


@bp.post("/<int:canvas_id>/pruefung/<int:number>/aenderungen")
@login_required
def request_changes(canvas_id: int, number: int):
    """Send the version back with the comments for the company to work in."""
    return _move(canvas_id, number, Action.REQUEST_CHANGES)


@bp.post("/<int:canvas_id>/pruefung/<int:number>/freigeben")
@login_required
def approve(canvas_id: int, number: int):
    """Approve the version."""
    return _move(canvas_id, number, Action.APPROVE)
