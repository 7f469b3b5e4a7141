"""Page or fragment: how every view answers browsers and HTMX alike.

A view renders one template. A plain request (or an ``hx-boost`` navigation, which swaps the
whole body) gets the full page; an HTMX request aimed at part of the page gets the named
block of the same template plus the flash messages as an out-of-band swap. Redirects after
an HTMX request become ``HX-Redirect`` so a whole page never lands inside a target.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, render_template, request, url_for
from jinja2_fragments.flask import render_block

ALERTS_BLOCK = "alerts"


def wants_fragment() -> bool:
    """True for HTMX requests that swap part of a page, not the whole body."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(
    template: str, block: str = "content", status: int = 200, alerts: bool = True, **context
) -> Response:
    """Render ``template`` whole, or only ``block`` (and the alerts) for an HTMX swap.

    A fragment that refreshes itself in the background (``alerts=False``) leaves the alerts
    alone: its empty alerts would wipe the message of the save that triggered it.
    """
    if wants_fragment():
        html = render_block(template, block, fragment=True, **context)
        if alerts:
            html += render_block("base.html", ALERTS_BLOCK, fragment=True)
    else:
        html = render_template(template, fragment=False, **context)
    return Response(html, status=status, mimetype="text/html")


def served(sections: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (endpoint, label) pairs of a navigation whose endpoints this installation
    serves: a feature's blueprint may be left out, and its link with it."""
    served_endpoints = current_app.view_functions
    return [(endpoint, label) for endpoint, label in sections if endpoint in served_endpoints]


def form_status(form) -> int:
    """422 for a form sent back with errors (htmx swaps it, per our config), else 200."""
    return 422 if form.errors else 200


def is_safe_redirect_target(target: str | None) -> bool:
    """Only same-site paths: ``/konto``, never ``//evil.example`` or ``https://…``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def redirect_target(default_endpoint: str = "main.index") -> str:
    """Where to go after a form: a safe ``next`` parameter, else ``default_endpoint``."""
    target = request.values.get("next")
    return target if is_safe_redirect_target(target) else url_for(default_endpoint)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mail: ``BASE_URL`` plus the endpoint's path and query.

    Built from configuration alone, never from the request, so a request's ``Host`` header
    (or its port) cannot choose where a mailed link points, and the mail worker needs no
    request context. ``endpoint`` is the full name, e.g. ``"auth.login"``.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
    )
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def _htmx_conventions(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    hx = getattr(request, "htmx", None)
    if hx and not hx.boosted and response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["Location"]
        response.status_code = 200
        response.headers["HX-Redirect"] = location
        del response.headers["Location"]
        response.set_data(b"")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_htmx_conventions)
