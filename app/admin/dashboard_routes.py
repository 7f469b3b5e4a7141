"""The dashboard (``/admin/``): the hub's figures for a date range, each chart with its
table and a CSV download of the same rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin import bp, charts
from app.admin.booking_figures import STATUSES, Demand
from app.admin.dashboard import Dashboard, build
from app.admin.date_range import DateRange, RangeError, default_range, parse_range
from app.admin.numbers import NumberStyle
from app.auth.access import role_required
from app.booking.labels import STATUSES as BOOKING_STATUS_LABELS
from app.canvas.labels import STATUS_LABELS as CANVAS_STATUS_LABELS
from app.extensions import db
from app.i18n import format_day
from app.models import Role
from app.web import render

RANGE_ERRORS = {
    "format": _l("Bitte geben Sie beide Daten im Format JJJJ-MM-TT an."),
    "order": _l("Das Enddatum liegt vor dem Anfangsdatum."),
    "years": _l("Bitte wählen Sie Daten zwischen dem Jahr 2000 und den nächsten fünf Jahren."),
    "span": _l("Der Zeitraum darf höchstens zwei Jahre umfassen."),
}
# Cells a spreadsheet would read as a formula (CSV injection), and what neutralises them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, int, hours (one decimal), percent (a share, shown ×100)


@dataclass(frozen=True)
class Table:
    """One figure as a table: what the page shows under its chart and the CSV holds."""

    slug: str
    caption: str
    columns: list[Column]
    rows: list[list]

    def shown(self) -> list[list[str]]:
        """The rows as the page shows them (formatted here: one Jinja call per cell would
        cost a year's table more than its query)."""
        kinds = [column.kind for column in self.columns]
        page = NumberStyle.current().page
        return [[page(v, k) for v, k in zip(row, kinds, strict=True)] for row in self.rows]


def hub_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def requested_range(now: datetime) -> tuple[DateRange, str | None]:
    """The range of ``?von=&bis=``, or the default one and the translated reason."""
    zone = hub_zone()
    today = now.astimezone(zone).date()
    try:
        return parse_range(request.args.get("von"), request.args.get("bis"), today, zone), None
    except RangeError as error:
        return default_range(today, zone), str(RANGE_ERRORS[str(error)])


def week_label(monday: date) -> str:
    year, week, _weekday = monday.isocalendar()
    return _("KW %(week)s/%(year)s", week=week, year=year)


def localised_name(item) -> str:
    locale = str(get_locale() or "de")
    return (item.name_en if locale == "en" else "") or item.name_de


def tables(board: Dashboard) -> dict[str, Table]:
    """Every figure's table, by the slug of its CSV."""
    bookings = board.bookings
    status_columns = [Column(str(BOOKING_STATUS_LABELS[s]), "int") for s in STATUSES]
    week_table = Table(
        "buchungen",
        _("Buchungen pro Kalenderwoche nach Status"),
        [Column(_("Kalenderwoche")), *status_columns, Column(_("Gesamt"), "int")],
        [[week_label(w.monday), *(w.counts[s] for s in STATUSES), w.total] for w in bookings.weeks],
    )
    utilisation = Table(
        "auslastung",
        _("Auslastung der Beraterinnen und Berater"),
        [
            Column(_("Beraterin oder Berater")),
            Column(_("Angebotene Stunden"), "hours"),
            Column(_("Gebuchte Stunden"), "hours"),
            Column(_("Auslastung"), "percent"),
        ],
        [[u.name, u.offered_hours, u.booked_hours, u.share] for u in board.utilisation],
    )

    def demand(slug: str, caption: str, header: str, items: list[Demand]) -> Table:
        return Table(
            slug,
            caption,
            [
                Column(header),
                Column(_("Gebucht (ohne Absagen)"), "int"),
                Column(_("Abgesagt"), "int"),
            ],
            [[localised_name(d), d.booked, d.cancelled] for d in items],
        )

    no_shows = bookings.total("no_show")
    due = bookings.total("completed") + no_shows
    cancelled = bookings.total("cancelled")
    rates = Table(
        "quoten",
        _("Nicht erschienen und Absagen im gesamten Zeitraum"),
        [
            Column(_("Kennzahl")),
            Column(_("Anzahl"), "int"),
            Column(_("Bezugsgröße"), "int"),
            Column(_("Quote"), "percent"),
        ],
        [
            [_("Nicht erschienen (von stattgefunden + nicht erschienen)"), no_shows, due,
             bookings.no_show_rate],
            [_("Abgesagt (von allen Buchungen)"), cancelled, bookings.all,
             bookings.cancellation_rate],
        ],
    )  # fmt: skip
    guest = Table(
        "gast-konto",
        _("Buchungen von Gästen und mit Konto"),
        [
            Column(_("Gebucht als")),
            Column(_("Gebucht (ohne Absagen)"), "int"),
            Column(_("Abgesagt"), "int"),
        ],
        [
            [_("Gast (ohne Konto)"), bookings.not_cancelled(bookings.guest),
             bookings.guest["cancelled"]],
            [_("Mit Konto"), bookings.not_cancelled(bookings.account),
             bookings.account["cancelled"]],
        ],
    )  # fmt: skip
    canvases = Table(
        "canvases",
        _("Canvases nach aktuellem Status"),
        [Column(_("Status")), Column(_("Anzahl"), "int")],
        [
            [str(CANVAS_STATUS_LABELS.get(status, status)), count]
            for status, count in board.canvases.by_status.items()
        ],
    )
    found = [
        week_table,
        utilisation,
        demand("themen", _("Nachfrage nach Thema"), _("Thema"), board.topics),
        demand("beratungsarten", _("Nachfrage nach Beratungsart"), _("Beratungsart"), board.types),
        rates,
        guest,
        canvases,
    ]
    return {table.slug: table for table in found}


FIGURES = (
    "buchungen",
    "auslastung",
    "themen",
    "beratungsarten",
    "quoten",
    "gast-konto",
    "canvases",
)


# --- formatting (numbers on the page: app/admin/numbers.py) -----------------------------


def csv_value(value, kind: str) -> str:
    """A cell in the CSV: numbers plain (point as decimal mark, a share as its percent with
    one decimal), text with formula starts neutralised."""
    if value is None:
        return ""
    if kind == "int":
        return str(int(value))
    if kind == "hours":
        return f"{value:.1f}"
    if kind == "percent":
        return f"{value * 100:.1f}"
    return neutralised(str(value))


def neutralised(text: str) -> str:
    """A text cell no spreadsheet runs as a formula: a leading ' before = + - @ (OWASP)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_header(column: Column) -> str:
    header = neutralised(column.header)
    if column.kind == "percent":
        return f"{header} (%)"
    return header


# --- views -------------------------------------------------------------------------------


def now() -> datetime:
    return datetime.now().astimezone()


@bp.get("/")
@role_required(Role.ADMIN)
def dashboard():
    """The figures of the requested range (default: the last 12 weeks and the next 4)."""
    span, error = requested_range(now())
    board = build(db.session, span)
    found = tables(board)
    bookings = board.bookings
    weeks = [str(w.monday.isocalendar()[1]) for w in bookings.weeks]
    week_chart = charts.stacked_columns(
        weeks,
        [[w.counts[s] for w in bookings.weeks] for s in STATUSES],
        height=320,
    )
    utilisation_chart = charts.horizontal_bars(
        [u.name for u in board.utilisation],
        [u.share or 0 for u in board.utilisation],
        maximum=max([1.0, *(u.share or 0 for u in board.utilisation)]),
    )
    topic_chart = charts.horizontal_bars(
        [localised_name(d) for d in board.topics], [d.booked for d in board.topics]
    )
    type_chart = charts.horizontal_bars(
        [localised_name(d) for d in board.types], [d.booked for d in board.types]
    )
    worst = max(bookings.no_show_rate or 0, bookings.cancellation_rate or 0)
    rate_chart = charts.horizontal_bars(
        [_("Nicht erschienen"), _("Abgesagt")],
        [bookings.no_show_rate or 0, bookings.cancellation_rate or 0],
        maximum=charts.nice_maximum(worst) if worst else 0.1,
        series=[3, 4],
    )
    guest_chart = charts.horizontal_bars(
        [row[0] for row in found["gast-konto"].rows],
        [row[1] for row in found["gast-konto"].rows],
    )
    canvas_rows = found["canvases"].rows
    canvas_chart = charts.horizontal_bars(
        [row[0] for row in canvas_rows],
        [row[1] for row in canvas_rows],
    )
    status_labels = [str(BOOKING_STATUS_LABELS[s]) for s in STATUSES]
    numbers = NumberStyle.current()
    return render_page(
        numbers,
        board=board,
        span=span,
        error=error,
        tables=found,
        week_chart=week_chart,
        utilisation_chart=utilisation_chart,
        topic_chart=topic_chart,
        type_chart=type_chart,
        rate_chart=rate_chart,
        guest_chart=guest_chart,
        canvas_chart=canvas_chart,
        status_labels=status_labels,
        week_titles=[
            f"{status_labels[r.series]}: {numbers.chart(r.value)}" for r in week_chart.rects
        ],
    )


def render_page(numbers: NumberStyle, **context) -> Response:
    span = context["span"]
    return render(
        "admin/dashboard.html",
        page_value=numbers.page,
        chart_number=numbers.chart,
        percent_number=numbers.percent,
        range_label=_(
            "%(first)s bis %(last)s",
            first=format_day(span.first, "short_date"),
            last=format_day(span.last, "short_date"),
        ),
        **context,
    )


@bp.get("/statistik/<figure>.csv")
@role_required(Role.ADMIN)
def dashboard_csv(figure: str):
    """One figure's table as CSV (UTF-8 with BOM, so spreadsheets read the umlauts)."""
    if figure not in FIGURES:
        abort(404)
    span, _error = requested_range(now())
    board = build(db.session, span)
    table = tables(board)[figure]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_header(column) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                csv_value(value, column.kind)
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    name = f"{figure}_{span.first.isoformat()}_{span.last.isoformat()}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
