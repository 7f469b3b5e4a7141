"""Putting mail into the outbox.

``enqueue_mail`` renders the message in the recipient's language and adds an
``OutboxMessage`` to the session without committing: the message is stored if, and only
if, the change it announces is stored.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale

from app.extensions import db
from app.models import OutboxMessage


def enqueue_mail(
    to: str,
    template: str,
    locale: str | None = None,
    ics_method: str | None = None,
    ics_body: str | None = None,
    **context,
) -> OutboxMessage:
    """Queue ``templates/mail/<template>.{txt,html}`` for ``to``.

    The text template's first line is the subject, then a blank line, then the body: each
    mail's words live in one place and are translated together.
    """
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    context.setdefault("hub_name", current_app.config["HUB_NAME"])
    with force_locale(locale):
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    subject, _, body = text.partition("\n\n")
    message = OutboxMessage(
        to_address=to,
        subject=subject.strip(),
        body_text=body.strip() + "\n",
        body_html=html,
        ics_method=ics_method,
        ics_body=ics_body,
    )
    db.session.add(message)
    return message
