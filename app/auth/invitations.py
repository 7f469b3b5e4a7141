"""Inviting colleagues into an organisation: one address, one use, revocable, bounded.

An invitation is a row holding only a hash of its link's secret. Opening the link reads;
registering through it uses it up in the registration's transaction (``claim_invitation``).
Functions change data and flush; the view commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.mail import enqueue_mail
from app.models import Invitation, Organisation, User
from app.models.types import utcnow
from app.web import external_url


class InvitationRefused(Exception):
    """No invitation sent: the inviter has no organisation, or sent too many today."""


class InvitationUnavailable(Exception):
    """An invitation link that cannot be used: ``reason`` is invalid, expired, used or
    revoked, so the page can say which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
        raise InvitationRefused("too-many-invitations")
    if by_org >= config["INVITE_LIMIT_PER_ORGANISATION"]:
        raise InvitationRefused("too-many-invitations")


def invite_colleague(inviter: User, email: str) -> Invitation:
    """Invite ``email`` into the inviter's organisation with a single-use link.

    Inviting the same address again revokes the open invitation and sends a fresh link.
    An address that already has an account gets an invitation row and a mail all the same
    (so neither the answer nor the list of open invitations tells the inviter it exists),
    but its mail says the account exists and carries no link to register.
    """
    if inviter.organisation is None:
        raise InvitationRefused("no-organisation")
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
        .where(Invitation.id == invitation.id, Invitation.open_at(now))
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
            .where(Invitation.organisation_id == organisation.id, Invitation.open_at(utcnow()))
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
