"""The legal texts: admins edit the imprint and the privacy notice as Markdown, preview
them and publish a new version; old versions stay as they were."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.legal_forms import LegalTextForm
from app.auth.access import role_required
from app.main import legal
from app.models import Role
from app.models.legal import LegalKind
from app.web import form_status, render


def _kind(kind: str) -> LegalKind:
    try:
        return LegalKind(kind)
    except ValueError:
        abort(404)


@bp.get("/rechtstexte")
@role_required(Role.ADMIN)
def legal_texts():
    """Both texts: the version in force, who published it when, and every earlier one."""
    texts = [(kind, legal.TITLES[kind], legal.history(kind)) for kind in LegalKind]
    return render("admin/legal_texts.html", texts=texts)


@bp.route("/rechtstexte/<kind>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_legal_text(kind: str):
    """The editor: prefilled with the text in force (or the built-in one as Markdown);
    saving publishes the next version."""
    kind = _kind(kind)
    document = legal.current(kind)
    form = LegalTextForm()
    if request.method == "GET":
        form.based_on.data = str(document.version if document else 0)
        if document is not None:
            form.body_de.data, form.body_en.data = document.body_de, document.body_en
        else:
            form.body_de.data = legal.starting_text(kind, "de")
            form.body_en.data = legal.starting_text(kind, "en")
    conflict = False
    if form.validate_on_submit():
        try:
            published = legal.publish(
                kind,
                form.body_de.data,
                form.body_en.data,
                int(form.based_on.data),
                current_user._get_current_object(),
            )
        except legal.PublishConflict:
            conflict = True
        else:
            flash(
                _(
                    "%(title)s ist als Version %(number)d veröffentlicht.",
                    title=legal.TITLES[kind],
                    number=published.version,
                ),
                "success",
            )
            return redirect(url_for("admin.legal_texts"))
    return _editor(
        kind, document, form, status=409 if conflict else form_status(form), conflict=conflict
    )


@bp.post("/rechtstexte/<kind>/vorschau")
@role_required(Role.ADMIN)
def preview_legal_text(kind: str):
    """How the texts will read, not yet published: the preview section for HTMX, the
    whole editor with the preview for a browser without JavaScript."""
    kind = _kind(kind)
    form = LegalTextForm()
    preview = None
    if form.validate_on_submit():
        preview = {
            "de": legal.render_markdown(form.body_de.data),
            "en": legal.render_markdown(form.body_en.data) if form.body_en.data else None,
        }
    return _editor(
        kind, legal.current(kind), form, status=form_status(form), preview=preview, block="preview"
    )


def _editor(kind, document, form, status, block="form", **context):
    return render(
        "admin/legal_form.html",
        block=block,
        status=status,
        kind=kind,
        title=legal.TITLES[kind],
        document=document,
        form=form,
        **context,
    )
