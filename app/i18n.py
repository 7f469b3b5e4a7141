"""Language and time zone of the person looking at the page.

Language: the user's profile, else the remembered choice (cookie), else German.
Time zone: the user's profile, else the browser's (a cookie our JS sets), else the hub's.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask import Flask, Response, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel

LOCALE_COOKIE = "lang"
TIMEZONE_COOKIE = "tz"


@cache
def timezone_names() -> tuple[str, ...]:
    """IANA zone names a user may pick, sorted; the legacy aliases are left out."""
    return (
        *sorted(
            name for name in available_timezones() if "/" in name and not name.startswith("Etc/")
        ),
        "UTC",
    )


def is_known_timezone(name: str | None) -> bool:
    return bool(name) and name in timezone_names()


def is_known_locale(code: str | None) -> bool:
    return bool(code) and code in current_app.config["LANGUAGES"]


def select_locale() -> str:
    if current_user.is_authenticated and is_known_locale(current_user.locale):
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if is_known_locale(cookie):
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if current_user.is_authenticated and is_known_timezone(current_user.timezone):
        return current_user.timezone
    cookie = request.cookies.get(TIMEZONE_COOKIE)
    if is_known_timezone(cookie):
        return cookie
    return current_app.config["DEFAULT_TIMEZONE"]


def localised(obj: object, field: str) -> str:
    """``obj.<field>_<locale>``, falling back to German when the translation is empty."""
    locale = str(get_locale() or "de")
    return getattr(obj, f"{field}_{locale}", "") or getattr(obj, f"{field}_de")


def remember_locale(response: Response, code: str) -> Response:
    """Keep the language choice for a year, also for visitors without an account."""
    response.set_cookie(
        LOCALE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories="translations",
    )
    app.jinja_env.filters["localised"] = localised
    app.jinja_env.globals.update(get_locale=get_locale, viewer_timezone=select_timezone)
