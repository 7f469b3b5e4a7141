"""All models, imported here so Alembic and the app see the complete metadata."""

from app.models.booking import Advisor, Topic, advisor_topic
from app.models.mail import OutboxMessage
from app.models.users import Organisation, OrganisationSize, Role, User

__all__ = [
    "Advisor",
    "Organisation",
    "OrganisationSize",
    "OutboxMessage",
    "Role",
    "Topic",
    "User",
    "advisor_topic",
]
