"""Words for the canvas workflow, in the viewer's (or the mail recipient's) language."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.canvas.workflow import Status

STATUS_LABELS = {
    Status.DRAFT: _l("Entwurf"),
    Status.SUBMITTED: _l("Eingereicht"),
    Status.IN_REVIEW: _l("In Prüfung"),
    Status.CHANGES_REQUESTED: _l("Änderungen erbeten"),
    Status.APPROVED: _l("Freigegeben"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def status_message(status: str, title: str, number: int, hub: str) -> str:
    """What a canvas's new status means for the company (mail and page)."""
    if status == Status.SUBMITTED:
        return _(
            "Version %(number)s von „%(title)s“ ist zur Prüfung eingereicht. Sie können am "
            "Entwurf weiterarbeiten.",
            number=number,
            title=title,
        )
    if status == Status.IN_REVIEW:
        return _("Das Team von %(hub)s prüft jetzt „%(title)s“.", hub=hub, title=title)
    if status == Status.CHANGES_REQUESTED:
        return _(
            "Für „%(title)s“ wurden Änderungen erbeten. Die Kommentare stehen neben den "
            "Blöcken Ihres Entwurfs.",
            title=title,
        )
    if status == Status.APPROVED:
        return _("„%(title)s“ ist freigegeben.", title=title)
    return ""
