"""Mail about a canvas's review: every transition tells the organisation's members; a new
version of a canvas a reviewer has taken also tells that reviewer."""

from __future__ import annotations

import sqlalchemy as sa

from app.canvas.access import is_reviewer
from app.canvas.workflow import Action
from app.extensions import db
from app.mail import enqueue_mail
from app.models import Canvas, CanvasTransition, Role, User
from app.web import external_url


def status_changed(canvas: Canvas, transition: CanvasTransition) -> None:
    """One mail per active member, in the member's language, linking to the canvas."""
    members = db.session.scalars(
        sa.select(User).where(
            User.organisation_id == canvas.organisation_id,
            User.role == Role.CLIENT.value,
            User.active,
        )
    )
    url = external_url("canvas.show", canvas_id=canvas.id)
    for member in members:
        enqueue_mail(
            member.email,
            "canvas_status",
            locale=member.locale,
            canvas=canvas,
            transition=transition,
            url=url,
            recipient=member,
        )
    if transition.action == Action.SUBMIT:
        _tell_assignee(canvas)


def _tell_assignee(canvas: Canvas) -> None:
    """The reviewer who took the canvas hears of its new version (the queue shows it to
    everyone else); nobody when it is unassigned or the reviewer's account is closed."""
    assignee = canvas.assignee
    if assignee is None or not is_reviewer(assignee):
        return
    enqueue_mail(
        assignee.email,
        "canvas_resubmitted",
        locale=assignee.locale,
        canvas=canvas,
        organisation=canvas.organisation.name,
        url=external_url("canvas.review", canvas_id=canvas.id, number=canvas.version_count),
        recipient=assignee,
    )
