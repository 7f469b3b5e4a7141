from flask import Blueprint

from app.main import avatars

bp = Blueprint("main", __name__)
bp.add_app_template_filter(avatars.initials, "initials")
bp.add_app_template_filter(avatars.colour_index, "avatar_colour")

from app.main import photos, routes  # noqa: E402,F401
