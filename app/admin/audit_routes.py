"""The audit log, read-only: who did what to which object, when and from where.

Nothing here changes an entry, and no route could (see tests/test_audit_log.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager
from wtforms import Field, SelectField, StringField, ValidationError
from wtforms.form import BaseForm
from wtforms.validators import Optional

from app.admin import bp
from app.admin.audit import LABELS, AuditAction, label
from app.auth.access import role_required
from app.extensions import db
from app.forms import Form, max_length
from app.i18n import select_timezone
from app.models import AuditEvent, Role, User
from app.web import render

PER_PAGE = 50
FIRST_YEAR, LAST_YEAR = 2000, 2100

# What ``record`` stores as target_type (the model's class name), for people to read.
TARGET_TYPES = {
    "user": _l("Konto"),
    "organisation": _l("Organisation"),
    "advisor": _l("Beraterin/Berater"),
    "consultationtype": _l("Beratungsart"),
    "topic": _l("Thema"),
    "booking": _l("Buchung"),
    "legaldocument": _l("Rechtstext"),
}
# The admin page of each kind of object: (endpoint, the id's argument or None).
TARGET_PAGES = {
    "user": ("admin.user", "user_id"),
    "organisation": ("admin.organisation", "organisation_id"),
    "advisor": ("admin.advisor", "advisor_id"),
    "consultationtype": ("admin.edit_consultation_type", "type_id"),
    "topic": ("admin.edit_topic", "topic_id"),
    "legaldocument": ("admin.legal_texts", None),
}
# After these the object is gone or holds no personal data any more: no link.
GONE = {
    AuditAction.TYPE_DELETED.value,
    AuditAction.TOPIC_DELETED.value,
    AuditAction.USER_ERASED.value,
    AuditAction.ACCOUNT_ERASED.value,
    AuditAction.GUEST_ERASED.value,
}


def _a_day(form: BaseForm, field: Field) -> None:
    """``YYYY-MM-DD`` (what a date input sends) between 2000 and 2100."""
    try:
        day = date.fromisoformat(field.data or "")
    except ValueError:
        raise ValidationError(
            _l("Bitte geben Sie ein Datum ein, z. B. %(example)s.", example="2026-12-31")
        ) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            _l("Bitte ein Datum zwischen %(first)d und %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )
    field.day = day


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET search changes nothing

    aktion = SelectField(_l("Aktion"), validate_choice=False)
    person = StringField(_l("Wer (Name oder E-Mail)"), validators=[Optional(), max_length(100)])
    objekt = SelectField(_l("Art des Objekts"), validate_choice=False)
    von = StringField(_l("Von"), validators=[Optional(), _a_day], render_kw={"type": "date"})
    bis = StringField(_l("Bis"), validators=[Optional(), _a_day], render_kw={"type": "date"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        actions = sorted(
            ((action.value, str(text)) for action, text in LABELS.items()), key=lambda c: c[1]
        )
        self.aktion.choices = [("", _("Alle Aktionen")), *actions]
        self.objekt.choices = [("", _("Alle Objekte"))] + [
            (key, str(text)) for key, text in TARGET_TYPES.items()
        ]

    def validate_aktion(self, field: Field) -> None:
        if field.data and field.data not in {value for value, _text in field.choices}:
            raise ValidationError(_l("Bitte wählen Sie eine der angebotenen Aktionen."))

    def validate_objekt(self, field: Field) -> None:
        if field.data and field.data not in TARGET_TYPES:
            raise ValidationError(_l("Bitte wählen Sie eine der angebotenen Objektarten."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        both = self.von.data and self.bis.data and not (self.von.errors or self.bis.errors)
        if both and self.von.day > self.bis.day:
            self.bis.errors = [*self.bis.errors, _("„Bis“ liegt vor „Von“.")]
            self.von.day = None  # a range that is none: neither end filters
            valid = False
        return valid


@dataclass
class Filters:
    """The filters in force: each one the form accepted; a refused one filters nothing."""

    action: str = ""
    person: str = ""
    target_type: str = ""
    start: datetime | None = None
    end: datetime | None = None
    args: dict | None = None  # for the links of other pages and the CSV


def read_filters(form: AuditFilterForm, zone: ZoneInfo) -> Filters:
    form.validate()

    def accepted(field) -> str:
        return "" if field.errors else (field.data or "").strip()

    filters = Filters(
        action=accepted(form.aktion),
        person=accepted(form.person),
        target_type=accepted(form.objekt),
    )
    if accepted(form.von) and form.von.day is not None:
        filters.start = datetime.combine(form.von.day, time(), zone)
    if accepted(form.bis):
        filters.end = datetime.combine(form.bis.day + timedelta(days=1), time(), zone)
    chosen = {
        "aktion": filters.action,
        "person": filters.person,
        "objekt": filters.target_type,
        "von": accepted(form.von) if filters.start else "",
        "bis": accepted(form.bis) if filters.end else "",
    }
    filters.args = {key: value for key, value in chosen.items() if value}
    return filters


def _where(query: sa.Select, filters: Filters) -> sa.Select:
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.person:
        term = filters.person.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).contains(term, autoescape=True),
                sa.func.lower(User.email).contains(term, autoescape=True),
            )
        )
    if filters.target_type:
        query = query.where(AuditEvent.target_type == filters.target_type)
    if filters.start is not None:
        query = query.where(AuditEvent.at >= filters.start)
    if filters.end is not None:
        query = query.where(AuditEvent.at < filters.end)
    return query


def _events(filters: Filters) -> sa.Select:
    """The filtered events, newest first, each with its actor (one statement)."""
    query = (
        sa.select(AuditEvent)
        .outerjoin(AuditEvent.actor)
        .options(contains_eager(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return _where(query, filters)


def _count(filters: Filters) -> int:
    query = sa.select(sa.func.count(AuditEvent.id)).outerjoin(User, AuditEvent.actor_id == User.id)
    return db.session.scalar(_where(query, filters))


@dataclass
class Page:
    number: int
    total: int
    items: list

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) <= 6 else 1


def target_link(event: AuditEvent) -> str | None:
    """The admin page of the event's object, where one exists and is served."""
    endpoint, argument = TARGET_PAGES.get(event.target_type, (None, None))
    if endpoint is None or endpoint not in current_app.view_functions or event.action in GONE:
        return None
    if argument is None:
        return url_for(endpoint)
    if event.target_id is None:
        return None
    return url_for(endpoint, **{argument: event.target_id})


