from flask import Blueprint

from app.booking import freshness, labels  # noqa: F401  (freshness registers its listener)

bp = Blueprint("booking", __name__)
bp.add_app_template_filter(labels.location, "location")
bp.add_app_template_filter(labels.status, "booking_status")
bp.add_app_template_filter(labels.what, "what")

from app.booking import manage, routes  # noqa: E402,F401
