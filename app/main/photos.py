"""Advisor portraits: upload and remove (the advisor themself or an admin), and serve them.

A photo's URL carries a random token that changes with every upload, so browsers and
proxies may keep it for a year: a new photo is a new URL, a removed one a 404.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.errors import forget_unreadable_body, handle_http_error
from app.extensions import db
from app.forms import Form
from app.main import bp
from app.main.portraits import CONTENT_TYPE, PortraitRejected, portrait_from_upload
from app.models import Advisor, AdvisorPhoto, User
from app.web import render

MEGABYTE = 1024 * 1024
# Room for the CSRF token and the multipart framing around the photo.
FORM_OVERHEAD = 64 * 1024


class PhotoForm(Form):
    photo = FileField(
        _l("Foto"),
        description=_l(
            "JPEG, PNG oder WebP. Wir schneiden es quadratisch zu und entfernen Angaben wie "
            "Aufnahmeort und Kamera."
        ),
        validators=[FileRequired(_l("Bitte wählen Sie ein Foto aus."))],
    )


class RemovePhotoForm(Form):
    """Only the CSRF token: removing needs no input."""


def profile_context(user: User) -> dict:
    """What the profile page needs for its photo section (nothing for non-advisors)."""
    advisor = Advisor.of_user(user) if user.is_advisor else None
    return {"photo_advisor": advisor, "photo_form": PhotoForm(formdata=None)}


def replace_photo(advisor: Advisor, image: bytes | None) -> None:
    """Store ``image`` as the advisor's photo under a new token; None removes it."""
    photo = db.session.get(AdvisorPhoto, advisor.id)
    if image is None:
        if photo is not None:
            db.session.delete(photo)
        advisor.photo_token = None
        return
    if photo is None:
        photo = AdvisorPhoto(advisor_id=advisor.id)
        db.session.add(photo)
    photo.image, photo.content_type = image, CONTENT_TYPE
    advisor.photo_token = secrets.token_urlsafe(16)


def explain(rejected: PortraitRejected) -> str:
    config = current_app.config
    if rejected.reason == "too_big":
        return _(
            "Das Foto ist größer als %(size)s MB. Bitte wählen Sie ein kleineres Bild "
            "oder verkleinern Sie es vorher.",
            size=format_decimal(round(config["PHOTO_MAX_BYTES"] / MEGABYTE, 1)),
        )
    if rejected.reason == "wrong_type":
        return _(
            "Bilder im Format %(format)s nehmen wir nicht an. Bitte wählen Sie ein Foto "
            "im Format JPEG, PNG oder WebP.",
            format=rejected.detail,
        )
    if rejected.reason == "too_many_pixels":
        return _(
            "Das Bild hat mehr als %(megapixels)d Megapixel. Bitte verkleinern Sie es vorher.",
            megapixels=config["PHOTO_MAX_PIXELS"] // 1_000_000,
        )
    if rejected.reason == "damaged":
        return _(
            "Das Bild ist beschädigt oder unvollständig. Bitte laden Sie es noch einmal "
            "hoch oder wählen Sie ein anderes."
        )
    return _(
        "Diese Datei ist kein Bild, das wir lesen können. Bitte wählen Sie ein Foto im "
        "Format JPEG, PNG oder WebP (Fotos im iPhone-Format HEIC bitte vorher als JPEG "
        "exportieren)."
    )


def _editable_advisor(advisor_id: int, lock: bool = False) -> Advisor:
    """The advisor whose photo the user may change: their own, or any for an admin."""
    advisor = db.session.get(Advisor, advisor_id, with_for_update=lock)
    if advisor is None:
        abort(404)
    if advisor.user_id != current_user.id and not current_user.is_admin:
        abort(403)
    return advisor


def _after_change(advisor: Advisor):
    if advisor.user_id == current_user.id:
        return redirect(url_for("auth.profile"))
    return redirect(url_for("main.photo", advisor_id=advisor.id))


def _photo_page(advisor: Advisor, form: PhotoForm, status: int = 200) -> Response:
    return render(
        "main/photo.html", block="photo", status=status, photo_advisor=advisor, photo_form=form
    )


@bp.url_value_preprocessor
def allow_photo_bodies(endpoint: str | None, values: dict | None) -> None:
    """The upload route alone takes bodies past ``MAX_CONTENT_LENGTH``: a photo and its
    token. Set here because URL preprocessors run before every ``before_request``
    function, and the first of those (app/edges.py) already reads the form."""
    if endpoint == "main.upload_photo":
        request.max_content_length = current_app.config["PHOTO_MAX_BYTES"] + FORM_OVERHEAD


@bp.get("/berater/<int:advisor_id>/foto")
@login_required
def photo(advisor_id: int):
    """The photo section on a page of its own (for admins, and after an error without JS)."""
    return _photo_page(_editable_advisor(advisor_id), PhotoForm(formdata=None))


@bp.post("/berater/<int:advisor_id>/foto")
@login_required
def upload_photo(advisor_id: int):
    """Check, shrink and store a new portrait; the old one's URL stops working."""
    advisor = _editable_advisor(advisor_id, lock=True)
    form = PhotoForm()
    if form.validate_on_submit():
        limit = current_app.config["PHOTO_MAX_BYTES"]
        try:
            image = portrait_from_upload(
                form.photo.data.read(limit + 1), limit, current_app.config["PHOTO_MAX_PIXELS"]
            )
        except PortraitRejected as rejected:
            form.photo.errors.append(explain(rejected))
        else:
            replace_photo(advisor, image)
            db.session.commit()
            flash(_("Ihr Foto ist gespeichert."), "success")
            return _after_change(advisor)
    return _photo_page(advisor, form, status=422)


@bp.post("/berater/<int:advisor_id>/foto/entfernen")
@login_required
def remove_photo(advisor_id: int):
    """Delete the portrait; the initials are shown again."""
    advisor = _editable_advisor(advisor_id, lock=True)
    if RemovePhotoForm().validate_on_submit():
        replace_photo(advisor, None)
        db.session.commit()
        flash(_("Das Foto ist entfernt."), "success")
    return _after_change(advisor)


@bp.get("/berater/<int:advisor_id>/foto/<token>")
def advisor_photo(advisor_id: int, token: str):
    """The stored JPEG, cacheable for a year: its URL changes with every upload."""
    stored = db.session.scalar(
        sa.select(AdvisorPhoto)
        .join(Advisor, Advisor.id == AdvisorPhoto.advisor_id)
        .where(Advisor.id == advisor_id, Advisor.photo_token == token)
    )
    if stored is None:
        abort(404)
    response = Response(stored.image, mimetype=stored.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A photo past the request limit: say so beside the field, not on an error page."""
    if request.endpoint != "main.upload_photo" or not current_user.is_authenticated:
        return handle_http_error(error)
    forget_unreadable_body()
    try:
        advisor = _editable_advisor(request.view_args["advisor_id"])
    except HTTPException as refused:  # not theirs: the same 403/404 as without a body
        return handle_http_error(refused)
    form = PhotoForm(formdata=None)
    form.photo.errors = [explain(PortraitRejected("too_big"))]
    return _photo_page(advisor, form, status=413)
