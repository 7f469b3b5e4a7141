"""Account rules: who may register, verify, log in, reset and invite.

Functions change data and flush; the view commits once. None of them reveals whether an
e-mail address is registered: the caller answers the same either way, and the mail tells
the real owner what happened.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from app import tokens
from app.extensions import db
from app.mail import enqueue_mail
from app.models import Invitation, Organisation, OutboxMessage, Role, User
from app.models import users as user_models
from app.models.types import utcnow
from app.web import external_url


class AccountError(Exception):
    """A rule said no; the message is shown to the user."""


class InvitationUnavailable(Exception):
    """An invitation link that cannot be used: ``reason`` is invalid, expired, used or
    revoked, so the page can say which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _stand_in(email: str) -> User:
    """Nobody: the addressee of a mail rendered for an unknown address and then dropped."""
    return User(
        id=0,
        email=User.normalise_email(email),
        name="",
        locale=current_app.config["BABEL_DEFAULT_LOCALE"],
        password_hash="",
    )


def _drop(message: OutboxMessage) -> None:
    """Take a rendered mail back out of the session: it is never stored or sent."""
    db.session.expunge(message)


def send_verification(user: User) -> OutboxMessage:
    token = tokens.make_token(
        tokens.VERIFY_EMAIL,
        {"uid": user.id, "email": user.email},
        current_app.config["EMAIL_TOKEN_MAX_AGE"],
    )
    return enqueue_mail(
        user.email,
        "verify_email",
        locale=user.locale,
        user=user,
        link=external_url("auth.verify_email", token=token),
    )


def register_client(
    *,
    name: str,
    email: str,
    password: str,
    locale: str,
    timezone: str,
    organisation_fields: dict | None = None,
    invitation: Invitation | None = None,
) -> User | None:
    """Create a client and, unless joining by invitation, their organisation.

    Returns ``None`` when the address is taken; its owner is told by mail instead. Both
    answers do the same work — one password hash, one queued mail — so the time taken does
    not tell a known address from an unknown one.

    With an ``invitation`` the address is the invited one, whatever was typed, and counts as
    verified (the link was mailed there); the invitation is used up in this transaction,
    and ``InvitationUnavailable`` is raised if another request got there first.
    """
    if invitation is not None:
        claim_invitation(invitation)
        email = invitation.email
    email = User.normalise_email(email)
    password_hash = user_models.password_hasher.hash(password)
    existing = User.by_email(email)
    if existing is not None:
        enqueue_mail(
            existing.email,
            "account_exists",
            locale=existing.locale,
            user=existing,
            login_link=external_url("auth.login"),
            reset_link=external_url("auth.forgot_password"),
        )
        return None
    if invitation is not None:
        organisation = invitation.organisation
    else:
        organisation = Organisation(**(organisation_fields or {}))
        db.session.add(organisation)
    user = User(
        email=email,
        name=name.strip(),
        role=Role.CLIENT.value,
        organisation=organisation,
        locale=locale,
        timezone=timezone,
        password_hash=password_hash,
    )
    if invitation is not None:
        user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    if user.is_verified:
        _welcome_member(user)
    else:
        send_verification(user)
    return user


def _welcome_member(user: User) -> None:
    """The one mail of a registration by invitation: the account is ready."""
    enqueue_mail(
        user.email,
        "welcome_member",
        locale=user.locale,
        user=user,
        organisation=user.organisation,
        login_link=external_url("auth.login"),
    )


def user_to_verify(token: str) -> User:
    """The user a verification link is for; reads only (mail scanners open links)."""
    payload = tokens.read_token(tokens.VERIFY_EMAIL, token)
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        raise tokens.InvalidToken()
    return user


