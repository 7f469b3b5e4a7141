"""Account rules: who may register, verify, log in, reset and invite.

Functions change data and flush; the view commits once. None of them reveals whether an
e-mail address is registered: the caller answers the same either way, and the mail tells
the real owner what happened.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from app import tokens
from app.extensions import db
from app.mail import enqueue_mail
from app.models import Organisation, Role, User
from app.models.types import utcnow


@dataclass(frozen=True)
class Invitation:
    organisation: Organisation
    email: str


class AccountError(Exception):
    """A rule said no; the message is shown to the user."""


def send_verification(user: User) -> None:
    token = tokens.make_token(
        tokens.VERIFY_EMAIL,
        {"uid": user.id, "email": user.email},
        current_app.config["EMAIL_TOKEN_MAX_AGE"],
    )
    enqueue_mail(
        user.email,
        "verify_email",
        locale=user.locale,
        user=user,
        link=url_for("auth.verify_email", token=token, _external=True),
    )


def register_client(
    *,
    name: str,
    email: str,
    password: str,
    locale: str,
    timezone: str,
    organisation: Organisation | None = None,
    organisation_fields: dict | None = None,
    invited_email: str | None = None,
) -> User | None:
    """Create a client and, unless joining by invitation, their organisation.

    Returns ``None`` when the address is taken; its owner is told by mail instead.
    An invitation sent to this very address counts as proof that the address is theirs.
    """
    email = User.normalise_email(email)
    existing = User.by_email(email)
    if existing is not None:
        enqueue_mail(
            existing.email,
            "account_exists",
            locale=existing.locale,
            user=existing,
            login_link=url_for("auth.login", _external=True),
            reset_link=url_for("auth.forgot_password", _external=True),
        )
        return None
    if organisation is None:
        organisation = Organisation(**(organisation_fields or {}))
        db.session.add(organisation)
    user = User(
        email=email,
        name=name.strip(),
        role=Role.CLIENT.value,
        organisation=organisation,
        locale=locale,
        timezone=timezone,
    )
    user.set_password(password)
    if invited_email and User.normalise_email(invited_email) == email:
        user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    if not user.is_verified:
        send_verification(user)
    return user


def verify_email(token: str) -> User:
    payload = tokens.read_token(tokens.VERIFY_EMAIL, token)
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        raise tokens.InvalidToken()
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
    return url_for("auth.reset_password", token=token, _external=True)


def request_password_reset(email: str) -> None:
    user = User.by_email(email)
    if user is None or not user.active:
        return
    valid_for = current_app.config["RESET_TOKEN_MAX_AGE"]
    enqueue_mail(
        user.email,
        "reset_password",
        locale=user.locale,
        user=user,
        link=set_password_link(user, valid_for),
        valid_minutes=int(valid_for.total_seconds() // 60),
    )


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


def invite_colleague(inviter: User, email: str) -> None:
    """Mail a link that lets a colleague register straight into the inviter's organisation."""
    if inviter.organisation is None:
        raise AccountError("no-organisation")
    email = User.normalise_email(email)
    token = tokens.make_token(
        tokens.INVITE,
        {"org": inviter.organisation.id, "email": email},
        current_app.config["INVITE_TOKEN_MAX_AGE"],
    )
    enqueue_mail(
        email,
        "invite_colleague",
        locale=inviter.locale,
        inviter=inviter,
        organisation=inviter.organisation,
        link=url_for("auth.register", invitation=token, _external=True),
    )


def read_invitation(token: str) -> Invitation:
    payload = tokens.read_token(tokens.INVITE, token)
    organisation = db.session.get(Organisation, payload.get("org"))
    if organisation is None or not isinstance(payload.get("email"), str):
        raise tokens.InvalidToken()
    return Invitation(organisation=organisation, email=payload["email"])


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
