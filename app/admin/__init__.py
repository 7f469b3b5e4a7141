from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import catalog, routes  # noqa: E402,F401
