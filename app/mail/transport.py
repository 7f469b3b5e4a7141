"""How a message leaves the building: SMTP in production, a folder in development."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Protocol

from app.models import OutboxMessage


class Transport(Protocol):
    def send(self, email: EmailMessage) -> None: ...


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """A MIME message: text, HTML and, for invites, a ``text/calendar`` part plus .ics file."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    # Stable per outbox row, so a receiver can drop a copy sent twice after a crash.
    email["Message-ID"] = f"<outbox-{message.id}@{sender.rpartition('@')[2] or 'localhost'}>"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    if message.ics_body and message.ics_method:
        email.add_alternative(
            message.ics_body, subtype="calendar", params={"method": message.ics_method}
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
