"""Organisations and the people who log in: clients, advisors and admins."""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime
from enum import StrEnum
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
password_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so a login takes as long either way."""
    return password_hasher.hash(secrets.token_urlsafe(16))


class Role(StrEnum):
    CLIENT = "client"
    ADVISOR = "advisor"
    ADMIN = "admin"


class OrganisationSize(StrEnum):
    MICRO = "1-9"
    SMALL = "10-49"
    MEDIUM = "50-249"
    LARGE = "250+"


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    industry: Mapped[str] = mapped_column(sa.String(120), default="")
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    size: Mapped[str] = mapped_column(sa.String(10), default=OrganisationSize.MICRO.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(10), default=Role.CLIENT.value)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    locale: Mapped[str] = mapped_column(sa.String(5), default="de")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Berlin")
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the login cookie's identity: rotating it logs out every other session.
    session_token: Mapped[str] = mapped_column(
        sa.String(43), default=lambda: secrets.token_urlsafe(32)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the account was erased (DSGVO Art. 17): the row stays, so bookings, canvases
    # and statistics keep their shape, but it holds no personal data and cannot log in.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    __table_args__ = (
        sa.CheckConstraint("role IN ('client', 'advisor', 'admin')", name="role"),
        sa.Index("ix_user_organisation", "organisation_id"),  # an organisation's members
    )

    def __repr__(self) -> str:
        return f"<User {self.email!r} {self.role}>"

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_advisor(self) -> bool:
        return self.role == Role.ADVISOR

    def set_password(self, password: str) -> None:
        """Store a new password and end every other session of this user."""
        self.password_hash = password_hasher.hash(password)
        self.session_token = secrets.token_urlsafe(32)

    def check_password(self, password: str) -> bool:
        try:
            password_hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if password_hasher.check_needs_rehash(self.password_hash):
            self.password_hash = password_hasher.hash(password)
        return True

    @staticmethod
    def spend_password_check_time(password: str) -> None:
        """Verify against a dummy hash so unknown e-mails answer as slowly as known ones."""
        with contextlib.suppress(VerificationError):
            password_hasher.verify(_dummy_hash(), password)

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(sa.select(cls).where(cls.email == cls.normalise_email(email)))


class Invitation(db.Model):
    """A colleague's invitation into an organisation: for one address, used once, revocable.

    Only a hash of the link's secret is stored, so a database leak opens no organisation.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE")
    )
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # Lower-cased like User.email; registering through the link must use exactly this one.
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_invitation_organisation", "organisation_id", "created_at"),)

    def __repr__(self) -> str:
        return f"<Invitation {self.email!r} org={self.organisation_id}>"

    def is_open(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now

    @classmethod
    def open_at(cls, now: datetime) -> sa.ColumnElement[bool]:
        """``is_open`` as a SQL condition, for queries and conditional updates."""
        return sa.and_(cls.used_at.is_(None), cls.revoked_at.is_(None), cls.expires_at > now)
