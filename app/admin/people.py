"""Managing accounts and organisations: search and pages, role changes, (de)activation,
invitations and reset mails sent again.

Functions change data, record the audit entry and flush; the view commits once. A rule
that says no raises ``Refused`` with the sentence shown to the admin.

The rules:

- A client belongs to an organisation and stays a client; staff (advisors and admins)
  belong to none and change only between advisor and admin. Becoming an advisor creates
  the advisor profile if there is none yet.
- Nobody changes their own role or deactivates their own account (no lock-out by a slip),
  and the last active admin is never demoted or deactivated (checked under a lock, so two
  admins demoting each other at once leave one).
- An erased account is read-only: no change, no mail.
- A mail (invitation, reset link) to one person goes out at most once a minute, however
  many times the button is pressed at once: the person's row is locked and the audit log
  asked when the last one went.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin.audit import AuditAction, record
from app.auth import service as accounts
from app.database import begin_write, lock_row
from app.extensions import db
from app.forms import single_line
from app.mail import enqueue_mail
from app.models import (
    ACTIVE_STATUSES,
    Advisor,
    AuditEvent,
    Booking,
    Invitation,
    Organisation,
    Role,
    User,
)
from app.models.types import utcnow

PAGE_SIZE = 25
PAGE_MAX = 100_000
QUERY_MAX = 200  # characters of a search kept; the rest of a longer one is dropped
MAIL_INTERVAL = timedelta(minutes=1)
STAFF_ROLES = (Role.ADVISOR.value, Role.ADMIN.value)

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


class Refused(Exception):
    """A rule said no; ``str(error)`` is the translated reason."""


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


# --------------------------------------------------------------------------- lists


def clean_query(value: str | None) -> str:
    """A search as typed, on one line, without control characters, at most 200 characters."""
    return single_line((value or "")[: QUERY_MAX * 4])[:QUERY_MAX]


def page_number(value: str | None) -> int:
    """``seite`` from the address: a whole number from 1 (a huge one: the last page);
    anything else is page 1."""
    if not value or not value.isascii() or not value.isdigit():
        return 1
    return max(1, min(int(value) if len(value) <= 7 else PAGE_MAX, PAGE_MAX))


@dataclass(frozen=True)
class Page:
    rows: list
    total: int
    number: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _paged(query: sa.Select, count: sa.Select, number: int) -> Page:
    """The rows of page ``number`` and how many match, in one statement (a window count);
    a page past the last counts first and shows the last page (two more)."""
    counted = query.add_columns(sa.func.count().over().label("total"))
    rows = db.session.execute(counted.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    if rows:
        return Page(rows=rows, total=rows[0].total, number=number)
    total = db.session.scalar(count) or 0
    last = max(1, -(-total // PAGE_SIZE))
    if total and number > last:
        rows = db.session.execute(counted.limit(PAGE_SIZE).offset((last - 1) * PAGE_SIZE)).all()
    return Page(rows=rows, total=total, number=min(number, last))


def _contains(column, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "contains", with ``%`` and ``_`` taken literally."""
    return sa.func.lower(column).contains(text.lower(), autoescape=True)


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
                _contains(User.name, filters.query),
                _contains(User.email, filters.query),
                _contains(Organisation.name, filters.query),
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
    return _paged(query, count, filters.page)