def target_type_label(value: str) -> str:
    return str(TARGET_TYPES.get(value, value))


@bp.get("/protokoll")
@role_required(Role.ADMIN)
def audit_log():
    """Every admin action and data-protection request, newest first, filtered and paged."""
    zone = ZoneInfo(select_timezone())
    form = AuditFilterForm(request.args)
    filters = read_filters(form, zone)
    total = _count(filters)
    page = Page(number=_page_number(request.args.get("seite")), total=total, items=[])
    page.number = min(page.number, page.pages)
    page.items = db.session.scalars(
        _events(filters).limit(PER_PAGE).offset((page.number - 1) * PER_PAGE)
    ).all()
    return render(
        "admin/audit_log.html",
        form=form,
        filters=filters,
        page=page,
        zone=zone,
        label=label,
        target_link=target_link,
        target_type_label=target_type_label,
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A spreadsheet never runs a cell as a formula: one that could start one gets a '."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


@bp.get("/protokoll.csv")
@role_required(Role.ADMIN)
def audit_log_csv():
    """The filtered log as CSV (UTF-8 with BOM, so spreadsheet programs read the umlauts)."""
    zone = ZoneInfo(select_timezone())
    filters = read_filters(AuditFilterForm(request.args), zone)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Zeit (%(zone)s)", zone=zone.key),
            _("Wer"),
            _("E-Mail-Adresse"),
            _("Aktion"),
            _("Art des Objekts"),
            _("Objekt-Nr."),
            _("Objekt"),
            _("Einzelheiten"),
            _("IP-Adresse"),
        ]
    )
    for event in db.session.scalars(_events(filters)):
        writer.writerow(
            _cell(value)
            for value in (
                event.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor.name if event.actor else _("System"),
                event.actor.email if event.actor else "",
                label(event.action),
                target_type_label(event.target_type),
                event.target_id,
                event.target_label,
                event.detail,
                event.ip_address,
            )
        )
    today = datetime.now(zone).date().isoformat()
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="protokoll-{today}.csv"'},
    )
