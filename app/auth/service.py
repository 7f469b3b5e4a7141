"""Account rules: who may register, verify, log in and reset (invitations: ``invitations``).

Functions change data and flush; the view commits once. None of them reveals whether an
e-mail address is registered: the caller answers the same either way, and the mail tells
the real owner what happened.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app import tokens
from app.auth.invitations import claim_invitation
from app.extensions import db
from app.mail import enqueue_mail
from app.models import Invitation, Organisation, OutboxMessage, Role, User
from app.models import users as user_models
from app.models.types import utcnow
from app.web import external_url


class AccountError(Exception):
    """A rule said no; the message is shown to the user."""


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
