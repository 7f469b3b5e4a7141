"""All models, imported here so Alembic and the app see the complete metadata."""

from app.models.audit import AuditEvent
from app.models.availability import (
    AvailabilityException,
    AvailabilityRule,
    BusyBlock,
    CalendarState,
    ExternalCalendar,
)
from app.models.booking import (
    ACTIVE_STATUSES,
    Advisor,
    AdvisorPhoto,
    Booking,
    BookingStatus,
    ConsultationType,
    LocationKind,
    Topic,
    advisor_declined_type,
    advisor_topic,
)
from app.models.canvas import Canvas, CanvasNote, CanvasTransition, CanvasVersion, ReviewComment
from app.models.journal import BookingAction, BookingEvent, BookingNote
from app.models.legal import LegalDocument, LegalKind
from app.models.mail import OutboxMessage
from app.models.users import Invitation, Organisation, OrganisationSize, Role, User

__all__ = [
    "ACTIVE_STATUSES",
    "Advisor",
    "AdvisorPhoto",
    "AuditEvent",
    "AvailabilityException",
    "AvailabilityRule",
    "Booking",
    "BookingAction",
    "BookingEvent",
    "BookingNote",
    "BookingStatus",
    "BusyBlock",
    "CalendarState",
    "Canvas",
    "CanvasNote",
    "CanvasTransition",
    "CanvasVersion",
    "ConsultationType",
    "ExternalCalendar",
    "Invitation",
    "LegalDocument",
    "LegalKind",
    "LocationKind",
    "Organisation",
    "OrganisationSize",
    "OutboxMessage",
    "ReviewComment",
    "Role",
    "Topic",
    "User",
    "advisor_declined_type",
    "advisor_topic",
]
