"""Security headers and login wiring: a strict CSP and the identity behind a session cookie."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, Response, current_app
from flask_babel import gettext

from app.extensions import db, login_manager
from app.models import User

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The cookie holds ``id:session_token``; a rotated token ends that session."""
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit() or not token:
        return None
    return db.session.scalar(
        sa.select(User).where(User.id == int(user_id), User.session_token == token)
    )


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    login_manager.login_view = "auth.login"
    # The message is a msgid; Flask-Login translates it per request with gettext.
    login_manager.login_message = "Bitte melden Sie sich an, um diese Seite zu sehen."
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    login_manager.session_protection = "basic"
