"""Managing organisations: search with members and bookings counted, one organisation's
members, upcoming bookings and open invitations, and changes to its details (recorded in
the audit log; the view commits)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.admin.audit import AuditAction, record
from app.admin.paging import PAGE_SIZE, Page, contains
from app.extensions import db
from app.models import ACTIVE_STATUSES, Booking, Invitation, Organisation, User
from app.models.types import utcnow


def search_organisations(text: str, page: int) -> Page:
    """Organisations by name (also found by city or industry), with how many members and
    bookings each has: rows of (id, name, industry, city, size, members, bookings). The
    counts are taken for the page's 25 only."""
    conditions = []
    if text:
        conditions.append(
            sa.or_(
                contains(Organisation.name, text),
                contains(Organisation.city, text),
                contains(Organisation.industry, text),
            )
        )
    count = sa.select(sa.func.count(Organisation.id)).where(*conditions)
    total = db.session.scalar(count) or 0
    page = min(page, max(1, -(-total // PAGE_SIZE)))
    on_page = (
        sa.select(Organisation.id)
        .where(*conditions)
        .order_by(sa.func.lower(Organisation.name), Organisation.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .subquery()
    )
    # Counted per organisation of the page in one pass each (user.organisation_id has no
    # index: a count per row would read the user table 25 times).
    ids = sa.select(on_page.c.id)
    members = (
        sa.select(User.organisation_id.label("id"), sa.func.count(User.id).label("n"))
        .where(User.organisation_id.in_(ids))
        .group_by(User.organisation_id)
        .subquery()
    )
    bookings = (
        sa.select(Booking.organisation_id.label("id"), sa.func.count(Booking.id).label("n"))
        .where(Booking.organisation_id.in_(ids))
        .group_by(Booking.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Organisation.id,
            Organisation.name,
            Organisation.industry,
            Organisation.city,
            Organisation.size,
            sa.func.coalesce(members.c.n, 0).label("members"),
            sa.func.coalesce(bookings.c.n, 0).label("bookings"),
        )
        .join(on_page, on_page.c.id == Organisation.id)
        .outerjoin(members, members.c.id == Organisation.id)
        .outerjoin(bookings, bookings.c.id == Organisation.id)
        .order_by(sa.func.lower(Organisation.name), Organisation.id)
    ).all()
    return Page(rows=rows, total=total, number=page)


def organisation_members(organisation: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.organisation_id == organisation.id)
            .order_by(sa.func.lower(User.name), User.id)
        )
    )


def upcoming_bookings(organisation: Organisation, now: datetime | None = None) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Booking.id)).where(
            Booking.organisation_id == organisation.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.end > (now or utcnow()),
        )
    )


def open_invitations(organisation: Organisation, now: datetime | None = None) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.organisation_id == organisation.id,
                Invitation.open_at(now or utcnow()),
            )
            .order_by(Invitation.created_at)
        )
    )


ORGANISATION_FIELDS = {
    "name": _l("Name"),
    "industry": _l("Branche"),
    "city": _l("Ort"),
    "size": _l("Größe"),
}


def change_organisation(organisation: Organisation, **values: str) -> list[str]:
    """Store the changed fields; one audit entry naming them ("Ort: Köln → Bonn")."""
    changes = []
    for key, value in values.items():
        old = getattr(organisation, key)
        if value != old:
            changes.append(f"{ORGANISATION_FIELDS[key]}: {old} → {value}")
            setattr(organisation, key, value)
    if changes:
        record(
            AuditAction.ORGANISATION_CHANGED,
            organisation,
            target_label=organisation.name,
            detail="; ".join(changes),
        )
        db.session.flush()
    return changes
