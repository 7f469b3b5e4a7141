"""Settings read from the environment, with safe development defaults.

In development a ``.env`` file beside ``pyproject.toml`` is loaded by ``create_app``.
Production must set at least ``SECRET_KEY``, ``BASE_URL``, ``DATABASE_URL`` and
``TRUSTED_HOSTS``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# An installed wheel carries templates/, static/ and migrations/ here (see setup.py);
# a checkout has none and uses the top-level folders.
BUNDLED_ROOT = Path(__file__).resolve().parent / "_site"
DEV_SECRET_KEY = "development-only-not-secret"  # noqa: S105 (used only with FLASK_DEBUG)
DEV_BASE_URL = "http://127.0.0.1:5000"  # `flask run`'s address, used only with FLASK_DEBUG


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver this project ships with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def base_url_problem(url: str | None) -> str | None:
    """Why ``url`` cannot be the site's base URL (``https://host[:port][/path]``), or None."""
    if not url:
        return "BASE_URL is not set: put the site's public address in the environment"
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        return f"BASE_URL must look like https://termine.example.org, not {url!r}"
    return None


def site_root() -> Path:
    """Where ``templates/``, ``static/`` and ``migrations/`` live: the wheel's copy, else the
    checkout's top-level folders."""
    return BUNDLED_ROOT if BUNDLED_ROOT.is_dir() else PROJECT_ROOT


def instance_path() -> Path:
    """Writable data (SQLite database, development mail): ``INSTANCE_PATH``, else ``instance/``
    of the checkout, or of the working directory when running from an installed wheel."""
    if configured := os.environ.get("INSTANCE_PATH"):
        return Path(configured).resolve()
    return (PROJECT_ROOT if site_root() == PROJECT_ROOT else Path.cwd()) / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


