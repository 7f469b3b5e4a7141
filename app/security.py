"""Security headers, framing and login wiring: a strict CSP, who may frame which page, and
the identity behind a session cookie.

Framing: no page may be shown in a frame, except the booking journey (the ``booking``
blueprint, everything under ``/beratung``) by the origins listed in ``EMBED_ORIGINS``, so a
hub can put the booking on its own website. Those pages send ``frame-ancestors`` with the
list and no ``X-Frame-Options`` (which cannot name several origins, and which browsers that
know ``frame-ancestors`` ignore anyway); every other page sends ``frame-ancestors 'none'``
and ``X-Frame-Options: DENY``.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context, request, url_for
from flask_babel import gettext

from app.extensions import db, login_manager
from app.models import User

BASE_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]
CONTENT_SECURITY_POLICY = "; ".join([*BASE_POLICY, "frame-ancestors 'none'"])
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
FRAMABLE_BLUEPRINTS = frozenset({"booking"})
# Sent by app.js on its HTMX requests from inside a frame (a boosted navigation is a fetch,
# which has no ``Sec-Fetch-Dest: iframe``); it only chooses the compact layout.
EMBED_HEADER = "Sprechstunde-Embed"
_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
)
LOOPBACK_HOSTS = {"localhost", "127.0.0.1"}


def parse_origin(text: str) -> str:
    """``https://www.hub.example[:port]`` as the CSP source it becomes; a ``ValueError``
    saying why for anything else (paths, wildcards, keywords, user names, other schemes)."""
    problem = f"EMBED_ORIGINS: {text!r} is not an origin like https://www.industryhub.example"
    parts = urlsplit(text.strip().removesuffix("/"))
    if parts.scheme not in {"http", "https"} or parts.path or parts.query or parts.fragment:
        raise ValueError(problem)
    if "@" in parts.netloc or not parts.hostname or not _HOST.fullmatch(parts.hostname):
        raise ValueError(problem)
    try:
        port = parts.port
    except ValueError:
        raise ValueError(problem) from None
    host = parts.hostname if port is None else f"{parts.hostname}:{port}"
    if parts.netloc.lower() != host:  # e.g. an empty port "host:" or a stray character
        raise ValueError(problem)
    return f"{parts.scheme}://{host}"


def parse_embed_origins(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The origins allowed to frame the booking pages, from a comma- or space-separated
    setting (or a list); empty means none."""
    items = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value or ())
    origins = [parse_origin(item) for item in items if item and item.strip()]
    return tuple(dict.fromkeys(origins))


def is_framable() -> bool:
    """Whether this response may be framed by the ``EMBED_ORIGINS``: booking pages only."""
    return bool(current_app.config["EMBED_ORIGINS"]) and request.blueprint in FRAMABLE_BLUEPRINTS


def is_embedded() -> bool:
    """A booking page shown inside a frame: drawn without the site's header and footer.

    Framed when asked for (``?embed=1``, the address in the snippet of the README), when the
    browser says the page loads into a frame (``Sec-Fetch-Dest``: every link and form inside
    it, also without JavaScript), or when app.js says so on its requests from a frame. No
    state is kept: the same browser may show the full site in another tab.
    """
    if request.blueprint not in FRAMABLE_BLUEPRINTS:
        return False
    return (
        request.args.get("embed") == "1"
        or request.headers.get("Sec-Fetch-Dest") in {"iframe", "frame"}
        or request.headers.get(EMBED_HEADER) == "1"
    )


def _security_headers(response: Response) -> Response:
    headers = response.headers
    if is_framable():
        ancestors = " ".join(current_app.config["EMBED_ORIGINS"])
        headers.setdefault(
            "Content-Security-Policy", "; ".join([*BASE_POLICY, f"frame-ancestors {ancestors}"])
        )
    else:
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
    if request.blueprint in FRAMABLE_BLUEPRINTS:
        response.vary.update(("Sec-Fetch-Dest", EMBED_HEADER))  # they choose the layout
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if _for_someone_logged_in() and "Cache-Control" not in headers:
        # Theirs alone: no shared cache keeps it, and no browser writes it to disk (a
        # shared computer, the back button after logging out). Public files that set
        # their own Cache-Control (styles, photos, the logo) keep it.
        headers["Cache-Control"] = "private, no-store"
    return response