def search_organisations(text: str, page: int) -> Page:
    """Organisations by name (also found by city or industry), with how many members and
    bookings each has: rows of (id, name, industry, city, size, members, bookings). The
    counts are taken for the page's 25 only."""
    conditions = []
    if text:
        conditions.append(
            sa.or_(
                _contains(Organisation.name, text),
                _contains(Organisation.city, text),
                _contains(Organisation.industry, text),
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


# --------------------------------------------------------------------------- one account


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


def _label(user: User) -> str:
    return user.name


def _refuse_if_erased(user: User) -> None:
    if user.erased_at is not None:
        raise Refused(_("Dieses Konto ist gelöscht und kann nicht mehr geändert werden."))


def _keep_an_admin(user: User) -> None:
    """Refuse when ``user`` is the last active admin. Locks the active admins' rows first
    (SQLite: the write lock), so two admins demoting each other at once leave one."""
    admins = (
        sa.select(User.id)
        .where(User.role == Role.ADMIN.value, User.active.is_(True), User.erased_at.is_(None))
        .order_by(User.id)
    )
    if db.session.get_bind().dialect.name == "sqlite":
        begin_write(db.session())
    else:  # one statement, in id order: two such transactions cannot deadlock
        admins = admins.with_for_update()
    others = [admin_id for admin_id in db.session.scalars(admins) if admin_id != user.id]
    if not others:
        raise Refused(
            _(
                "%(name)s ist die letzte aktive Administratorin bzw. der letzte aktive "
                "Administrator. Ernennen Sie zuerst eine weitere Person zur Administration.",
                name=user.name,
            )
        )


def allowed_roles(user: User) -> tuple[str, ...]:
    """The roles an account may be given: a client stays a client, staff stay staff."""
    return (Role.CLIENT.value,) if user.role == Role.CLIENT else STAFF_ROLES


def change_user(user: User, *, name: str, role: str, actor: User) -> list[str]:
    """Rename ``user`` and change their role by the rules above; returns what changed
    ("Name", "advisor → admin") — empty when nothing did."""
    _refuse_if_erased(user)
    if role not in allowed_roles(user):
        raise Refused(
            _(
                "Ein Unternehmenskonto bleibt ein Unternehmenskonto: Beraterinnen, Berater "
                "und die Administration legen Sie als neues Konto an."
            )
            if user.role == Role.CLIENT
            else _("Beraterinnen und Berater können nur zur Administration werden und umgekehrt.")
        )
    changes = []
    if role != user.role:
        if user.id == actor.id:
            raise Refused(
                _(
                    "Ihre eigene Rolle können Sie nicht ändern. Bitten Sie eine andere "
                    "Person aus der Administration darum."
                )
            )
        if user.role == Role.ADMIN:
            _keep_an_admin(user)
        detail = f"{user.role} → {role}"
        user.role = role
        if role == Role.ADVISOR and not db.session.scalar(
            sa.select(Advisor.id).where(Advisor.user_id == user.id)
        ):
            db.session.add(Advisor(user=user))
        record(AuditAction.USER_ROLE_CHANGED, user, target_label=_label(user), detail=detail)
        changes.append(detail)
    name = name.strip()
    if name != user.name:
        record(
            AuditAction.USER_CHANGED,
            user,
            target_label=name,
            detail=f"Name: {user.name} → {name}",
        )
        user.name = name
        changes.append("Name")
    db.session.flush()
    return changes


def set_active(user: User, active: bool, *, actor: User) -> bool:
    """Activate or deactivate ``user``; False when it already was. Deactivating logs the
    person out everywhere at once; they cannot log in until activated again."""
    _refuse_if_erased(user)
    if user.active == active:
        return False
    if not active:
        if user.id == actor.id:
            raise Refused(
                _(
                    "Ihr eigenes Konto können Sie nicht deaktivieren. Bitten Sie eine andere "
                    "Person aus der Administration darum."
                )
            )
        if user.role == Role.ADMIN:
            _keep_an_admin(user)
        accounts.end_all_sessions(user)
    user.active = active
    record(
        AuditAction.USER_ACTIVATED if active else AuditAction.USER_DEACTIVATED,
        user,
        target_label=_label(user),
        detail=str(user.role),
    )
    db.session.flush()
    return True


def _once_a_minute(user: User, action: AuditAction) -> None:
    """Lock the person's row, then refuse when ``action`` was recorded for them within the
    last minute: fifty presses at once send one mail."""
    lock_row(db.session(), User, user.id)
    recent = db.session.scalar(
        sa.select(AuditEvent.id).where(
            AuditEvent.action == action.value,
            AuditEvent.target_type == "user",
            AuditEvent.target_id == user.id,
            AuditEvent.at > utcnow() - MAIL_INTERVAL,
        )
    )
    if recent is not None:
        raise Refused(
            _(
                "Diese E-Mail ist gerade erst an %(name)s gegangen. Bitte warten Sie eine "
                "Minute, bevor Sie sie noch einmal senden.",
                name=user.name,
            )
        )


def can_resend_invitation(user: User) -> bool:
    """Staff get their welcome mail again, unconfirmed clients their verification mail."""
    return (
        user.erased_at is None
        and user.active
        and (user.role in STAFF_ROLES or user.email_verified_at is None)
    )


def resend_invitation(user: User) -> str:
    """Send the welcome mail (staff: a link to choose a password, valid a week) or the
    verification mail (an unconfirmed client) again; returns which ("staff"/"client")."""
    _refuse_if_erased(user)
    if not user.active:
        raise Refused(_("Das Konto ist deaktiviert. Aktivieren Sie es zuerst wieder."))
    if not can_resend_invitation(user):
        raise Refused(
            _(
                "%(name)s hat die E-Mail-Adresse schon bestätigt. Wenn das Passwort vergessen "
                "ist, senden Sie einen Link zum Zurücksetzen.",
                name=user.name,
            )
        )
    _once_a_minute(user, AuditAction.USER_INVITATION_RESENT)
    if user.role in STAFF_ROLES:
        enqueue_mail(
            user.email,
            "welcome_staff",
            locale=user.locale,
            user=user,
            link=accounts.set_password_link(user, current_app.config["INVITE_TOKEN_MAX_AGE"]),
        )
        kind = "staff"
    else:
        accounts.send_verification(user)
        kind = "client"
    record(AuditAction.USER_INVITATION_RESENT, user, target_label=_label(user), detail=kind)
    return kind


def send_password_reset(user: User) -> None:
    """Mail the person a link to choose a new password (valid an hour). The admin never
    sees the link: whoever holds it could take the account over."""
    _refuse_if_erased(user)
    if not user.active:
        raise Refused(_("Das Konto ist deaktiviert. Aktivieren Sie es zuerst wieder."))
    _once_a_minute(user, AuditAction.USER_PASSWORD_RESET_SENT)
    valid_for = current_app.config["RESET_TOKEN_MAX_AGE"]
    enqueue_mail(
        user.email,
        "reset_password",
        locale=user.locale,
        user=user,
        link=accounts.set_password_link(user, valid_for),
        valid_minutes=int(valid_for.total_seconds() // 60),
    )
    record(AuditAction.USER_PASSWORD_RESET_SENT, user, target_label=_label(user))


def set_reviewer(advisor: Advisor, may_review: bool) -> None:
    if advisor.is_reviewer == may_review:
        return
    advisor.is_reviewer = may_review
    record(
        AuditAction.USER_REVIEWER_CHANGED,
        advisor.user,
        target_label=_label(advisor.user),
        detail="✓" if may_review else "✗",
    )


def create_staff(*, name: str, email: str, role: Role) -> User:
    """An advisor (with an advisor profile) or admin who is mailed a link to choose a
    password; ``accounts.AccountError`` when the address is taken."""
    user = accounts.create_staff_user(email=email, name=name, role=role)
    if role == Role.ADVISOR:
        db.session.add(Advisor(user=user))
    record(AuditAction.USER_CREATED, user, target_label=_label(user), detail=role.value)
    return user


# --------------------------------------------------------------------------- organisations


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
