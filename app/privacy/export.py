"""Everything we store about one person, as data they can take away (DSGVO Art. 15, 20).

``export_user`` and ``export_guest`` collect it in a constant number of statements, however
many bookings there are: each kind of record is one query, related rows are eager-loaded.

What is *not* in it, on purpose: an advisor's private notes on the person's bookings (they
are the advisor's working notes, not the client's data), and other people's sticky notes on
a canvas the person created (they belong to whoever wrote them: the export lists the
canvas and only the notes this person wrote, each with the canvas it is on).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (
    AuditEvent,
    Booking,
    Canvas,
    CanvasNote,
    CanvasVersion,
    Invitation,
    ReviewComment,
    User,
)
from app.models.booking import Advisor
from app.models.journal import BookingNote
from app.models.types import utcnow

FORMAT_VERSION = 1


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Europe/Berlin")
    except (KeyError, ValueError):
        return ZoneInfo("Europe/Berlin")


def _name(obj: object, field: str, locale: str) -> str:
    return getattr(obj, f"{field}_{locale}", "") or getattr(obj, f"{field}_de")


def _bookings_query() -> sa.Select:
    return sa.select(Booking).options(
        joinedload(Booking.consultation_type),
        joinedload(Booking.topic),
        joinedload(Booking.advisor).joinedload(Advisor.user),
        joinedload(Booking.organisation),
    )


def _booking(booking: Booking, zone: ZoneInfo, locale: str) -> dict:
    return {
        "id": booking.uid,
        "type": _name(booking.consultation_type, "name", locale),
        "topic": _name(booking.topic, "name", locale),
        "advisor": booking.advisor.user.name,
        "start_utc": _iso(booking.start),
        "end_utc": _iso(booking.end),
        "start_local": _local(booking.start, zone),
        "end_local": _local(booking.end, zone),
        "timezone": zone.key,
        "status": booking.status,
        "agenda": booking.agenda,
        "cancel_reason": booking.cancel_reason,
        "booked_at_utc": _iso(booking.created_at),
        "confirmed_at_utc": _iso(booking.confirmed_at),
        "cancelled_at_utc": _iso(booking.cancelled_at),
        "language": booking.locale,
        "meeting_url": booking.meeting_url,
        "anonymised_at_utc": _iso(booking.anonymised_at),
    }


def _guest_fields(booking: Booking) -> dict:
    return {
        "guest_name": booking.guest_name,
        "guest_email": booking.guest_email,
        "guest_company": booking.guest_company,
        "consent": {
            "given_at_utc": _iso(booking.guest_consent_at),
            "privacy_notice_version": booking.guest_consent_version,
            "text": booking.guest_consent_text,
        },
    }


def _meta(kind: str, now: datetime) -> dict:
    return {"format_version": FORMAT_VERSION, "subject": kind, "created_at_utc": _iso(now)}


def export_user(user: User, now: datetime | None = None) -> dict:
    """All personal data of an account (statements: one per kind of record)."""
    now = now or utcnow()
    zone, locale = _zone(user.timezone), user.locale or "de"
    organisation = user.organisation
    bookings = db.session.scalars(
        _bookings_query().where(Booking.booked_by_id == user.id).order_by(Booking.start)
    ).unique()
    canvases = db.session.scalars(
        sa.select(Canvas).where(Canvas.created_by_id == user.id).order_by(Canvas.created_at)
    )
    notes = db.session.scalars(
        sa.select(CanvasNote)
        .options(joinedload(CanvasNote.canvas))
        .where(CanvasNote.created_by_id == user.id)
        .order_by(CanvasNote.canvas_id, CanvasNote.block_key, CanvasNote.position)
    )
    comments = db.session.scalars(
        sa.select(ReviewComment)
        .options(joinedload(ReviewComment.version).joinedload(CanvasVersion.canvas))
        .where(ReviewComment.author_id == user.id)
        .order_by(ReviewComment.created_at)
    )
    # Staff only: a client never writes one, and never reads anyone's.
    booking_notes = db.session.scalars(
        sa.select(BookingNote)
        .options(joinedload(BookingNote.booking))
        .where(BookingNote.author_id == user.id)
        .order_by(BookingNote.created_at)
    )
    invitations = db.session.scalars(
        sa.select(Invitation)
        .options(selectinload(Invitation.organisation))
        .where(Invitation.invited_by_id == user.id)
        .order_by(Invitation.created_at)
    )
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.at)
    )
    return {
        "export": _meta("account", now),
        "profile": {
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "language": user.locale,
            "timezone": user.timezone,
            "active": user.active,
            "email_verified_at_utc": _iso(user.email_verified_at),
            "created_at_utc": _iso(user.created_at),
            "erased_at_utc": _iso(user.erased_at),
        },
        "organisation": (
            {
                "name": organisation.name,
                "industry": organisation.industry,
                "city": organisation.city,
                "size": organisation.size,
            }
            if organisation
            else None
        ),
        "bookings": [_booking(booking, zone, locale) for booking in bookings],
        # Booked without an account, with the same address (e.g. before registering).
        "guest_bookings": [
            {**_booking(b, zone, locale), **_guest_fields(b)}
            for b in db.session.scalars(guest_bookings(user.email)).unique()
        ],
        "canvases_created": [
            {
                "id": canvas.id,
                "title": canvas.title,
                "template": canvas.template_key,
                "status": canvas.status,
                "created_at_utc": _iso(canvas.created_at),
                "updated_at_utc": _iso(canvas.updated_at),
            }
            for canvas in canvases
        ],
        "canvas_notes_written": [
            {
                "canvas_id": note.canvas_id,
                "canvas_title": note.canvas.title,
                "block": note.block_key,
                "text": note.text,
                "colour": note.colour,
                "kind": note.kind,
                "created_at_utc": _iso(note.created_at),
                "updated_at_utc": _iso(note.updated_at),
                "deleted_at_utc": _iso(note.deleted_at),
            }
            for note in notes
        ],
        "review_comments_written": [
            {
                "canvas_id": comment.version.canvas_id,
                "canvas_title": comment.version.canvas.title,
                "version": comment.version.number,
                "block": comment.block_key,
                "text": comment.body,
                "created_at_utc": _iso(comment.created_at),
                "resolved_at_utc": _iso(comment.resolved_at),
            }
            for comment in comments
        ],
        "booking_notes_written": [
            {
                "booking": note.booking.uid,
                "text": note.body,
                "created_at_utc": _iso(note.created_at),
                "updated_at_utc": _iso(note.updated_at),
            }
            for note in booking_notes
        ],
        "invitations_sent": [
            {
                "email": invitation.email,
                "organisation": invitation.organisation.name,
                "created_at_utc": _iso(invitation.created_at),
                "expires_at_utc": _iso(invitation.expires_at),
                "used_at_utc": _iso(invitation.used_at),
                "revoked_at_utc": _iso(invitation.revoked_at),
            }
            for invitation in invitations
        ],
        "actions_logged": [
            {
                "at_utc": _iso(event.at),
                "action": event.action,
                "target": event.target_label,
                "ip_address": event.ip_address,
            }
            for event in events
        ],
    }


def guest_bookings(email: str) -> sa.Select:
    """Bookings made as a guest with ``email`` (any case)."""
    return _bookings_query().where(Booking.of_guest(email)).order_by(Booking.start)


def export_guest(email: str, now: datetime | None = None) -> dict:
    """All bookings made as a guest with ``email``: one statement."""
    now = now or utcnow()
    bookings = db.session.scalars(guest_bookings(email)).unique().all()
    return {
        "export": _meta("guest", now),
        "email": User.normalise_email(email),
        "bookings": [
            {**_booking(b, _zone(b.timezone), b.locale or "de"), **_guest_fields(b)}
            for b in bookings
        ],
    }


def _readme(data: dict) -> str:
    counts = {
        key: len(value)
        for key, value in data.items()
        if isinstance(value, list) and key != "export"
    }
    lines = [
        _("Ihre Daten bei %(hub)s", hub=current_app.config["HUB_NAME"]),
        "",
        _(
            "Diese ZIP-Datei enthält alle personenbezogenen Daten, die wir zu Ihnen "
            "gespeichert haben, in der Datei daten.json (JSON, UTF-8, maschinenlesbar)."
        ),
        _(
            "Zeiten stehen in UTC (Felder mit _utc) und, bei Terminen, zusätzlich in Ihrer "
            "Zeitzone (Felder mit _local)."
        ),
        _(
            "Nicht enthalten sind private Notizen der Beraterinnen und Berater sowie "
            "Notizen anderer Personen auf gemeinsamen Canvases: Diese gehören ihnen."
        ),
        "",
        _("Inhalt:"),
    ]
    lines += [f"- {key}: {count}" for key, count in counts.items()]
    lines.append("")
    return "\n".join(lines)


def export_zip(data: dict, locale: str = "de") -> bytes:
    """A ZIP with ``daten.json`` (pretty-printed UTF-8) and a short ``LIESMICH.txt``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("daten.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        with force_locale(locale):
            readme = _readme(data)
        archive.writestr("LIESMICH.txt", readme)
    return buffer.getvalue()


def download(data: dict, filename: str, locale: str) -> Response:
    """The ZIP as an attachment that no cache keeps."""
    response = Response(export_zip(data, locale), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def dated_filename(prefix: str) -> str:
    return f"{prefix}-{utcnow():%Y-%m-%d}.zip"