def _for_someone_logged_in() -> bool:
    """Whether this response was made for a logged-in user. Read from what Flask-Login
    loaded for the request (``g._login_user``), so a response that never looked at the
    user (a static file) does not touch the session and stays cacheable."""
    user = g.get("_login_user")
    return user is not None and user.is_authenticated


def static_file_headers(headers, path: str, url: str) -> None:
    """The headers of every page, for the files WhiteNoise serves before Flask sees the
    request (``add_headers_function``): no sniffing a script out of a text file, and an
    SVG opened on its own runs nothing and is framed by no one."""
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY


def standalone_url() -> str:
    """This page outside the frame (for "open in a new window"); after a form was sent, the
    journey's start, as the form's address alone shows nothing."""
    if request.method != "GET":
        return url_for("booking.start")
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "embed"])
    return request.path + (f"?{query}" if query else "")


def _embedding_context() -> dict[str, object]:
    if not has_request_context():  # a mail rendered by a command
        return {}
    embedded = is_embedded()
    return {"embedded": embedded, "standalone_url": standalone_url() if embedded else None}


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The cookie holds ``id:session_token``; a rotated token ends that session."""
    user_id, _, token = identity.partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or not token:
        return None
    return db.session.scalar(
        sa.select(User).where(User.id == int(user_id), User.session_token == token)
    )


def configure_embedding(app: Flask) -> None:
    """Check ``EMBED_ORIGINS`` and, when set, let the session cookie into the frame.

    The CSRF token of every form lives in the session, and a browser sends a ``SameSite=Lax``
    cookie to a page framed by another site on no request at all: the guest booking form
    would fail its CSRF check. So with embedding on, the session cookie is ``SameSite=None;
    Secure; Partitioned``: sent inside the frame, over HTTPS only, and (where browsers
    partition, as Chrome and Firefox do) kept apart per embedding site, so the frame never
    sees a login made on the site itself. The CSRF token still guards every form; the
    remember-me cookie stays ``Lax``. Browsers that block third-party cookies altogether
    (Safari) still show the pages in the frame, but a form there asks to open the booking in
    a new window (README, "Auf der eigenen Website einbetten").
    """
    try:
        origins = parse_embed_origins(app.config.get("EMBED_ORIGINS"))
    except ValueError as error:
        raise RuntimeError(f"{error} (see README, Configuration).") from None
    app.config["EMBED_ORIGINS"] = origins
    if not origins:
        return
    base = urlsplit(app.config["BASE_URL"])
    if base.scheme != "https" and base.hostname not in LOOPBACK_HOSTS:
        raise RuntimeError(
            "EMBED_ORIGINS needs the site on HTTPS: a cookie inside a frame must be Secure, "
            f"but BASE_URL is {app.config['BASE_URL']!r} (see README, Configuration)."
        )
    app.config.update(
        SESSION_COOKIE_SAMESITE="None",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_PARTITIONED=True,
    )


def N_(message: str) -> str:  # the name Babel's extractor looks for
    """A msgid translated later, where it is shown."""
    return message


def init_app(app: Flask) -> None:
    configure_embedding(app)
    app.after_request(_security_headers)
    app.context_processor(_embedding_context)
    login_manager.login_view = "auth.login"
    # The message is a msgid; Flask-Login translates it per request with gettext. N_ only
    # marks it for extraction.
    login_manager.login_message = N_("Bitte melden Sie sich an, um diese Seite zu sehen.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    login_manager.session_protection = "basic"
