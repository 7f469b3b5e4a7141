"""The live preview of the free times an advisor's settings produce.

Pages of the workspace include the panel (``advisor/_preview_panel.html``) rendered with
the page; after each change saved with HTMX the response triggers ``calendar-changed``
and the panel fetches itself again from here.
"""

from __future__ import annotations

from flask import request

from app.advisor import bp, preview
from app.advisor.workspace import current_advisor
from app.auth.access import role_required
from app.models import Role
from app.models.types import utcnow
from app.web import render


@bp.get("/vorschau")
@role_required(Role.ADVISOR)
def preview_panel():
    """The preview as a page of its own (or, for HTMX, the panel), for one offered type."""
    advisor = current_advisor()
    shown = preview.build(advisor, utcnow(), request.args.get("type"))
    return render("advisor/preview.html", block="preview", alerts=False, preview=shown)
