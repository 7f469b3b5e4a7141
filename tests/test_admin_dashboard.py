"""The admin dashboard: each figure against bookings with known answers, the range filter,
the CSV downloads (the same rows as the tables, safe in a spreadsheet), access and a
constant number of statements however many bookings there are."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.admin.booking_figures import booking_counts, demand_by_topic, demand_by_type
from app.admin.canvas_figures import canvas_figures
from app.admin.dashboard import build
from app.admin.date_range import DateRange, RangeError, default_range, parse_range
from app.admin.utilisation import utilisation
from app.extensions import db
from app.models import (
    AvailabilityException,
    Booking,
    Canvas,
    CanvasTransition,
    Role,
    Topic,
)
from tests.test_html import audit

BERLIN = ZoneInfo("Europe/Berlin")
WEEK_X = date(2026, 3, 2)  # a Monday, weeks away from a clock change
SPAN_X = DateRange(WEEK_X, WEEK_X + timedelta(days=6), BERLIN)
_uids = count()


def local(day: date, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


def add(app, world, start: datetime, status: str = "confirmed", *, minutes: int = 60,
        advisor: str = "brandt", guest: bool = False, topic=None) -> None:  # fmt: skip
    """A booking row as the booking service leaves it (the figures only read rows)."""
    with app.app_context():
        end = start + timedelta(minutes=minutes)
        who = (
            {"guest_email": "gast@firma.example", "guest_name": "Gast"}
            if guest
            else {"booked_by_id": world.client.id}
        )
        db.session.add(
            Booking(
                uid=f"dashboard-{next(_uids)}",
                advisor_id=getattr(world, advisor).id,
                consultation_type_id=world.ctype.id,
                topic_id=(topic or world.topic).id,
                start=start,
                end=end,
                blocked_from=start,
                blocked_until=end,
                status=status,
                **who,
            )
        )
        db.session.commit()


def figure(app, function, span=SPAN_X):
    with app.app_context():
        return function(db.session, span)


# --- the figures -------------------------------------------------------------------------


def test_bookings_per_week_by_status_and_rates(app, world):
    wednesday = WEEK_X + timedelta(days=2)
    for hour in ("09:00", "10:00", "11:00"):
        add(app, world, local(wednesday, hour))
    add(app, world, local(wednesday, "13:00"), "no_show")
    add(app, world, local(wednesday, "14:00"), "cancelled")
    add(app, world, local(WEEK_X + timedelta(days=7), "10:00"), "completed")  # week after
    add(app, world, local(WEEK_X + timedelta(days=7), "11:00"), "no_show", guest=True)
    add(app, world, local(WEEK_X - timedelta(days=1), "10:00"))  # before the range

    span = DateRange(WEEK_X, WEEK_X + timedelta(days=13), BERLIN)
    found = figure(app, booking_counts, span)

    assert [week.monday for week in found.weeks] == [WEEK_X, WEEK_X + timedelta(days=7)]
    first, second = found.weeks
    assert first.counts == {"confirmed": 3, "pending": 0, "completed": 0, "no_show": 1,
                            "cancelled": 1}  # fmt: skip
    assert second.counts["completed"] == 1 and second.counts["no_show"] == 1
    assert found.all == 7
    assert found.no_show_rate == pytest.approx(2 / 3)  # 2 no-shows of 1 completed + 2
    assert found.cancellation_rate == pytest.approx(1 / 7)
    assert found.not_cancelled(found.guest) == 1
    assert found.not_cancelled(found.account) == 5 and found.account["cancelled"] == 1


def test_weeks_follow_the_local_calendar_across_a_clock_change(app, world):
    # Summer time starts on Sunday 29 March 2026: Monday 00:30 local is Sunday 22:30 UTC.
    monday = date(2026, 3, 30)
    add(app, world, local(monday, "00:30"))
    add(app, world, local(monday - timedelta(days=1), "23:30"), "completed")
    span = DateRange(date(2026, 3, 23), date(2026, 4, 5), BERLIN)
    found = figure(app, booking_counts, span)
    assert [w.counts["completed"] for w in found.weeks] == [1, 0]
    assert [w.counts["confirmed"] for w in found.weeks] == [0, 1]


def test_utilisation_is_booked_over_offered_hours(app, world):
    # Mon–Fri 9–17 is 40 offered hours; four booked hours are 10 %.
    for day in range(4):
        add(app, world, local(WEEK_X + timedelta(days=day), "10:00"))
    add(app, world, local(WEEK_X, "14:00"), "cancelled")  # frees its time: not booked
    add(app, world, local(WEEK_X + timedelta(days=4), "10:00"), "pending")  # not yet booked
    rows = {u.name: u for u in figure(app, utilisation)}
    brandt = rows["Dr. Katharina Brandt"]
    assert (brandt.offered_hours, brandt.booked_hours) == (40.0, 4.0)
    assert brandt.share == pytest.approx(0.10)
    assert rows["Thomas Becker"].booked_hours == 0 and rows["Thomas Becker"].offered_hours == 40


def test_a_day_off_and_special_hours_lower_the_offered_hours(app, world):
    with app.app_context():
        db.session.add_all(
            [  # Tuesday off (as a public holiday is stored), Thursday 9–12 only
                AvailabilityException(advisor_id=world.brandt.id, first_day=WEEK_X + timedelta(1),
                                      last_day=WEEK_X + timedelta(1), reason="Feiertag"),
                AvailabilityException(advisor_id=world.brandt.id, first_day=WEEK_X + timedelta(3),
                                      last_day=WEEK_X + timedelta(3), start_time=time(9),
                                      end_time=time(12)),
            ]
        )  # fmt: skip
        db.session.commit()
    add(app, world, local(WEEK_X, "10:00"), minutes=120)
    rows = {u.name: u for u in figure(app, utilisation)}
    assert rows["Dr. Katharina Brandt"].offered_hours == 40 - 8 - 5
    assert rows["Dr. Katharina Brandt"].share == pytest.approx(2 / 27)


def test_demand_by_topic_and_type_keeps_cancellations_apart(app, world, make):
    other = make.topic("export", "Export")
    add(app, world, local(WEEK_X, "09:00"))
    add(app, world, local(WEEK_X, "10:00"), "completed")
    add(app, world, local(WEEK_X, "11:00"), "cancelled")
    add(app, world, local(WEEK_X, "12:00"), topic=other)
    topics = figure(app, demand_by_topic)
    assert [(d.name_de, d.booked, d.cancelled) for d in topics] == [
        ("Digitalisierung", 2, 1),
        ("Export", 1, 0),
    ]
    types = figure(app, demand_by_type)
    assert [(d.name_de, d.booked, d.cancelled) for d in types] == [
        ("Erstgespräch Digitalisierung", 3, 1)
    ]


def canvas_with(app, make, *steps: tuple[str, float]) -> None:
    """A canvas and its transitions: (action, hours after Monday 08:00 of week X)."""
    organisation = make.organisation(f"Canvas GmbH {next(_uids)}")
    moves = {"submit": ("draft", "submitted"), "start_review": ("submitted", "in_review"),
             "request_changes": ("in_review", "changes_requested"),
             "approve": ("in_review", "approved")}  # fmt: skip
    base = local(WEEK_X, "08:00")
    with app.app_context():
        canvas = Canvas(organisation_id=organisation.id, template_key="bmc", title="Plan",
                        status=moves[steps[-1][0]][1])  # fmt: skip
        db.session.add(canvas)
        db.session.flush()
        for action, hours in steps:
            before, after = moves[action]
            db.session.add(
                CanvasTransition(canvas_id=canvas.id, action=action, from_status=before,
                                 to_status=after, at=base + timedelta(hours=hours))
            )  # fmt: skip
        db.session.commit()


def test_median_time_to_a_decision_with_an_odd_count(app, make):
    canvas_with(app, make, ("submit", 0), ("start_review", 0.5), ("approve", 1))
    canvas_with(app, make, ("submit", 0), ("start_review", 1), ("request_changes", 10))
    # resubmitted: each decision counts from the latest submission before it
    canvas_with(app, make, ("submit", 0), ("start_review", 1), ("request_changes", 5),
                ("submit", 6), ("start_review", 7), ("approve", 8))  # fmt: skip
    canvas_with(app, make, ("submit", 0))  # waiting: no decision yet
    found = figure(app, canvas_figures)
    assert found.decisions == 4  # waits 1, 10, 5 and 2 hours
    assert found.median_hours == pytest.approx(3.5)
    assert found.by_status["approved"] == 2 and found.by_status["submitted"] == 1
    assert found.by_status["changes_requested"] == 1 and found.by_status["draft"] == 0


def test_median_time_to_a_decision_with_an_even_and_an_odd_count(app, make):
    for hours in (2, 4):
        canvas_with(app, make, ("submit", 0), ("start_review", 1), ("approve", hours))
    assert figure(app, canvas_figures).median_hours == pytest.approx(3)
    canvas_with(app, make, ("submit", 0), ("start_review", 1), ("approve", 30))
    assert figure(app, canvas_figures).median_hours == pytest.approx(4)
    nothing = DateRange(date(2025, 1, 1), date(2025, 1, 31), BERLIN)
    empty = figure(app, canvas_figures, nothing)
    assert (empty.decisions, empty.median_hours) == (0, None)


# --- the range ---------------------------------------------------------------------------


def test_the_default_range_is_twelve_weeks_back_and_four_ahead():
    span = default_range(date(2026, 12, 9), BERLIN)  # a Wednesday
    assert span.first == date(2026, 9, 21)  # Monday eleven weeks before this week's
    assert span.last == date(2027, 1, 10)  # Sunday four weeks after this week's
    assert len(span.weeks()) == 16


@pytest.mark.parametrize(
    ("von", "bis", "reason"),
    [
        ("2026-05-01", "2026-04-01", "order"),
        ("2026-01-01", "9999-12-31", "years"),
        ("1066-10-14", "1066-10-15", "years"),
        ("gestern", "2026-04-01", "format"),
        ("2026-02-30", "2026-03-01", "format"),
        ("2026-01-01\n", "2026-02-01\x00", "format"),
        ("2024-01-01", "2026-03-01", "span"),
        ("2026-01-01" * 10_000, "2026-02-01", "format"),
    ],
)
def test_bad_ranges_are_refused(von, bis, reason):
    with pytest.raises(RangeError) as refused:
        parse_range(von, bis, date(2026, 12, 7), BERLIN)
    assert str(refused.value) == reason


def test_a_good_range_is_taken():
    span = parse_range("2026-01-01", "2026-12-31", date(2026, 12, 7), BERLIN)
    assert (span.first, span.last, span.days) == (date(2026, 1, 1), date(2026, 12, 31), 365)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("von=2026-05-01&bis=2026-04-01", "Das Enddatum liegt vor dem Anfangsdatum."),
        ("von=2026-01-01&bis=9999-12-31", "zwischen dem Jahr 2000"),
        ("von=%3Cscript%3E&bis=x", "im Format JJJJ-MM-TT"),
        ("von=2020-01-01&bis=2026-01-01", "höchstens zwei Jahre"),
    ],
)
def test_the_page_explains_a_bad_range_and_shows_the_default(client, admin, query, message):
    response = client.get(f"/admin/?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and "Angezeigt wird der Standardzeitraum." in page
    assert "<script>" not in page.split("<main", 1)[1]


# --- the page and its downloads ----------------------------------------------------------


def range_query() -> str:
    return f"von={WEEK_X.isoformat()}&bis={(WEEK_X + timedelta(days=6)).isoformat()}"


def test_the_dashboard_shows_every_figure_with_its_table(client, admin, app, world):
    add(app, world, local(WEEK_X, "10:00"), minutes=240)
    add(app, world, local(WEEK_X, "15:00"), "cancelled")
    response = client.get(f"/admin/?{range_query()}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('role="img"') == 7 and page.count("<caption>") == 7
    for slug in figures_slugs():
        assert f"/admin/statistik/{slug}.csv?" in page
    assert "10,0\u00a0%" in page  # Brandt: 4 of 40 hours, German comma and spacing
    assert "KW 10/2026" in page
    found = audit(page)
    assert [i for i, n in found.ids.items() if n > 1] == []
    assert found.inline == [] and found.htmx_without_target == []
    assert [f for f in found.fields if f.get("id") not in found.label_targets] == []
    assert " style=" not in page


def test_the_dashboard_in_english_formats_numbers_the_english_way(client, auth, make, app,
                                                                  world):  # fmt: skip
    auth.login(make.user(role=Role.ADMIN, locale="en").email)
    add(app, world, local(WEEK_X, "10:00"), minutes=240)
    assert "10.0%" in client.get(f"/admin/?{range_query()}").get_data(as_text=True)


def figures_slugs():
    from app.admin.dashboard_routes import FIGURES

    return FIGURES


class Tables(HTMLParser):
    """Every table's caption and rows (cell texts), as a reader would take them in."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._caption.strip()] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._in_caption:
            self._caption += data
        elif self._cell is not None:
            self._cell.append(data)


