"""A real SMTP server for tests, built on aiosmtpd, that can be stopped and started again."""

from __future__ import annotations

import logging
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

# The app logs to stderr from the root logger; the test server's chatter about each
# connection ("EOF received") is not the app's and would bury a failure's output.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _Collector:
    """Keeps every accepted message, parsed, in arrival order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        """Like a real server, refuse mailboxes that do not exist (here: the .invalid TLD)."""
        if address.endswith(".invalid"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self._collector = _Collector()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self._collector.messages

    def start(self) -> None:
        self._controller = Controller(self._collector, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_TIMEOUT": 5}
