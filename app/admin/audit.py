"""Writing the audit log: every admin action and every data-protection request.

Call ``record`` in the same transaction as the change it describes, so the log and the
data never disagree: a rolled-back change leaves no entry, a committed one always has one.
"""

from __future__ import annotations

from enum import StrEnum

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import db
from app.models import AuditEvent, User


class AuditAction(StrEnum):
    USER_CREATED = "user.created"
    USER_CHANGED = "user.changed"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_ACTIVATED = "user.activated"
    USER_DEACTIVATED = "user.deactivated"
    USER_INVITATION_RESENT = "user.invitation_resent"
    USER_PASSWORD_RESET_SENT = "user.password_reset_sent"  # noqa: S105 (an action name)
    USER_REVIEWER_CHANGED = "user.reviewer_changed"
    ORGANISATION_CHANGED = "organisation.changed"
    ADVISOR_CREATED = "advisor.created"
    ADVISOR_DEACTIVATED = "advisor.deactivated"
    ADVISOR_REACTIVATED = "advisor.reactivated"
    BOOKING_REASSIGNED = "booking.reassigned"
    BOOKING_CANCELLED = "booking.cancelled"
    TYPE_SAVED = "consultation_type.saved"
    TYPE_DEACTIVATED = "consultation_type.deactivated"
    TYPE_DELETED = "consultation_type.deleted"
    TOPIC_SAVED = "topic.saved"
    TOPIC_DEACTIVATED = "topic.deactivated"
    TOPIC_DELETED = "topic.deleted"
    LEGAL_PUBLISHED = "legal.published"
    DATA_EXPORTED = "privacy.exported"  # a user downloaded their own data
    DATA_EXPORTED_FOR_USER = "privacy.exported_for_user"  # an admin, for an account
    DATA_EXPORTED_FOR_GUEST = "privacy.exported_for_guest"  # an admin, for a guest address
    ACCOUNT_ERASED = "privacy.account_erased"  # a user deleted their own account
    USER_ERASED = "privacy.user_erased"  # an admin erased an account
    GUEST_ERASED = "privacy.guest_erased"  # an admin erased a guest address
    RETENTION_PURGED = "privacy.retention_purged"  # the scheduled purge anonymised data


LABELS = {
    AuditAction.USER_CREATED: _l("Konto angelegt"),
    AuditAction.USER_CHANGED: _l("Konto geändert"),
    AuditAction.USER_ROLE_CHANGED: _l("Rolle geändert"),
    AuditAction.USER_ACTIVATED: _l("Konto aktiviert"),
    AuditAction.USER_DEACTIVATED: _l("Konto deaktiviert"),
    AuditAction.USER_INVITATION_RESENT: _l("Einladung erneut gesendet"),
    AuditAction.USER_PASSWORD_RESET_SENT: _l("Link zum Zurücksetzen des Passworts gesendet"),
    AuditAction.USER_REVIEWER_CHANGED: _l("Prüfrecht für Canvases geändert"),
    AuditAction.ORGANISATION_CHANGED: _l("Organisation geändert"),
    AuditAction.ADVISOR_CREATED: _l("Beraterin/Berater angelegt"),
    AuditAction.ADVISOR_DEACTIVATED: _l("Beraterin/Berater deaktiviert"),
    AuditAction.ADVISOR_REACTIVATED: _l("Beraterin/Berater wieder aktiviert"),
    AuditAction.BOOKING_REASSIGNED: _l("Termin neu zugewiesen"),
    AuditAction.BOOKING_CANCELLED: _l("Termin abgesagt"),
    AuditAction.TYPE_SAVED: _l("Beratungsart gespeichert"),
    AuditAction.TYPE_DEACTIVATED: _l("Beratungsart deaktiviert"),
    AuditAction.TYPE_DELETED: _l("Beratungsart gelöscht"),
    AuditAction.TOPIC_SAVED: _l("Thema gespeichert"),
    AuditAction.TOPIC_DEACTIVATED: _l("Thema deaktiviert"),
    AuditAction.TOPIC_DELETED: _l("Thema gelöscht"),
    AuditAction.LEGAL_PUBLISHED: _l("Rechtstext veröffentlicht"),
    AuditAction.DATA_EXPORTED: _l("Eigene Daten exportiert"),
    AuditAction.DATA_EXPORTED_FOR_USER: _l("Daten eines Kontos exportiert"),
    AuditAction.DATA_EXPORTED_FOR_GUEST: _l("Daten einer Gast-Adresse exportiert"),
    AuditAction.ACCOUNT_ERASED: _l("Eigenes Konto gelöscht"),
    AuditAction.USER_ERASED: _l("Konto gelöscht (Administration)"),
    AuditAction.GUEST_ERASED: _l("Gastdaten gelöscht"),
    AuditAction.RETENTION_PURGED: _l("Aufbewahrungsfrist: Daten anonymisiert"),
}


def label(action: str) -> str:
    """The action in the reader's language; an action this version does not know (a
    newer release wrote it) is shown as it was stored."""
    try:
        return str(LABELS[AuditAction(action)])
    except ValueError:
        return action


def mask_email(email: str) -> str:
    """``a•••@rheinchem.example``: enough to recognise a request in the log, not enough to
    keep the erased address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def record(
    action: AuditAction,
    target: object | None = None,
    *,
    target_label: str = "",
    detail: str = "",
    actor: User | None = None,
) -> AuditEvent:
    """Add an entry for ``action`` on ``target`` (a model instance; its class and id are
    kept). The actor is the signed-in user unless given; the address is the request's.
    The caller commits."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if target is not None:
        db.session.flush()  # a new target needs its id
    event = AuditEvent(
        action=action.value,
        actor=actor,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        target_label=target_label[:255],
        detail=detail[:500],
        ip_address=(request.remote_addr or "")[:45] if has_request_context() else "",
    )
    db.session.add(event)
    return event
