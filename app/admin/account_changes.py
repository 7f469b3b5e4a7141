"""Changing accounts: new staff, role changes, (de)activation, who reviews canvases, and
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

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.admin.audit import AuditAction, record
from app.auth import service as accounts
from app.database import begin_write, lock_row
from app.extensions import db
from app.mail import enqueue_mail
from app.models import Advisor, AuditEvent, Role, User
from app.models.types import utcnow

MAIL_INTERVAL = timedelta(minutes=1)
STAFF_ROLES = (Role.ADVISOR.value, Role.ADMIN.value)


class Refused(Exception):
    """A rule said no; ``str(error)`` is the translated reason."""


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
