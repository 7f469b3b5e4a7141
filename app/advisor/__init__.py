"""The advisor workspace (``/berater``): agenda, weekly hours, absences, booking rules,
the calendar connections (feed, busy-time import, video link) and each booking's details
with private notes and the outcome."""

from functools import partial

from flask import Blueprint

from app.web import served

bp = Blueprint("advisor", __name__)

from app.advisor import (  # noqa: E402
    agenda_routes,
    booking_routes,
    exception_routes,
    hours_routes,
    preview_routes,
    routes,
    settings,
    workspace,
)

bp.add_app_template_global(partial(served, workspace.SECTIONS), "workspace_sections")

# The route modules register their views on import.
__all__ = [
    "agenda_routes",
    "booking_routes",
    "bp",
    "exception_routes",
    "hours_routes",
    "preview_routes",
    "routes",
    "settings",
]
