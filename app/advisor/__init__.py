"""The advisor workspace (``/berater``): agenda, weekly hours, absences, booking rules,
the calendar connections (feed, busy-time import, video link) and each booking's details
with private notes and the outcome."""

from flask import Blueprint

bp = Blueprint("advisor", __name__)

from app.advisor import agenda_routes  # noqa: E402, F401
from app.advisor import booking_routes, preview_routes, routes, workspace  # noqa: E402, F401
from app.advisor import exception_routes  # noqa: E402, F401
from app.advisor import hours_routes, settings  # noqa: E402, F401

bp.add_app_template_global(workspace.sections, "workspace_sections")

__all__ = ["bp", "preview_routes", "routes"]