def number(text: str) -> str:
    """A German page number as the CSV writes it: "1.234,5 %" → "1234.5"; "–" → ""."""
    text = text.replace("\xa0", " ").removesuffix("%").strip()
    if text == "–":
        return ""
    if re.fullmatch(r"[\d.]+(,\d+)?", text):
        return text.replace(".", "").replace(",", ".")
    return text


@pytest.mark.parametrize(
    ("slug", "caption"),
    [
        ("buchungen", "Buchungen pro Kalenderwoche nach Status"),
        ("auslastung", "Auslastung der Beraterinnen und Berater"),
        ("themen", "Nachfrage nach Thema"),
        ("quoten", "Nicht erschienen und Absagen im gesamten Zeitraum"),
        ("gast-konto", "Buchungen von Gästen und mit Konto"),
        ("canvases", "Canvases nach aktuellem Status"),
    ],
)
def test_each_csv_holds_the_rows_of_its_table(client, admin, app, world, make, slug, caption):
    for n, status in enumerate(["confirmed", "completed", "no_show", "cancelled", "completed"]):
        add(app, world, local(WEEK_X + timedelta(days=n % 5), "10:00"), status, minutes=90,
            guest=n == 1)  # fmt: skip
    canvas_with(app, make, ("submit", 0), ("start_review", 1), ("approve", 3))
    parser = Tables()
    parser.feed(client.get(f"/admin/?{range_query()}").get_data(as_text=True))
    table = parser.tables[caption]

    response = client.get(f"/admin/statistik/{slug}.csv?{range_query()}")
    assert response.status_code == 200
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert [h.removesuffix(" (%)") for h in header] == table[0]
    assert body == [[row[0]] + [number(cell) for cell in row[1:]] for row in table[1:]]
    assert body  # something to compare


