"""Putting mail into the outbox.

``enqueue_mail`` renders the message in the recipient's language and adds an
``OutboxMessage`` to the session without committing: the message is stored if, and only
if, the change it announces is stored. Nothing about the mail may fail that change: the
subject is made one line and bounded (names in it can be long or, from older data, hold
line breaks), and a message to an address that cannot be sent to is stored as failed.
"""

from __future__ import annotations

import re

from flask import current_app, render_template
from flask_babel import force_locale

from app.extensions import db
from app.models import OutboxMessage
from app.models.types import utcnow

SUBJECT_LIMIT = 200  # the column holds 255; mail clients show far fewer
ADDRESS_LIMIT = 254  # RFC 5321's longest path, and the column's size
_BLANK_RUN = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def one_line(text: str, limit: int) -> str:
    """Every run of blank space or control characters becomes one space; a text longer
    than ``limit`` is cut at a word where it can be and ends with "…"."""
    text = _BLANK_RUN.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rpartition(" ")[0]
    return cut.rstrip() + "…"


def _without_nul(text: str | None) -> str | None:
    """PostgreSQL cannot store NUL in text, and no mail needs one."""
    return text.replace("\x00", "") if text else text


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
        subject=one_line(subject, SUBJECT_LIMIT),
        body_text=_without_nul(body.strip()) + "\n",
        body_html=_without_nul(html),
        ics_method=ics_method,
        ics_body=_without_nul(ics_body),
    )
    if len(to) > ADDRESS_LIMIT or _BLANK_RUN.search(to) or "@" not in to:
        # Forms never let such an address in; should one come from elsewhere, the change
        # still happens and the outbox says why its mail was not sent.
        message.to_address = one_line(to, ADDRESS_LIMIT)
        message.failed_at = utcnow()
        message.last_error = f"unusable address: {to[:200]!r}"
    db.session.add(message)
    return message
