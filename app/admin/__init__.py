"""The hub's administration (``/admin``): the dashboard, people and organisations,
advisors, what the hub offers, the legal texts, data-protection requests and the audit log."""

from functools import partial

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.web import served

bp = Blueprint("admin", __name__)

# The administration's sections, in the order of its navigation.
SECTIONS = (
    ("admin.dashboard", _l("Übersicht")),
    ("admin.users", _l("Konten")),
    ("admin.organisations", _l("Organisationen")),
    ("admin.advisors", _l("Beraterinnen und Berater")),
    ("admin.consultation_types", _l("Beratungsarten")),
    ("admin.topics", _l("Themen")),
    ("admin.legal_texts", _l("Rechtstexte")),
    ("admin.privacy_requests", lazy_pgettext("Verwaltung", "Datenschutz")),
    ("admin.audit_log", _l("Protokoll")),
)

bp.add_app_template_global(partial(served, SECTIONS), "admin_sections")

from app.admin import (  # noqa: E402,F401
    advisor_routes,
    audit_routes,
    catalog,
    dashboard_routes,
    legal_routes,
    privacy_routes,
    routes,
)
