"""Looking at accounts: each account's status (active, deactivated, unconfirmed, erased),
the role and status labels, the account list's filters and search, and the bookings one
person made or holds. Changes to accounts are in ``app.admin.account_changes``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.admin.paging import Page, clean_query, contains, page_number, paged
from app.extensions import db
from app.models import ACTIVE_STATUSES, Advisor, Booking, Organisation, Role, User
from app.models.types import utcnow

ROLE_LABELS = {
    Role.CLIENT.value: _l("Unternehmen"),
    Role.ADVISOR.value: _l("Beraterin / Berater"),
    Role.ADMIN.value: _l("Administration"),
}


class Status(StrEnum):
    """Where an account stands; each account has exactly one."""

    ACTIVE = "aktiv"
    DEACTIVATED = "deaktiviert"
    UNCONFIRMED = "unbestaetigt"
    ERASED = "geloescht"


STATUS_LABELS = {
    Status.ACTIVE: _l("aktiv"),
    Status.DEACTIVATED: _l("deaktiviert"),
    Status.UNCONFIRMED: _l("unbestätigt"),
    Status.ERASED: _l("gelöscht"),
}


def status_of(user: User) -> Status:
    if user.erased_at is not None:
        return Status.ERASED
    if not user.active:
        return Status.DEACTIVATED
    if user.email_verified_at is None:
        return Status.UNCONFIRMED
    return Status.ACTIVE


def _status_condition(status: Status) -> sa.ColumnElement[bool]:
    """``status_of`` as SQL."""
    not_erased = User.erased_at.is_(None)
    if status == Status.ERASED:
        return User.erased_at.is_not(None)
    if status == Status.DEACTIVATED:
        return sa.and_(not_erased, User.active.is_(False))
    if status == Status.UNCONFIRMED:
        return sa.and_(not_erased, User.active.is_(True), User.email_verified_at.is_(None))
    return sa.and_(not_erased, User.active.is_(True), User.email_verified_at.is_not(None))


@dataclass(frozen=True)
class UserFilter:
    query: str = ""
    role: str | None = None
    status: Status | None = None
    page: int = 1


def user_filter(args) -> UserFilter:
    """The account list's filters from its address (``q``, ``rolle``, ``status``,
    ``seite``); an unknown value means "any", never an error."""
    role = args.get("rolle")
    status = args.get("status")
    return UserFilter(
        query=clean_query(args.get("q")),
        role=role if role in ROLE_LABELS else None,
        status=Status(status) if status in Status._value2member_map_ else None,
        page=page_number(args.get("seite")),
    )


def search_users(filters: UserFilter) -> Page:
    """Accounts matching ``filters`` by name, then id: rows of (id, name, email, role,
    organisation name, active, verified at, erased at, reviewer flag or None)."""
    conditions = []
    if filters.query:
        conditions.append(
            sa.or_(
                contains(User.name, filters.query),
                contains(User.email, filters.query),
                contains(Organisation.name, filters.query),
            )
        )
    if filters.role:
        conditions.append(User.role == filters.role)
    if filters.status:
        conditions.append(_status_condition(filters.status))
    joined = sa.select(User.id).outerjoin(Organisation, Organisation.id == User.organisation_id)
    count = sa.select(sa.func.count()).select_from(joined.where(*conditions).subquery())
    query = (
        sa.select(
            User.id,
            User.name,
            User.email,
            User.role,
            Organisation.name.label("organisation"),
            User.active,
            User.email_verified_at,
            User.erased_at,
            Advisor.is_reviewer,
        )
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Advisor, Advisor.user_id == User.id)
        .where(*conditions)
        .order_by(sa.func.lower(User.name), User.id)
    )
    return paged(query, count, filters.page)


@dataclass(frozen=True)
class BookingCounts:
    total: int
    upcoming: int


def booking_counts(user: User, now: datetime | None = None) -> BookingCounts:
    """Bookings the person made (a client) or holds (an advisor), and how many are ahead."""
    now = now or utcnow()
    advisor_id = sa.select(Advisor.id).where(Advisor.user_id == user.id).scalar_subquery()
    mine = sa.or_(Booking.booked_by_id == user.id, Booking.advisor_id == advisor_id)
    upcoming = sa.and_(Booking.status.in_(ACTIVE_STATUSES), Booking.end > now)
    total, ahead = db.session.execute(
        sa.select(sa.func.count(Booking.id), sa.func.count(Booking.id).filter(upcoming)).where(mine)
    ).one()
    return BookingCounts(total=total, upcoming=ahead or 0)
