"""Erasing a person (DSGVO Art. 17): an account, or every booking of a guest address.

Rows stay, personal data goes. Bookings keep status, times, type, topic, advisor and
organisation, so statistics do not change; canvases stay with their organisation, their
authorship pointing at the anonymised account.

Order matters: the person's data is anonymised *first* and the upcoming bookings are
cancelled *after*, through ``app.booking.service.cancel``. So the advisor gets the CANCEL
invite (their calendar drops the meeting) and that mail already says "Gelöschtes Konto"
instead of the name. The booker's own cancellation mail is taken out of the session again:
the person asked to be forgotten, and the account's address is a placeholder by then.

The outbox holds whole mails. Mails *to* the erased address are deleted when not yet sent,
and emptied (address, subject, bodies, invite) when sent or failed, so the row still counts
as a delivered mail. Mails to others that name the person (the advisor's "new booking"
mail) keep their text, with the name, address and agenda replaced. The same goes for audit
entries: their labels are rewritten to the masked address.

Both functions are idempotent: a second run finds nothing left to change. The caller holds
the write lock (``begin_write``) and commits.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.admin.audit import mask_email
from app.booking import service
from app.booking.service import NotChangeable
from app.calendar.feed import escape_char, fold
from app.extensions import db
from app.models import (
    AdvisorPhoto,
    AuditEvent,
    Booking,
    ExternalCalendar,
    Invitation,
    OutboxMessage,
    User,
)
from app.models.booking import ACTIVE_STATUSES, Advisor

ERASED_NAME = _l("Gelöschtes Konto")
ANONYMISED = _l("Anonymisiert")
REDACTED = "[…]"
# Shorter strings (initials, "Bo") would be replaced inside unrelated words.
_MIN_NEEDLE = 3


def placeholder_email(user_id: int) -> str:
    """Unique and never deliverable: ``.invalid`` is reserved (RFC 2606)."""
    return f"erased-{user_id}@invalid"


def _upcoming(bookings: Iterable[Booking], now: datetime) -> list[Booking]:
    return [b for b in bookings if b.status in ACTIVE_STATUSES and b.start > now]


def _cancel_quietly(booking: Booking, reason: str, now: datetime, actor: User | None) -> bool:
    """Cancel through the service (the advisor gets the CANCEL invite), without the mail
    to the booker's (erased) address. False if it could not be cancelled any more."""
    booker_address = booking.contact_email
    try:
        service.cancel(booking, reason, now=now, actor=actor)
    except NotChangeable:
        return False
    db.session.flush()
    db.session.execute(
        sa.delete(OutboxMessage)
        .where(
            OutboxMessage.to_address == booker_address,
            OutboxMessage.sent_at.is_(None),
        )
        .execution_options(synchronize_session="fetch")
    )
    return True


def _replacer(replacements: dict[str, str]):
    needles = {k: v for k, v in replacements.items() if k and len(k) >= _MIN_NEEDLE}
    if not needles:
        return lambda text: text
    variants: dict[str, str] = {}
    for needle, by in needles.items():
        variants[needle.lower()] = by
        variants[html.escape(needle).lower()] = html.escape(by)
        variants[escape_char(needle).lower()] = escape_char(by)
    pattern = re.compile(
        "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True)), re.IGNORECASE
    )

    def replace(text: str | None) -> str | None:
        if not text:
            return text
        return pattern.sub(lambda m: variants[m.group(0).lower()], text)

    return replace


def _replace_in_ics(replace, ics: str | None) -> str | None:
    if not ics:
        return ics
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    lines = [fold(replace(line)) for line in unfolded.split("\r\n")]
    return "\r\n".join(lines)


def scrub_outbox(
    address: str, replacements: dict[str, str], uids: Iterable[str] = (), placeholder: str = ""
) -> int:
    """Remove ``address`` and the texts in ``replacements`` from the outbox (see the module
    docstring); returns how many messages were touched."""
    address = address.lower()
    search = [k for k in replacements if k and len(k) >= _MIN_NEEDLE]
    columns = (
        OutboxMessage.subject,
        OutboxMessage.body_text,
        OutboxMessage.body_html,
        OutboxMessage.ics_body,
    )
    conditions = [sa.func.lower(OutboxMessage.to_address) == address]
    conditions += [
        column.icontains(needle, autoescape=True) for column in columns for needle in search
    ]
    conditions += [OutboxMessage.ics_body.contains(uid, autoescape=True) for uid in uids]
    replace = _replacer(replacements)
    touched = 0
    for message in db.session.scalars(sa.select(OutboxMessage).where(sa.or_(*conditions))):
        touched += 1
        if message.to_address.lower() == address:
            if message.sent_at is None and message.failed_at is None:
                db.session.delete(message)
                continue
            message.to_address = placeholder or "erased@invalid"
            message.subject = REDACTED
            message.body_text = ""
            message.body_html = None
            message.ics_body = None
            message.last_error = None
            continue
        message.subject = replace(message.subject)[:255]
        message.body_text = replace(message.body_text)
        message.body_html = replace(message.body_html)
        message.ics_body = _replace_in_ics(replace, message.ics_body)
    return touched


