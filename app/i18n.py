"""Language and time zone of the person looking at the page.

Language: the user's profile, else the remembered choice (cookie), else German.
Time zone: the user's profile, else the browser's (a cookie our JS sets), else the hub's.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_date, format_time
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
    """The profile's language, else the one chosen on the site (cookie), else the first
    language the browser asks for that we offer, else German."""
    if current_user.is_authenticated and is_known_locale(current_user.locale):
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if is_known_locale(cookie):
        return cookie
    # In the browser's order of preference, "en-US" counting as "en" (werkzeug's
    # best_match would prefer a lower-ranked exact "de" over a first-choice "en-US").
    for tag, _quality in request.accept_languages:
        if is_known_locale(primary := tag.partition("-")[0].lower()):
            return primary
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


def format_meeting(start: datetime, end: datetime, zone: str | None = None) -> str:
    """ "Dienstag, 1. Dezember 2026, 10:00–10:30 (Europe/Berlin)" in the current language.

    ``zone`` defaults to the viewer's; the zone is always named, so nobody has to guess.
    """
    zone = zone or select_timezone()
    tz = ZoneInfo(zone)
    locale = str(get_locale() or "de")
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    day = format_date(local_start.date(), "full", locale=locale)
    begins = format_time(local_start, "short", locale=locale)
    ends = format_time(local_end, "short", locale=locale)
    return f"{day}, {begins}–{ends} ({zone})"


def clock(moment: datetime, zone: ZoneInfo | str | None = None) -> str:
    """ "09:30" (or "9:30 AM") for an instant, in ``zone`` (default: the viewer's)."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone or select_timezone())
    return format_time(moment.astimezone(tz), "short", locale=str(get_locale() or "de"))


# One set of date patterns per language, so every page and mail writes dates alike.
DATE_PATTERNS = {
    "de": {"day": "EEEE, d. MMMM", "month": "MMMM y", "weekday": "EEEEEE"},
    "en": {"day": "EEEE, d MMMM", "month": "MMMM y", "weekday": "EEE"},
}


def format_day(day: date, pattern: str = "day") -> str:
    """``day`` in one of the named ``DATE_PATTERNS`` of the current language."""
    locale = str(get_locale() or "de")
    patterns = DATE_PATTERNS.get(locale, DATE_PATTERNS["de"])
    return format_date(day, patterns[pattern], locale=locale)


def day_label(day: date) -> str:
    """ "Montag, 30. November" / "Monday, 30 November"."""
    return format_day(day, "day")


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


def _vary_on_language(response: Response) -> Response:
    """Pages differ by the browser's language and the language cookie: caches must know."""
    if response.mimetype == "text/html":
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def init_app(app: Flask) -> None:
    app.after_request(_vary_on_language)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories="translations",
    )
    app.jinja_env.filters.update(
        localised=localised, clock=clock, day_label=day_label, format_day=format_day
    )
    app.jinja_env.globals.update(
        get_locale=get_locale, viewer_timezone=select_timezone, format_meeting=format_meeting
    )
    app.jinja_env.filters["meeting_time"] = lambda item, zone=None: format_meeting(
        item.start, item.end, zone
    )
