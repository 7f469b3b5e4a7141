"""The review's forms: a comment, assigning a reviewer, and the queue's filters (a GET
form, read leniently: an unknown value in the address means "any", never an error)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField

from app.canvas import templates
from app.canvas.review import QueueFilter
from app.forms import Form, max_length, required
from app.models import ReviewComment
from app.models.canvas import STATUSES

ALL_STATUSES = "alle"
UNASSIGNED = "niemand"
MINE = "ich"
PAGE_MAX = 10_000


class CommentForm(Form):
    body_max = ReviewComment.BODY_MAX
    body = TextAreaField(
        _l("Kommentar"),
        validators=[
            required(_l("Bitte schreiben Sie einen Kommentar.")),
            max_length(ReviewComment.BODY_MAX),
        ],
    )


class AssignForm(Form):
    assignee = SelectField(_l("Zuständig"), validate_choice=True)

    def __init__(self, reviewers, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.assignee.choices = [("", _l("niemand"))] + [
            (str(user.id), user.name) for user in reviewers
        ]


def _number(value: str | None, limit: int) -> int | None:
    if value and value.isascii() and value.isdigit() and len(value) <= len(str(limit)):
        return min(int(value), limit)
    return None


def queue_filter(args: Mapping[str, str], me_id: int) -> QueueFilter:
    """The filters in the queue's address (``status``, ``vorlage``, ``organisation``,
    ``zustaendig``, ``seite``)."""
    status = args.get("status", "")
    statuses = STATUSES if status == ALL_STATUSES else ((status,) if status in STATUSES else ())
    assignee = args.get("zustaendig", "")
    if assignee == MINE:
        assignee = str(me_id)
    elif assignee != UNASSIGNED:
        number = _number(assignee, 2**31)
        assignee = str(number) if number else None
    else:
        assignee = "none"
    template = args.get("vorlage")
    return QueueFilter(
        statuses=tuple(statuses),
        template=template if templates.get(template) else None,
        organisation_id=_number(args.get("organisation"), 2**31),
        assignee=assignee,
        page=_number(args.get("seite"), PAGE_MAX) or 1,
    )
