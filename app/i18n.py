"""Language and time zone of the person looking at the page.

Language: the user's profile, else the remembered choice (cookie), else German.
Time zone: the user's profile, else the browser's (a cookie our JS sets), else the hub's.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale, get_translations
from flask_login import current_user

from app.extensions import babel
from app.zones import canonical_timezone, zone_options
from app.zones import is_known_timezone as is_known_timezone
from app.zones import timezone_choices as timezone_choices
from app.zones import timezone_names as timezone_names

LOCALE_COOKIE = "lang"
TIMEZONE_COOKIE = "tz"  # the browser's zone, written by app.js on every visit
ZONE_PARAM = "tz"  # a zone chosen on a page (the picker), carried on through the journey
CHOSEN_ZONE_COOKIE = "zone"  # a zone the visitor chose on the site: wins over the browser's


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


def _told_timezone() -> str | None:
    """The zone chosen on this page (``tz``, e.g. in the picker), else the profile's, else
    one chosen earlier on the site, else the browser's; None: nobody told us.

    A legacy name counts as the zone it stands for ("Asia/Calcutta" is "Asia/Kolkata").
    """
    profile = current_user.timezone if current_user.is_authenticated else None
    # Browsers percent-encode the "/" of "America/New_York" in the cookie (document.cookie).
    browser = unquote(request.cookies.get(TIMEZONE_COOKIE, ""))
    for told in (
        request.values.get(ZONE_PARAM),
        profile,
        request.cookies.get(CHOSEN_ZONE_COOKIE),
        browser,
    ):
        if zone := canonical_timezone(told):
            return zone
    return None


def select_timezone() -> str:
    """The viewer's zone: the one they told us (see ``_told_timezone``), else the hub's."""
    return _told_timezone() or current_app.config["DEFAULT_TIMEZONE"]


def zone_is_a_guess() -> bool:
    """True when nothing told us the viewer's zone and the hub's is shown."""
    return _told_timezone() is None


def remember_timezone(response: Response, zone: str) -> Response:
    """Keep a zone chosen on the site for a year; it wins over the browser's own."""
    response.set_cookie(
        CHOSEN_ZONE_COOKIE,
        zone,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def localised(obj: object, field: str) -> str:
    """``obj.<field>_<locale>``, falling back to German when the translation is empty."""
    locale = str(get_locale() or "de")
    return getattr(obj, f"{field}_{locale}", "") or getattr(obj, f"{field}_de")


# One set of patterns per language for every date and time a page or mail shows, so a page
# never mixes styles. English is written the British way (day before month, 24-hour clock):
# Babel's "en" is American ("December 8, 2026, 10:00 AM") and our English-speaking clients
# are mostly in Europe; the clock then reads the same in both languages.
DATE_PATTERNS = {
    "de": {
        "day": "EEEE, d. MMMM",
        "month": "MMMM y",
        "weekday": "EEEEEE",
        "weekday_long": "EEEE",
        "date": "EEEE, d. MMMM y",
        "short_date": "d. MMM y",
        "short_day": "EEE, d. MMM",
        "time": "HH:mm",
    },
    "en": {
        "day": "EEEE, d MMMM",
        "month": "MMMM y",
        "weekday": "EEE",
        "weekday_long": "EEEE",
        "date": "EEEE, d MMMM y",
        "short_date": "d MMM y",
        "short_day": "EEE, d MMM",
        "time": "HH:mm",
    },
}


def _patterns() -> tuple[str, dict[str, str]]:
    locale = str(get_locale() or "de")
    return locale, DATE_PATTERNS.get(locale, DATE_PATTERNS["de"])


def _zone(zone: ZoneInfo | str | None) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone or select_timezone())


def format_day(day: date, pattern: str = "day") -> str:
    """``day`` in one of the named ``DATE_PATTERNS`` of the current language."""
    locale, patterns = _patterns()
    return _formatted_date(day, patterns[pattern], locale)


@lru_cache(maxsize=4096)
def _formatted_date(day: date, pattern: str, locale: str) -> str:
    """Babel's text for a date: the same for the same date, pattern and language, and a
    month picker asks for dozens (each day's label, the weekdays) on every request."""
    return format_date(day, pattern, locale=locale)


def clock(moment: datetime, zone: ZoneInfo | str | None = None) -> str:
    """ "09:30" for an instant, in ``zone`` (default: the viewer's)."""
    locale, patterns = _patterns()
    if patterns["time"] == "HH:mm":  # both languages' clock: what Babel would write, 20× faster
        return moment.astimezone(_zone(zone)).strftime("%H:%M")
    return format_time(moment, patterns["time"], tzinfo=_zone(zone), locale=locale)


def format_meeting(start: datetime, end: datetime, zone: str | None = None) -> str:
    """ "Dienstag, 1. Dezember 2026, 10:00–10:30 (Europe/Berlin)" in the current language.

    ``zone`` defaults to the viewer's; the zone is always named, so nobody has to guess.
    """
    tz = _zone(zone)
    day = format_day(start.astimezone(tz).date(), "date")
    return f"{day}, {clock(start, tz)}–{clock(end, tz)} ({tz.key})"


def format_moment(moment: datetime, zone: ZoneInfo | str | None = None) -> str:
    """ "1. Dez. 2026, 10:00" / "1 Dec 2026, 10:00": a moment in a list, e.g. when sent."""
    tz = _zone(zone)
    return f"{format_day(moment.astimezone(tz).date(), 'short_date')}, {clock(moment, tz)}"


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


def _catalogue():
    """The translations in force. flask-babel's templates look them up for every string
    (the request's babel context, its domain and locale, the locale's name): more than the
    translating, on a page that translates dozens of strings. Kept for the request and the
    locale object in force, so ``force_locale`` (mails, PDFs in the reader's language)
    still switches them; the app uses one translation domain."""
    if not g:  # no application context: flask-babel's untranslated fallback
        return get_translations()
    locale = get_locale()
    kept = g.get("_catalogue")
    if kept is None or kept[0] is not locale:
        kept = g._catalogue = (locale, get_translations())
    return kept[1]


def init_app(app: Flask) -> None:
    app.after_request(_vary_on_language)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories="translations",
    )
    # As flask-babel installs them, with the catalogue looked up once (see _catalogue).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters.update(
        localised=localised,
        clock=clock,
        day_label=day_label,
        format_day=format_day,
        moment=format_moment,
    )
    app.jinja_env.globals.update(
        zone_options=zone_options,
        get_locale=get_locale,
        viewer_timezone=select_timezone,
        format_meeting=format_meeting,
    )
    app.jinja_env.filters["meeting_time"] = lambda item, zone=None: format_meeting(
        item.start, item.end, zone
    )
