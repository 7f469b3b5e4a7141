"""Downloads of a canvas (PDF, JSON; the draft or a version) and the JSON import.

Whoever may read a canvas may download it; ``?version=N`` picks a version, without it the
draft is exported. The import creates a new draft for the member's organisation, or shows
the file's problems block by block (422) and creates nothing.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth.access import role_required
from app.canvas import bp, exchange, service
from app.canvas.access import readable_canvas_or_404
from app.canvas.pdf import PAGE_FORMATS, canvas_pdf
from app.canvas.version_routes import version_from_query
from app.errors import forget_unreadable_body, handle_http_error
from app.extensions import db
from app.forms import Form
from app.models import Canvas, Role
from app.models.types import utcnow
from app.web import render

IMPORT_PAGE = "canvas/import.html"
# Written out as German readers expect, before other accents are simply dropped.
GERMAN_LETTERS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)
# Room for the CSRF token and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024


class ImportForm(Form):
    file = FileField(
        _l("Exportdatei (JSON)"),
        description=_l("Eine Datei aus „JSON herunterladen“, höchstens 1 MB."),
        validators=[FileRequired(_l("Bitte wählen Sie eine Datei aus."))],
    )


def attachment(stem: str, extension: str) -> str:
    """A Content-Disposition for a download named after ``stem``: a plain ASCII name for
    every browser, and the exact one as ``filename*`` for those that read it."""
    ascii_stem = unicodedata.normalize("NFKD", stem.translate(GERMAN_LETTERS))
    ascii_stem = ascii_stem.encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_stem).strip("-")[:80] or "canvas"
    exact = re.sub(r'[\x00-\x1f\x7f"\\/]', "", stem)[:120] or "canvas"
    return (
        f'attachment; filename="{ascii_stem}.{extension}"; '
        f"filename*=UTF-8''{quote(exact, safe='')}.{extension}"
    )


def _requested(canvas: Canvas) -> tuple[dict, int | None, object]:
    """The snapshot to export (``?version=N``, else the draft), its number, its date."""
    number = request.args.get("version", "").strip()
    if not number:
        return service.draft_snapshot(canvas), None, utcnow()
    version = version_from_query(canvas, number)
    return version.snapshot, version.number, version.submitted_at


def _stem(canvas: Canvas, number: int | None) -> str:
    return f"{canvas.title} {_('Version %(number)s', number=number) if number else _('Entwurf')}"


def _download(body: bytes, mimetype: str, disposition: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": disposition,
            # The organisation's business model: for this viewer only, never in a shared cache.
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/<int:canvas_id>/export.pdf")
@login_required
def pdf(canvas_id: int):
    """The canvas as a PDF, one landscape page per layer (``?format=a3`` for A3)."""
    canvas = readable_canvas_or_404(canvas_id)
    data, number, when = _requested(canvas)
    page_format = request.args.get("format", "a4").upper()
    if page_format not in PAGE_FORMATS:
        page_format = PAGE_FORMATS[0]
    body = canvas_pdf(
        data,
        service.template_of(canvas),
        organisation=canvas.organisation.name,
        version=number,
        when=when,
        page_format=page_format,
    )
    return _download(body, "application/pdf", attachment(_stem(canvas, number), "pdf"))


@bp.get("/<int:canvas_id>/export.json")
@login_required
def export_json(canvas_id: int):
    """The canvas in the documented JSON format (``app/canvas/exchange.py``)."""
    canvas = readable_canvas_or_404(canvas_id)
    data, number, _when = _requested(canvas)
    return _download(
        exchange.export_json(data), "application/json", attachment(_stem(canvas, number), "json")
    )


def _organisation_id() -> int:
    if not current_user.organisation_id:  # a client account without an organisation
        abort(404)
    return current_user.organisation_id


@bp.url_value_preprocessor
def allow_import_bodies(endpoint: str | None, values: dict | None) -> None:
    """The import alone takes a body past the site's request limit: the file (up to
    ``exchange.MAX_BYTES``) and the form around it. Set before any ``before_request``
    reads the form, as for photos (``app/main/photos.py``)."""
    if endpoint == "canvas.import_json":
        request.max_content_length = exchange.MAX_BYTES + FORM_OVERHEAD


def _import_page(
    form: ImportForm, invalid: exchange.InvalidCanvasFile | None = None, status: int = 200
):
    return render(
        IMPORT_PAGE,
        block="import_form",
        status=status,
        form=form,
        problems=invalid.problems if invalid else {},
        file_template=invalid.template if invalid else None,
        whole_file=exchange.WHOLE_FILE,
        max_bytes=exchange.MAX_BYTES,
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.CLIENT)
def import_json():
    """Upload an exported file; a valid one becomes a new draft, all or nothing."""
    _organisation_id()
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, status=422 if form.errors else 200)
    with form.file.data.stream as upload:  # a large one is a temporary file: close it now
        raw = upload.read(exchange.MAX_BYTES + 1)
    try:
        checked = exchange.parse(raw)
    except exchange.InvalidCanvasFile as invalid:
        return _import_page(form, invalid, status=422)
    canvas = exchange.import_canvas(current_user, checked)
    db.session.commit()
    flash(_("„%(title)s“ ist importiert: ein neuer Entwurf.", title=canvas.title), "success")
    return redirect(url_for("canvas.show", canvas_id=canvas.id))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A file past the limit: say so beside the field, not on an error page."""
    if request.endpoint != "canvas.import_json" or not current_user.is_authenticated:
        return handle_http_error(error)
    forget_unreadable_body()
    if current_user.role != Role.CLIENT:
        return handle_http_error(error)
    form = ImportForm(formdata=None)
    form.file.errors = [_("Die Datei ist größer als 1 MB.")]
    return _import_page(form, status=413)
