"""Signed, expiring tokens for links sent by e-mail.

Each purpose has its own salt, so a token made for one link never opens another. The
lifetime is signed into the token, so a welcome link can live for a week while a reset
link for the same purpose lives an hour. A reset token also carries a fingerprint of the
current password hash: once the password changes, every older link is dead.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

VERIFY_EMAIL = "verify-email"
SET_PASSWORD = "set-password"  # noqa: S105 (a salt name, not a secret)
MANAGE_BOOKING = "manage-booking"
CONFIRM_BOOKING = "confirm-booking"


class InvalidToken(Exception):
    """The link is tampered with, made for another purpose, or expired."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make_token(purpose: str, payload: dict[str, Any], valid_for: timedelta) -> str:
    return _serializer(purpose).dumps({**payload, "ttl": int(valid_for.total_seconds())})


def read_token(purpose: str, token: str) -> dict[str, Any]:
    try:
        payload, issued = _serializer(purpose).loads(token, return_timestamp=True)
    except BadSignature as error:
        raise InvalidToken() from error
    if not isinstance(payload, dict) or not isinstance(payload.get("ttl"), int):
        raise InvalidToken()
    if time.time() - issued.timestamp() > payload["ttl"]:
        raise InvalidToken(expired=True)
    return payload


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