def test_csv_cells_cannot_run_as_formulas(client, admin, app, world):
    with app.app_context():
        topic = db.session.get(Topic, world.topic.id)
        topic.name_de = '=HYPERLINK("http://evil.example","Klick")'
        db.session.commit()
    add(app, world, local(WEEK_X, "10:00"))
    body = client.get(f"/admin/statistik/themen.csv?{range_query()}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","Klick")'
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_csv_headers_follow_the_language(app, client, auth, make, locale):
    from flask_babel import force_locale, gettext

    auth.login(make.user(role=Role.ADMIN, locale=locale).email)
    body = client.get("/admin/statistik/themen.csv").get_data(as_text=True)
    german = ["Thema", "Gebucht (ohne Absagen)", "Abgesagt"]
    with app.test_request_context(), force_locale(locale):
        expected = [gettext(text) for text in german]
    assert next(csv.reader(io.StringIO(body.lstrip("\ufeff")))) == expected


def test_an_unknown_figure_is_not_found(client, admin):
    assert client.get("/admin/statistik/passwoerter.csv").status_code == 404
    assert client.get("/admin/statistik/..%2Fetc.csv").status_code == 404


@pytest.mark.parametrize("role", [Role.CLIENT, Role.ADVISOR])
@pytest.mark.parametrize("path", ["/admin/", "/admin/statistik/themen.csv"])
def test_only_admins_see_the_figures(client, auth, make, role, path):
    auth.login(make.user(role=role).email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/admin/", "/admin/statistik/themen.csv"])
def test_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/konto/anmelden" in response.headers["Location"]


def test_the_statements_do_not_grow_with_the_bookings(client, admin, app, world, make,
                                                      count_queries):  # fmt: skip
    path = f"/admin/?von={WEEK_X.isoformat()}&bis={(WEEK_X + timedelta(days=27)).isoformat()}"
    canvas_with(app, make, ("submit", 0), ("start_review", 1), ("approve", 3))
    for n in range(3):
        add(app, world, local(WEEK_X + timedelta(days=n), "10:00"))
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    statuses = ["confirmed", "completed", "no_show", "cancelled", "pending"]
    for n in range(57):
        day, slot = divmod(n, 6)
        add(app, world, local(WEEK_X + timedelta(days=3 + day), f"{9 + slot}:00"),
            statuses[n % 5], minutes=50, advisor=("brandt", "becker")[n % 2],
            guest=n % 3 == 0)  # fmt: skip
        canvas_with(app, make, ("submit", n), ("start_review", n + 1), ("approve", n + 2))
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few)
    with count_queries() as download:
        client.get(f"/admin/statistik/buchungen.csv?{path.split('?')[1]}")
    assert len(download) <= len(many)