class Config:
    """Built from the environment at app creation time, never at import time."""

    def __init__(self) -> None:
        debug = _bool("FLASK_DEBUG", False)
        instance = instance_path()
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or (DEV_SECRET_KEY if debug else None)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'app.db'}")
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.HUB_NAME = os.environ.get("HUB_NAME", "Industry Hub Rhein-Kreis")
        self.HUB_EMAIL = os.environ.get("HUB_EMAIL", "beratung@hub.example")
        # The hub's look (app/branding.py checks both at startup): an accent colour as hex,
        # and a logo file (.svg or .png; relative paths in the instance folder, else static/).
        self.HUB_ACCENT_COLOR = os.environ.get("HUB_ACCENT_COLOR", "#0b5c54")
        self.HUB_LOGO = os.environ.get("HUB_LOGO") or None
        # Origins whose pages may show the booking in a frame (app/security.py), e.g.
        # "https://www.industryhub.example"; comma or space separated; empty: none.
        self.EMBED_ORIGINS = os.environ.get("EMBED_ORIGINS", "")

        # Language and time
        self.BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "de")
        self.LANGUAGES = {"de": "Deutsch", "en": "English"}
        self.DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Europe/Berlin")
        self.BABEL_DEFAULT_TIMEZONE = self.DEFAULT_TIMEZONE

        # Requests, cookies, sessions
        # How many reverse proxies (e.g. nginx) stand in front and set X-Forwarded-*.
        self.PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
        self.TRUSTED_HOSTS = _list("TRUSTED_HOSTS", "localhost,127.0.0.1") or None
        self.MAX_CONTENT_LENGTH = 1024 * 1024
        # Advisor portraits (app/main/portraits.py): phone photos are 2–5 MB, so the upload
        # route alone accepts bodies this big (app/main/photos.py). Past the pixel limit an
        # image is refused before it is decoded (a 6000×4000 camera photo passes).
        self.PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))
        self.PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(24_000_000)))
        self.MAX_FORM_MEMORY_SIZE = 512 * 1024
        self.MAX_FORM_PARTS = 200
        secure = _bool("SECURE_COOKIES", not debug)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = secure
        self.PERMANENT_SESSION_LIFETIME = timedelta(days=14)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_DURATION = timedelta(days=30)
        self.REMEMBER_COOKIE_REFRESH_EACH_REQUEST = False
        self.WTF_CSRF_TIME_LIMIT = 8 * 3600
        self.WTF_CSRF_SSL_STRICT = secure
        self.PREFERRED_URL_SCHEME = "https" if secure else "http"
        # Where the site is reached from outside: every link in mail starts with it, so a
        # request's Host header never chooses one and the worker needs no request at all.
        self.BASE_URL = os.environ.get("BASE_URL") or (DEV_BASE_URL if debug else None)

        # Logs and probes (app/observability.py, app/health.py): JSON lines for a log
        # collector, plain lines in development; the proxy's X-Request-ID is taken only
        # from a proxy we stand behind.
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if debug else "json")
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
        self.REQUEST_ID_TRUSTED = _bool("REQUEST_ID_TRUSTED", self.PROXY_COUNT > 0)

        # Response compression (Flask-Compress) for text only: images, PDFs, ZIPs and
        # calendars are compressed already or downloaded whole; the feed gzips itself.
        # Streamed bodies pass untouched. Static files come precompressed (static_files.py).
        self.COMPRESS_MIMETYPES = [
            "text/html",
            "text/css",
            "text/plain",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/problem+json",
            "image/svg+xml",
        ]
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        self.COMPRESS_BR_LEVEL = 4  # level 4: most of the gain at a fraction of 11's time
        self.COMPRESS_STREAMS = False

        # Tokens in e-mailed links
        self.EMAIL_TOKEN_MAX_AGE = timedelta(days=2)
        self.RESET_TOKEN_MAX_AGE = timedelta(hours=1)
        self.INVITE_TOKEN_MAX_AGE = timedelta(days=7)
        # Invitations created within a day, counted per inviting user and per organisation.
        self.INVITE_LIMIT_PER_USER = int(os.environ.get("INVITE_LIMIT_PER_USER", "10"))
        self.INVITE_LIMIT_PER_ORGANISATION = int(
            os.environ.get("INVITE_LIMIT_PER_ORGANISATION", "20")
        )

        # Rate limits (memory in development, Redis when REDIS_URL is set)
        self.RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
        self.BOOKING_RATE_LIMIT = os.environ.get("BOOKING_RATE_LIMIT", "10 per minute;30 per hour")
        self.MAIL_RATE_LIMIT = os.environ.get("MAIL_RATE_LIMIT", "5 per minute;20 per hour")
        # Unconfirmed guest bookings one e-mail address may hold at once (each blocks a slot
        # for 30 minutes); see app/booking/guest_holds.py.
        self.GUEST_PENDING_HOLDS_MAX = int(os.environ.get("GUEST_PENDING_HOLDS_MAX", "3"))
        # Days after a guest's meeting ended until their name, address and agenda are
        # anonymised; sent mails and spent invitations are deleted after as many days
        # (app/privacy/retention.py, run by `flask purge-expired` and the worker).
        self.GUEST_RETENTION_DAYS = int(os.environ.get("GUEST_RETENTION_DAYS", "365"))
        # Per logged-in user, not per address: colleagues behind one NAT do not share them.
        self.INVITE_RATE_LIMIT = os.environ.get("INVITE_RATE_LIMIT", "20 per hour")
        self.PASSWORD_CHANGE_RATE_LIMIT = os.environ.get(
            "PASSWORD_CHANGE_RATE_LIMIT", "5 per minute;20 per hour"
        )

        # Cache for hot fragments (the slot picker): Redis when REDIS_URL is set, else in-process.
        redis_url = os.environ.get("REDIS_URL") or None
        self.REDIS_URL = redis_url  # /readyz pings it (app/health.py)
        self.CACHE_TYPE = os.environ.get("CACHE_TYPE") or (
            "RedisCache" if redis_url else "SimpleCache"
        )
        self.CACHE_REDIS_URL = redis_url
        self.CACHE_DEFAULT_TIMEOUT = 300
        self.CACHE_KEY_PREFIX = "sprechstunde:"

        # Mail: without MAIL_SERVER the worker prints and writes to instance/outbox/
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER")
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
        self.MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
        self.MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", self.HUB_EMAIL)
        self.MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(instance / "outbox"))
        self.MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "12"))
        self.MAIL_RETRY_BASE_SECONDS = float(os.environ.get("MAIL_RETRY_BASE_SECONDS", "30"))

        # Calendars (app/calendar/, docs in README "Calendars")
        # The hub's own video service: each video booking gets a room under this URL, e.g.
        # "https://meet.industryhub.example/" (Jitsi) — unless the advisor has a fixed link.
        self.VIDEO_ROOM_BASE_URL = os.environ.get("VIDEO_ROOM_BASE_URL", "")
        # Busy-time import from the advisors' own calendars, run by `flask worker`.
        self.CALENDAR_IMPORT_INTERVAL = timedelta(
            minutes=float(os.environ.get("CALENDAR_IMPORT_INTERVAL_MINUTES", "15"))
        )
        self.CALENDAR_IMPORT_TIMEOUT = float(os.environ.get("CALENDAR_IMPORT_TIMEOUT", "10"))
        self.CALENDAR_IMPORT_MAX_BYTES = int(
            os.environ.get("CALENDAR_IMPORT_MAX_BYTES", str(10 * 1024 * 1024))
        )
        # Loopback, private and link-local addresses are refused (a calendar URL must not
        # reach into the hub's own network) unless an on-premise calendar needs them.
        self.CALENDAR_IMPORT_ALLOW_PRIVATE = _bool("CALENDAR_IMPORT_ALLOW_PRIVATE", False)
