"""How a message leaves the building: SMTP in production, a folder in development."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Protocol

from flask import current_app

from app.models import OutboxMessage

_METHOD = re.compile(r"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


class Transport(Protocol):
    def send(self, email: EmailMessage) -> None: ...


def mailbox(sender: str) -> tuple[str, str]:
    """The name and address mail comes from: ``MAIL_DEFAULT_SENDER`` as "Name <address>" or
    a bare address, the name then being ``HUB_NAME``.

    Invites name the same mailbox as their ORGANIZER (``app.booking.invites``), so a
    calendar's reply and the mail's From go to one place.
    """
    name, address = parseaddr(sender)
    return " ".join((name or current_app.config["HUB_NAME"]).split()), address or sender


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """A MIME message: text, HTML and, for invites, a ``text/calendar`` part plus .ics file.

    An invite is ``multipart/mixed`` → ``multipart/alternative`` (text, HTML,
    ``text/calendar; method=…; charset="utf-8"``) plus ``invite.ics`` as
    ``application/ics``, the layout Google Calendar's own invitations have: Outlook and
    Gmail act on the ``text/calendar`` part, and the attachment, not being a second
    ``text/calendar``, is not read as a second invitation.
    """
    name, address = mailbox(sender)
    email = EmailMessage()
    email["From"] = Address(display_name=name, addr_spec=address)
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    # Stable per outbox row, so a receiver can drop a copy sent twice after a crash.
    email["Message-ID"] = f"<outbox-{message.id}@{address.rpartition('@')[2] or 'localhost'}>"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    if message.ics_body and message.ics_method:
        # Outlook refuses a calendar whose MIME method differs from its METHOD; the body
        # is what calendars act on, so its METHOD is the one the part declares.
        method = _METHOD.search(message.ics_body)
        email.add_alternative(
            message.ics_body,
            subtype="calendar",
            params={"method": method.group(1) if method else message.ics_method},
        )
        email.add_attachment(
            message.ics_body.encode(),
            maintype="application",
            subtype="ics",
            filename="invite.ics",
        )
    return email


class SMTPTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        use_ssl: bool = False,
        timeout: float = 10,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password = username, password
        self.use_tls, self.use_ssl = use_tls, use_ssl

    def send(self, email: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.use_tls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)


class FolderTransport:
    """Development: print a summary and keep every message as an ``.eml`` file."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, email: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = email["Message-ID"].strip("<>").partition("@")[0]
        path = self.folder / f"{name}.eml"
        path.write_bytes(email.as_bytes())
        body = email.get_body(preferencelist=("plain",))
        print(f"--- mail to {email['To']}: {email['Subject']} ({path})")
        print(body.get_content() if body else "")


def transport_from_config(config: dict) -> Transport:
    if config.get("MAIL_SERVER"):
        return SMTPTransport(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=config.get("MAIL_USE_TLS", False),
            use_ssl=config.get("MAIL_USE_SSL", False),
            timeout=config.get("MAIL_TIMEOUT", 10),
        )
    return FolderTransport(config["MAIL_OUTBOX_DIR"])