def scrub_audit(replacements: dict[str, str]) -> None:
    """Audit entries that named the person now name the masked address."""
    search = [k for k in replacements if k and len(k) >= _MIN_NEEDLE]
    if not search:
        return
    columns = (AuditEvent.target_label, AuditEvent.detail)
    replace = _replacer(replacements)
    query = sa.select(AuditEvent).where(
        sa.or_(*[c.icontains(n, autoescape=True) for c in columns for n in search])
    )
    for event in db.session.scalars(query):
        event.target_label = replace(event.target_label)[:255]
        event.detail = replace(event.detail)[:500]


def _retire_advisor(user: User) -> None:
    """An erased advisor is no longer offered, and their profile text, photo, feed and
    calendar link go too (only admins erase staff accounts)."""
    advisor = Advisor.of_user(user)
    if advisor is None:
        return
    advisor.active = False
    advisor.title_de = advisor.title_en = advisor.bio_de = advisor.bio_en = ""
    advisor.meeting_link = ""
    advisor.feed_token = None  # the subscription feed stops answering
    advisor.photo_token = None
    db.session.execute(sa.delete(AdvisorPhoto).where(AdvisorPhoto.advisor_id == advisor.id))
    db.session.execute(sa.delete(ExternalCalendar).where(ExternalCalendar.advisor_id == advisor.id))


def erase_user(user: User, *, actor: User | None, now: datetime) -> int:
    """Erase ``user``'s personal data and cancel their upcoming bookings; returns how many
    bookings were cancelled. Idempotent."""
    if user.erased_at is not None and user.email == placeholder_email(user.id):
        return 0
    old_email, old_name = user.email, user.name
    masked = mask_email(old_email)
    placeholder = placeholder_email(user.id)
    bookings = db.session.scalars(
        sa.select(Booking).where(Booking.booked_by_id == user.id).order_by(Booking.start)
    ).all()
    replacements = {old_email: placeholder, old_name: str(ERASED_NAME)}
    for booking in bookings:
        if booking.agenda:
            replacements[booking.agenda] = REDACTED
        if booking.cancel_reason and booking.cancel_reason != "expired":
            replacements[booking.cancel_reason] = REDACTED

    # 1. The person's data goes, before any mail about them is written.
    user.name = str(ERASED_NAME)
    user.email = placeholder
    user.password_hash = "!erased:" + secrets.token_hex(8)  # matches no password, ever
    user.active = False
    user.session_token = secrets.token_urlsafe(32)  # every session and cookie ends
    user.erased_at = now
    user.organisation_id = None
    user.email_verified_at = None
    _retire_advisor(user)
    for booking in bookings:
        booking.agenda = ""
        if booking.cancel_reason != "expired":
            booking.cancel_reason = ""
        booking.anonymised_at = booking.anonymised_at or now
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.invited_by_id == user.id, Invitation.open_at(now))
        .values(revoked_at=now)
    )
    db.session.execute(
        sa.update(Invitation).where(Invitation.email == old_email).values(email=placeholder)
    )
    db.session.flush()

    # 2. Upcoming meetings are called off: the advisor's calendar drops them.
    cancelled = sum(
        _cancel_quietly(booking, _("Das Konto wurde gelöscht."), now, actor)
        for booking in _upcoming(bookings, now)
    )
    db.session.flush()

    # 3. Mails and log entries that still carry the person's data.
    scrub_outbox(old_email, replacements, uids=[b.uid for b in bookings], placeholder=placeholder)
    scrub_audit({old_email: masked, old_name: masked})
    # Meetings booked as a guest with the same address, before the account existed.
    erase_guest(old_email, actor=actor, now=now)
    return cancelled


def erase_guest(email: str, *, actor: User | None, now: datetime) -> int:
    """Anonymise every booking a guest made with ``email`` (any case) and cancel the
    upcoming ones; returns how many bookings were anonymised. Idempotent."""
    address = User.normalise_email(email)
    if not address:
        return 0
    bookings = db.session.scalars(
        sa.select(Booking).where(Booking.of_guest(address)).order_by(Booking.start)
    ).all()
    if not bookings:
        return 0
    replacements = {address: mask_email(address)}
    for booking in bookings:
        for text in (booking.guest_name, booking.guest_company, booking.agenda):
            if text:
                replacements[text] = REDACTED
        if booking.cancel_reason and booking.cancel_reason != "expired":
            replacements[booking.cancel_reason] = REDACTED
    upcoming = _upcoming(bookings, now)
    for booking in bookings:
        booking.guest_name = ""
        booking.guest_company = ""
        booking.agenda = ""
        if booking.cancel_reason != "expired":
            booking.cancel_reason = ""
        booking.anonymised_at = now
        # Until the cancellations are written the booker mail needs somewhere to go;
        # the placeholder is what ``_cancel_quietly`` takes back out.
        booking.guest_email = "erased-guest@invalid" if booking in upcoming else ""
    db.session.flush()
    for booking in upcoming:
        _cancel_quietly(booking, _("Die Daten wurden auf Wunsch gelöscht."), now, actor)
        booking.guest_email = ""
    db.session.flush()
    scrub_outbox(address, replacements, uids=[b.uid for b in bookings])
    scrub_audit({address: mask_email(address)})
    return len(bookings)


def upcoming_bookings(user, now) -> list[Booking]:
    """The user's bookings that deleting the account would cancel."""
    return list(
        db.session.scalars(
            sa.select(Booking)
            .options(
                joinedload(Booking.consultation_type),
                joinedload(Booking.advisor).joinedload(Advisor.user),
            )
            .where(
                Booking.booked_by_id == user.id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.start > now,
            )
            .order_by(Booking.start)
        ).unique()
    )
