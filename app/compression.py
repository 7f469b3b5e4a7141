"""Compressed responses (Flask-Compress: Brotli, else gzip, text types only; settings in
``app/config.py``), with the one exception that keeps a secret out of reach: BREACH.

Every page carries the session's CSRF token (its signed form repeats the same secret
part) beside text an attacker can choose (the language switch's ``next`` is the page's own
address and query). Compressed together, the length of the answer tells whether a guess
matches the secret, so an attacker who can send the victim's browser to many such URLs
and see the encrypted lengths on the wire could read the token byte by byte. The browser
says who started a request (``Sec-Fetch-Site``): a request that another site started and
that carries our session cookie is answered uncompressed. Our own navigations and
fragments, and a first visit from a link (no session, so no secret yet), stay compressed.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from app.extensions import compress

STARTED_ELSEWHERE = frozenset({"cross-site", "same-site"})


def breach_exposed() -> bool:
    """Whether this request was started by another site and carries our session."""
    started_by = request.headers.get("Sec-Fetch-Site", "")
    has_session = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    return started_by in STARTED_ELSEWHERE and has_session


def _compress(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.vary.add("Sec-Fetch-Site")
        if breach_exposed():
            return response
    return compress.after_request(response)


def init_app(app: Flask) -> None:
    """Register before the other ``after_request`` hooks: Flask runs them in reverse, so
    compression comes last, on the final body and ETag."""
    app.config["COMPRESS_REGISTER"] = False  # our hook decides, then calls Flask-Compress's
    compress.init_app(app)
    app.after_request(_compress)
