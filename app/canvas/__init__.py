"""Business-model canvases (``/canvas``): the company's draft with its sticky notes,
frozen versions and their comparison, exports, and the hub's review of submitted versions.
"""

from flask import Blueprint
from flask_login import current_user

from app.canvas.labels import status_label, status_message

bp = Blueprint("canvas", __name__)
bp.add_app_template_global(status_label, "canvas_status_label")
bp.add_app_template_global(status_message, "canvas_status_message")


@bp.app_template_global("canvas_reviewer")
def _is_reviewer() -> bool:
    from app.canvas.access import is_reviewer

    return is_reviewer(current_user)


from app.canvas import (  # noqa: E402,F401
    editor,
    export_routes,
    grid,
    note_routes,
    review_routes,
    version_routes,
)
