"""Public pages: the hub's home page, imprint, privacy notice, language switch (the probes
are in app/health.py)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.i18n import format_day, is_known_locale, remember_locale, select_timezone
from app.main import bp, legal, queries
from app.models.legal import LegalDocument, LegalKind
from app.web import redirect_target, render


@bp.get("/")
def index():
    """The hub: what it offers, its topics and advisors, and where to start."""
    return render("main/index.html", offer=queries.home_offer())


@bp.get("/impressum")
def imprint():
    """Legal notice (Impressum, § 5 DDG): the latest published version, else the built-in
    text (templates/main/legal_imprint_builtin.html)."""
    return _legal_page(LegalKind.IMPRINT, legal.current(LegalKind.IMPRINT))


@bp.get("/datenschutz")
def privacy():
    """Privacy notice (Art. 13 DSGVO): the latest published version, else the built-in
    text (templates/main/legal_privacy_builtin.html)."""
    return _legal_page(LegalKind.PRIVACY, legal.current(LegalKind.PRIVACY))


@bp.get("/datenschutz/version/<int:number>")
def privacy_version(number: int):
    """An earlier privacy notice, e.g. the one a guest consented to; 0 is the built-in."""
    newest = LegalDocument.number_in_force(LegalKind.PRIVACY)
    document = legal.version(LegalKind.PRIVACY, number) if number else None
    if number > newest or (number and document is None):
        abort(404)
    return _legal_page(LegalKind.PRIVACY, document, number=number, newer=number < newest)


@bp.app_template_global("privacy_version_number")
def privacy_version_number() -> int:
    """The privacy notice's version in force, for links to exactly that text."""
    return LegalDocument.number_in_force(LegalKind.PRIVACY)


def _legal_page(kind: LegalKind, document, number: int | None = None, newer: bool = False):
    locale = str(get_locale() or "de")
    context = {"document": document, "newer": newer, "number": number}
    if document is not None:
        text, fallback = legal.body(document, locale)
        moment = document.published_at.astimezone(ZoneInfo(select_timezone()))
        context.update(
            html=legal.render_markdown(text),
            fallback=fallback,
            stand=format_day(moment.date(), "short_date"),
        )
    page = "main/imprint.html" if kind == LegalKind.IMPRINT else "main/privacy.html"
    current_url = url_for("main.imprint" if kind == LegalKind.IMPRINT else "main.privacy")
    return render(page, current_url=current_url, **context)


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
