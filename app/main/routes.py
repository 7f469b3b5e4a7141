"""Public pages: the hub's home page, imprint, privacy notice, language switch, health."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, jsonify, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.i18n import is_known_locale, remember_locale
from app.main import bp, queries
from app.web import redirect_target, render


@bp.get("/")
def index():
    """The hub: what it offers, its topics and advisors, and where to start."""
    return render("main/index.html", offer=queries.home_offer())


@bp.get("/impressum")
def imprint():
    """Legal notice (Impressum, § 5 DDG); edit templates/main/imprint.html."""
    return render("main/imprint.html")


@bp.get("/datenschutz")
def privacy():
    """Privacy notice (Art. 13 DSGVO); edit templates/main/privacy.html."""
    return render("main/privacy.html")


@bp.post("/sprache")
def set_language():
    """Switch the language and remember it: in the profile, else in a cookie."""
    code = request.form.get("lang", "")
    response = redirect(redirect_target())
    if not is_known_locale(code):
        flash(_("Diese Sprache wird nicht angeboten."), "error")
        return response
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return remember_locale(response, code)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("health check: database unreachable")
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