def test_all_figures_take_seven_statements(app, world):
    """Seven statements in all: the bookings (one grouped pass), advisors, weekly hours with
    their exceptions, topic and type names, canvas statuses and the median."""
    for n in range(5):
        add(app, world, local(WEEK_X + timedelta(days=n), "10:00"))
    with app.app_context():
        statements: list[str] = []
        engine = db.engine

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            found = build(db.session, SPAN_X)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
    assert found.bookings.total("confirmed") == 5
    assert len([s for s in statements if not s.startswith("BEGIN")]) == 7


@pytest.mark.parametrize("locale", ["de", "en"])
def test_page_numbers_read_as_babel_writes_them(app, locale):
    from flask_babel import force_locale, format_decimal, format_percent

    from app.admin.numbers import page_value

    with app.test_request_context(), force_locale(locale):
        for whole in (0, 7, 1234, 987654):
            assert page_value(whole, "int") == format_decimal(whole)
        for hours in (0.0, 3.25, 1234.56, 40.0):
            assert page_value(hours, "hours") == format_decimal(hours, format="#,##0.0")
        one_decimal = {"de": "#,##0.0\u00a0%", "en": "#,##0.0%"}[locale]  # 12,5 % / 12.5%
        for share in (0.0, 0.1, 0.12345, 1.5):
            assert page_value(share, "percent") == format_percent(share, format=one_decimal)
        assert page_value(None, "percent") == "–"
