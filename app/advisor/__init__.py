"""The advisor workspace (``/berater``): for now the Kalender page — the subscription feed,
a fixed video link and the import of busy times from the advisor's own calendar."""

from flask import Blueprint

bp = Blueprint("advisor", __name__)

from app.advisor import routes  # noqa: E402,F401
