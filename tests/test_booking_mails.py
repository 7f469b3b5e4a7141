"""What booking mails say: what the meeting is, once, and for the advisor a way to the booking.

Sent through a real SMTP server (aiosmtpd), read as the recipient's mail program reads them.
"""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.mail.transport import transport_from_config
from app.mail.worker import deliver_due
from app.models import ConsultationType
from tests.booking_support import at, book, monday_in, user_of


def delivered(app, smtp_server) -> dict[str, object]:
    """Send the outbox; the messages that arrived, by recipient."""
    with app.app_context():
        deliver_due(transport_from_config(app.config))
    return {message["To"]: message for message in smtp_server.messages}


def text_and_html(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    return text, html


@pytest.mark.parametrize(
    ("type_name", "what"),
    [
        # The type's name already says the topic: not "… Digitalisierung – Digitalisierung".
        ("Erstgespräch Digitalisierung", "Erstgespräch Digitalisierung"),
        ("Workshop Geschäftsmodell", "Workshop Geschäftsmodell – Digitalisierung"),
    ],
)
def test_the_meeting_is_named_by_type_and_topic_without_repeating_itself(
    app, world, smtp_server, type_name, what
):
    app.config.update(smtp_server.config())
    with app.app_context():
        db.session.get(ConsultationType, world.ctype.id).name_de = type_name
        db.session.commit()
    book(app, world, at(monday_in(2), "10:00"))
    mails = delivered(app, smtp_server)
    to_advisor = mails[user_of(app, world.brandt).email]
    assert to_advisor["Subject"] == f"Neue Buchung: {what} mit Andreas Krüger"
    for mail in mails.values():
        text, html = text_and_html(mail)
        assert f"Was: {what}\n" in text
        assert f"<dd>{what}</dd>" in html
        assert "Digitalisierung – Digitalisierung" not in text + html + mail["Subject"]


def test_the_advisors_mail_links_to_the_booking_through_the_login(
    app, client, auth, world, smtp_server
):
    app.config.update(smtp_server.config())
    book(app, world, at(monday_in(2), "10:00"))
    advisor = user_of(app, world.brandt)
    text, html = text_and_html(delivered(app, smtp_server)[advisor.email])
    link = re.search(r"Buchung ansehen:\n(http\S+)", text).group(1)
    assert link.startswith("http://localhost/konto/anmelden?next=")
    assert f'<a href="{link.replace("&", "&amp;")}">Buchung ansehen</a>' in html
    assert "token=" not in link  # a forwarded mail lets nobody move or cancel the meeting
    path = link.removeprefix("http://localhost")
    # Logged out, the link asks for the login and then opens the booking.
    answer = client.submit(path, {"email": advisor.email, "password": "Korrekt-Pferd-Batterie-9"})
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Andreas Krüger" in page and "Wie digitalisieren wir unser Labor?" in page
    # Logged in already, the same link goes straight to the booking.
    again = client.get(path)
    assert again.status_code == 302 and again.headers["Location"].startswith("/beratung/termin/")
