from flask import Blueprint

from app.booking import freshness, labels  # noqa: F401  (freshness registers its listener)

bp = Blueprint("booking", __name__)
bp.add_app_template_filter(labels.location, "location")
bp.add_app_template_filter(labels.status, "booking_status")
bp.add_app_template_filter(labels.what, "what")
bp.add_app_template_filter(labels.where, "where")
bp.add_app_template_filter(labels.video_link, "video_link")

from app.booking import downloads, manage, routes  # noqa: E402,F401
