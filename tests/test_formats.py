"""Dates, times and per-type texts read alike on every page and in every mail of a language.

English is written the British way (day before month, 24-hour clock), German as usual; the
same booking shown on its page and in its mail uses the same words for its time and place.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.i18n import clock, day_label, format_day, format_meeting, format_moment
from app.models import ConsultationType
from tests.booking_support import at, monday_in

MONTHS = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}  # fmt: skip
TUESDAY = {"de": "Dienstag", "en": "Tuesday"}
WHERE = {"de": "Videokonferenz: Link folgt per E-Mail", "en": "Video call: link follows by email"}


def meeting_text(locale: str, day, times: str = "10:00–10:30") -> str:
    month = MONTHS[locale][day.month - 1]
    date = f"{day.day}. {month}" if locale == "de" else f"{day.day} {month}"
    return f"{TUESDAY[locale]}, {date} {day.year}, {times} (Europe/Berlin)"


@pytest.mark.parametrize(
    ("locale", "meeting", "moment", "day", "month"),
    [
        ("de", "Dienstag, 8. Dezember 2026, 04:00–04:30 (America/New_York)",
         "8. Dez. 2026, 10:00", "Dienstag, 8. Dezember", "Dezember 2026"),
        ("en", "Tuesday, 8 December 2026, 04:00–04:30 (America/New_York)",
         "8 Dec 2026, 10:00", "Tuesday, 8 December", "December 2026"),
    ],
)  # fmt: skip
def test_each_language_has_one_style_for_dates_and_times(app, locale, meeting, moment, day, month):
    start = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale(locale):
        assert format_meeting(start, start + timedelta(minutes=30), "America/New_York") == meeting
        assert format_moment(start, "Europe/Berlin") == moment
        assert day_label(start.date()) == day
        assert format_day(start.date(), "month") == month
        # Babel's plain "en" would say "2:30 PM"; our English keeps the 24-hour clock.
        assert clock(start + timedelta(hours=5, minutes=30), "Europe/Berlin") == "15:30"


def _with_locations(app, world, en: str) -> None:
    with app.app_context():
        ctype = db.session.get(ConsultationType, world.ctype.id)
        ctype.location_detail_de = "Link folgt per E-Mail"
        ctype.location_detail_en = en
        db.session.commit()


@pytest.mark.parametrize("locale", ["de", "en"])
def test_a_booking_reads_alike_on_its_page_and_in_its_mail(
    app, client, auth, make, world, outbox, locale
):
    _with_locations(app, world, "link follows by email")
    booker = make.user(name="Ada Lovelace", locale=locale)
    auth.login(booker.email)
    day = monday_in(2) + timedelta(days=1)
    start = at(day, "10:00")
    answer = client.submit(
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung&advisor=any"
        f"&start={start:%Y-%m-%dT%H:%MZ}",
        {"agenda": "Daten"},
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    [mail] = outbox(booker.email)
    when = meeting_text(locale, day)
    assert when in page and when in mail.body_text and when in mail.body_html
    assert WHERE[locale] in page and WHERE[locale] in mail.body_text
    for american in (" AM", " PM", f"{MONTHS['en'][day.month - 1]} {day.day},"):
        assert american not in page and american not in mail.body_text
    # The advisor reads the same booking in German, the language of their profile.
    advisor_mail = next(m for m in outbox() if m.to_address != booker.email)
    assert meeting_text("de", day) in advisor_mail.body_text
    assert WHERE["de"] in advisor_mail.body_text


def test_an_empty_english_location_falls_back_to_german(app, client, auth, make, world, outbox):
    _with_locations(app, world, "")
    booker = make.user(locale="en")
    auth.login(booker.email)
    start = at(monday_in(2) + timedelta(days=1), "10:00")
    answer = client.submit(
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung&advisor=any"
        f"&start={start:%Y-%m-%dT%H:%MZ}",
        {"agenda": "Daten"},
    )
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    [mail] = outbox(booker.email)
    assert "Video call: Link folgt per E-Mail" in page
    assert "Video call: Link folgt per E-Mail" in mail.body_text


def test_invitations_are_dated_in_the_language_of_the_page(app, client, auth, make):
    member = make.user(locale="en")
    auth.login(member.email)
    client.submit("/konto/organisation", {"email": "kollegin@firma.example"})
    page = client.get("/konto/organisation").get_data(as_text=True)
    # The page dates in the viewer's zone: between 23:00 and 24:00 UTC Berlin is a day ahead.
    today = datetime.now(ZoneInfo("Europe/Berlin"))
    assert f"{today.day} {MONTHS['en'][today.month - 1][:3]} {today.year}, " in page