def verify_email(token: str) -> User:
    """Mark the address verified: only on the button's POST, never on opening the link."""
    user = user_to_verify(token)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or ``None``; equally slow either way."""
    user = User.by_email(email)
    if user is None:
        User.spend_password_check_time(password)
        return None
    return user if user.check_password(password) else None


def set_password_link(user: User, valid_for: timedelta) -> str:
    token = tokens.make_token(
        tokens.SET_PASSWORD,
        {"uid": user.id, "fp": tokens.password_fingerprint(user.password_hash)},
        valid_for,
    )
    return external_url("auth.reset_password", token=token)


def resend_verification(email: str) -> None:
    """Send the verification mail again if the address has an unverified account.

    Any other address gets the same mail rendered and dropped, so the answer takes as long
    whether or not such an account exists.
    """
    user = User.by_email(email)
    if user is not None and not user.is_verified:
        send_verification(user)
    else:
        _drop(send_verification(_stand_in(email)))


def request_password_reset(email: str) -> None:
    """Mail a reset link to an active account's owner.

    Any other address gets the same mail rendered and dropped, so the answer takes as long
    either way (the words are already the same).
    """
    user = User.by_email(email)
    known = user is not None and user.active
    valid_for = current_app.config["RESET_TOKEN_MAX_AGE"]
    addressee = user if known else _stand_in(email)
    message = enqueue_mail(
        addressee.email,
        "reset_password",
        locale=addressee.locale,
        user=addressee,
        link=set_password_link(addressee, valid_for),
        valid_minutes=int(valid_for.total_seconds() // 60),
    )
    if not known:
        _drop(message)


def user_for_reset(token: str) -> User:
    payload = tokens.read_token(tokens.SET_PASSWORD, token)
    user = db.session.get(User, payload.get("uid"))
    if user is None or payload.get("fp") != tokens.password_fingerprint(user.password_hash):
        raise tokens.InvalidToken()
    return user


def reset_password(user: User, password: str) -> None:
    """Set the password; the mailed link proved the address, so it counts as verified."""
    user.set_password(password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise AccountError("wrong-password")
    user.set_password(new_password)


def end_all_sessions(user: User) -> None:
    """Log ``user`` out everywhere: session and remember-me cookies carry the session token,
    so a new one makes every copy of them worthless, on this device and on all others."""
    user.session_token = secrets.token_urlsafe(32)


def invitation_token_hash(secret: str) -> str:
    """Only this is stored: a database leak must not hand out working links."""
    return hashlib.sha256(secret.encode()).hexdigest()


def check_invitation_quota(inviter: User, now: datetime) -> None:
    """At most ``INVITE_LIMIT_PER_USER`` invitations per user and
    ``INVITE_LIMIT_PER_ORGANISATION`` per organisation within 24 hours, revoked ones
    included (else revoking and re-inviting would get round it)."""
    config = current_app.config
    since = now - timedelta(hours=24)
    recent = sa.select(sa.func.count(Invitation.id)).where(Invitation.created_at > since)
    by_user = db.session.scalar(recent.where(Invitation.invited_by_id == inviter.id))
    by_org = db.session.scalar(recent.where(Invitation.organisation_id == inviter.organisation_id))
    if by_user >= config["INVITE_LIMIT_PER_USER"]:
        raise AccountError("too-many-invitations")
    if by_org >= config["INVITE_LIMIT_PER_ORGANISATION"]:
        raise AccountError("too-many-invitations")


def invite_colleague(inviter: User, email: str) -> Invitation:
    """Invite ``email`` into the inviter's organisation with a single-use link.

    Inviting the same address again revokes the open invitation and sends a fresh link.
    An address that already has an account gets an invitation row and a mail all the same
    (so neither the answer nor the list of open invitations tells the inviter it exists),
    but its mail says the account exists and carries no link to register.
    """
    if inviter.organisation is None:
        raise AccountError("no-organisation")
    now = utcnow()
    check_invitation_quota(inviter, now)
    email = User.normalise_email(email)
    db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.organisation_id == inviter.organisation_id,
            Invitation.email == email,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation=inviter.organisation,
        invited_by=inviter,
        email=email,
        token_hash=invitation_token_hash(secret),
        created_at=now,
        expires_at=now + current_app.config["INVITE_TOKEN_MAX_AGE"],
    )
    db.session.add(invitation)
    db.session.flush()
    context = {"inviter": inviter, "organisation": inviter.organisation}
    owner = User.by_email(email)
    if owner is None:
        enqueue_mail(
            email,
            "invite_colleague",
            locale=inviter.locale,
            link=external_url("auth.register", invitation=secret),
            valid_days=current_app.config["INVITE_TOKEN_MAX_AGE"].days,
            **context,
        )
    else:
        enqueue_mail(
            owner.email,
            "invite_existing_account",
            locale=owner.locale,
            user=owner,
            login_link=external_url("auth.login"),
            **context,
        )
    return invitation


def read_invitation(secret: str, now: datetime | None = None) -> Invitation:
    """The open invitation behind a link's secret; reads only, so opening the link (or a
    mail scanner doing so) uses nothing up. ``InvitationUnavailable`` says why not."""
    found = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == invitation_token_hash(secret))
    )
    if found is None:
        raise InvitationUnavailable("invalid")
    if found.used_at is not None:
        raise InvitationUnavailable("used")
    if found.revoked_at is not None:
        raise InvitationUnavailable("revoked")
    if not found.is_open(now or utcnow()):
        raise InvitationUnavailable("expired")
    return found


def claim_invitation(invitation: Invitation) -> None:
    """Use the invitation up, once: a conditional UPDATE that only one transaction can win
    (on PostgreSQL a second one waits for the first and then matches no row)."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(invitation)
        if invitation.used_at is not None:
            raise InvitationUnavailable("used")
        raise InvitationUnavailable("revoked" if invitation.revoked_at else "expired")
    invitation.used_at = now


def open_invitations(organisation: Organisation) -> list[Invitation]:
    """The organisation's invitations that can still be used, newest first."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.organisation_id == organisation.id,
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .options(joinedload(Invitation.invited_by))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def revoke_invitation(member: User, invitation_id: int) -> Invitation | None:
    """Revoke one of the member's organisation's invitations; ``None`` if there is no such
    invitation in their organisation (the view answers 404, as for one that never was)."""
    invitation = db.session.scalar(
        sa.select(Invitation).where(
            Invitation.id == invitation_id,
            Invitation.organisation_id == member.organisation_id,
        )
    )
    if invitation is None or member.organisation_id is None:
        return None
    if invitation.used_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
    return invitation


def create_staff_user(
    *,
    email: str,
    name: str,
    role: Role,
    locale: str = "de",
    password: str | None = None,
) -> User:
    """An advisor or admin account.

    Without a password (an admin created it) the person gets a welcome mail with a link,
    valid for a week, to choose one; until then nobody knows the random one set here.
    """
    email = User.normalise_email(email)
    if User.by_email(email) is not None:
        raise AccountError("email-taken")
    user = User(email=email, name=name.strip(), role=role.value, locale=locale)
    user.set_password(password or secrets.token_urlsafe(32))
    user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    if password is None:
        enqueue_mail(
            user.email,
            "welcome_staff",
            locale=user.locale,
            user=user,
            link=set_password_link(user, current_app.config["INVITE_TOKEN_MAX_AGE"]),
        )
    return user


def organisation_members(organisation: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.organisation_id == organisation.id).order_by(User.name)
        )
    )
