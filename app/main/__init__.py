from flask import Blueprint

from app.main import avatars, navigation

bp = Blueprint("main", __name__)
bp.add_app_template_filter(avatars.initials, "initials")
bp.add_app_template_filter(avatars.colour_index, "avatar_colour")
bp.add_app_template_global(navigation.aria_current, "aria_current")

from app.main import photos, routes  # noqa: E402,F401
