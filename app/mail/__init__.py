"""Mail: written to the outbox inside the request's transaction, sent later by the worker."""

from app.mail.outbox import enqueue_mail

__all__ = ["enqueue_mail"]
