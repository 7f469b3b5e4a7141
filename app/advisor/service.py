"""What the Kalender page changes: the feed token, the fixed video link and the connection
to the advisor's own calendar. Each function changes and flushes; the view commits once.

The import itself (fetching, expanding, replacing the busy blocks) is the worker's
(``app.advisor.imports``); the page only stores the address and asks for a fetch by
setting ``requested_at``, which the worker takes before its regular interval is over.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.advisor.imports import SOURCE
from app.booking import freshness
from app.database import lock_row
from app.extensions import db
from app.models import Advisor, BusyBlock, ExternalCalendar

# ExternalCalendar.error codes (set by the import) in words an advisor can act on.
IMPORT_ERRORS = {
    "bad_url": _l(
        "Die Adresse ist keine gültige Kalender-Adresse. Bitte kopieren Sie sie noch einmal "
        "vollständig aus Ihrem Kalender."
    ),
    "forbidden_address": _l(
        "Diese Adresse führt in ein internes Netz, das wir aus Sicherheitsgründen nicht "
        "abrufen. Bitte verwenden Sie die öffentliche Adresse Ihres Kalenders."
    ),
    "unreachable": _l(
        "Der Server Ihres Kalenders war nicht erreichbar. Wir versuchen es automatisch wieder."
    ),
    "timeout": _l(
        "Der Server Ihres Kalenders hat zu lange nicht geantwortet. Wir versuchen es "
        "automatisch wieder."
    ),
    "too_large": _l(
        "Der Kalender ist zu groß für den Abruf. Veröffentlichen Sie, wenn Ihr Kalender es "
        "anbietet, nur einen kürzeren Zeitraum."
    ),
    "too_many_redirects": _l(
        "Die Adresse leitet zu oft weiter. Bitte kopieren Sie die Adresse direkt aus Ihrem "
        "Kalender."
    ),
    "not_found": _l(
        "Unter dieser Adresse gibt es keinen Kalender (mehr). Wurde die Veröffentlichung "
        "beendet oder die Adresse neu erzeugt? Dann tragen Sie bitte die neue Adresse ein."
    ),
    "unauthorized": _l(
        "Der Kalender verlangt eine Anmeldung. Bitte verwenden Sie die geheime Adresse, die "
        "ohne Anmeldung funktioniert."
    ),
    "http_error": _l(
        "Der Server Ihres Kalenders hat mit einem Fehler geantwortet (HTTP %(detail)s). Wir "
        "versuchen es automatisch wieder."
    ),
    "not_calendar": _l(
        "Unter dieser Adresse liegt kein Kalender im iCalendar-Format. Bitte prüfen Sie, ob "
        "Sie die ICS-Adresse kopiert haben und nicht die Adresse der Webansicht."
    ),
}
UNKNOWN_ERROR = _l("Der Abruf ist fehlgeschlagen. Wir versuchen es automatisch wieder.")


def import_error(code: str | None, detail: str | None) -> str | None:
    """The import's error code in plain words (None: the last fetch went well)."""
    if not code:
        return None
    message = IMPORT_ERRORS.get(code, UNKNOWN_ERROR)
    return str(message) % {"detail": detail or "?"} if code == "http_error" else str(message)


def external_calendar(advisor: Advisor) -> ExternalCalendar | None:
    return db.session.get(ExternalCalendar, advisor.id)


def new_feed_token(advisor: Advisor) -> str:
    """A fresh secret for the feed's address; the old address answers 404 from now on."""
    advisor.feed_token = secrets.token_urlsafe(32)
    db.session.flush()
    return advisor.feed_token


def set_meeting_link(advisor: Advisor, link: str) -> None:
    """The fixed video link for new confirmations ("" = a fresh room for each booking).
    Bookings confirmed before keep the room their invites name."""
    advisor.meeting_link = link
    db.session.flush()


def connect_calendar(advisor: Advisor, url: str, now: datetime) -> ExternalCalendar:
    """Store the address of the advisor's calendar and ask for a fetch at once.

    A new address starts afresh: the old one's ETag, Last-Modified and error mean nothing
    for it. The busy blocks of the old address stay until the new one is fetched, so the
    advisor is never bookable in between by accident.
    """
    external = external_calendar(advisor)
    if external is None:
        external = ExternalCalendar(advisor_id=advisor.id, url=url)
        db.session.add(external)
    if external.url != url:
        external.url = url
        external.etag = external.last_modified = None
        external.error = external.error_detail = None
        # Due at once, even while a worker still fetches the old address (whose result
        # the import then drops, as the address changed).
        external.checked_at = None
    external.requested_at = now
    db.session.flush()
    return external


def request_fetch(advisor: Advisor, now: datetime) -> ExternalCalendar | None:
    """ "Jetzt abrufen": the worker fetches before its regular interval is over."""
    external = external_calendar(advisor)
    if external is not None:
        external.requested_at = now
        db.session.flush()
    return external


def disconnect_calendar(advisor: Advisor) -> bool:
    """Forget the calendar and its imported busy times, in the caller's transaction.

    Holds the advisor's row (as bookings and the import do), so an import running at the
    same time either finishes first or finds the connection gone. The bulk delete bypasses
    the ORM's flush, so the calendar version is bumped here: cached pickers show the freed
    times at once.
    """
    lock_row(db.session(), Advisor, advisor.id)
    external = external_calendar(advisor)
    if external is None:
        return False
    db.session.delete(external)
    db.session.execute(
        sa.delete(BusyBlock).where(BusyBlock.advisor_id == advisor.id, BusyBlock.source == SOURCE)
    )
    freshness.bump_advisors(db.session, [advisor.id])
    db.session.flush()
    return True
