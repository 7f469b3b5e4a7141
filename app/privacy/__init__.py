"""Data protection self-service (``/konto/datenschutz``): what we store about a person,
their data to take away, and deleting their account. The services (export, erasure,
retention) are used by the administration and the worker too."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from app.privacy import routes  # noqa: E402,F401
