"""Error pages that speak the user's language, as a page or as an HTMX fragment.

Under ``/api/`` every error, a URL that matches no route included, is an RFC 9457 problem
document (``application/problem+json``) instead: programs read the API, not people.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from app.extensions import db
from app.security import is_embedded
from app.web import render, wants_fragment

# The statuses users meet, each with a headline and an explanation.
MESSAGES = {
    400: (_l("Ungültige Anfrage"), _l("Die Anfrage konnte nicht verarbeitet werden.")),
    403: (_l("Kein Zugriff"), _l("Sie haben keine Berechtigung für diese Seite.")),
    404: (_l("Seite nicht gefunden"), _l("Diese Seite gibt es nicht (mehr).")),
    405: (_l("Nicht erlaubt"), _l("Diese Aktion ist hier nicht möglich.")),
    413: (
        _l("Zu viele Daten"),
        _l("Die gesendeten Daten sind zu groß. Bitte kürzen Sie Ihre Eingabe."),
    ),
    429: (
        _l("Zu viele Versuche"),
        _l("Bitte warten Sie einen Moment und versuchen Sie es dann erneut."),
    ),
    500: (
        _l("Etwas ist schiefgelaufen"),
        _l("Ein unerwarteter Fehler ist aufgetreten. Wir kümmern uns darum."),
    ),
}
CSRF_MESSAGE = (
    _l("Sitzung abgelaufen"),
    _l(
        "Das Formular war zu lange geöffnet. "
        "Bitte laden Sie die Seite neu und senden Sie es erneut."
    ),
)


API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")


def problem_response(
    status: int, title: str, invalid: list[dict] | None = None, detail: str | None = None
) -> Response:
    """An RFC 9457 problem document; ``invalid`` lists the parameters that were wrong."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if invalid:
        body["invalid_params"] = invalid
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def render_error(status: int, title: str, message: str) -> Response:
    response = render(
        "errors/error.html", block="error", status=status, title=title, message=message
    )
    if wants_fragment():
        # The error goes to the page's alert region, not into the form that asked.
        response.headers["HX-Retarget"] = "#alerts"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def forget_unreadable_body() -> None:
    """After a 413 the body cannot be read: later reads of the form (the page's zone, say)
    must see an empty one instead of raising the 413 again inside the error page."""
    request.__dict__["form"] = request.parameter_storage_class()
    request.__dict__["files"] = request.parameter_storage_class()


def handle_http_error(error: HTTPException) -> Response:
    """The status's page, or the error's own ``user_message`` where it has one."""
    status = error.code or 500
    if status == 413:
        forget_unreadable_body()
    explained = getattr(error, "user_message", None)
    if is_api_request():
        response = problem_response(status, error.name, detail=explained and str(explained))
    else:
        title, message = MESSAGES.get(status, (error.name, error.description))
        response = render_error(status, str(title), str(explained or message))
    for name, value in error.get_headers():  # e.g. ``Allow`` of a 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_untrusted_host(error: SecurityError) -> Response:
    """No page can be built for a host we do not serve: its URLs would be wrong."""
    return Response("Bad Request: unknown host", status=400, mimetype="text/plain")


# In a frame on another site the likelier cause: the browser keeps cookies out of frames.
EMBEDDED_CSRF_MESSAGE = _l(
    "Das Formular konnte nicht sicher gesendet werden: Es war zu lange geöffnet, oder Ihr "
    "Browser lässt in eingebetteten Seiten keine Cookies zu. Bitte öffnen Sie die Buchung "
    "mit „In neuem Fenster öffnen“ und senden Sie sie dort."
)


def handle_csrf_error(error: CSRFError) -> Response:
    title, message = CSRF_MESSAGE
    if is_embedded():
        message = EMBEDDED_CSRF_MESSAGE
    if is_api_request():
        return problem_response(400, str(title), detail=str(message))
    return render_error(400, str(title), str(message))


def handle_unexpected_error(error: InternalServerError) -> Response:
    db.session.rollback()
    current_app.logger.error(
        "unhandled error on %s %s",
        request.method,
        request.path,
        exc_info=error.original_exception,
    )
    if is_api_request():
        return problem_response(500, error.name)
    title, message = MESSAGES[500]
    return render_error(500, str(title), str(message))


def init_app(app: Flask) -> None:
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(HTTPException, handle_http_error)
