"""Each step of the review mails the company's members, in each member's language, with a
link to the canvas; a new version of a canvas a reviewer took also tells that reviewer."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Canvas, User
from tests.canvas_support import SCRIPT, make_canvas, submit
from tests.conftest import link_in
from tests.review_support import NOTES, make_hub, review_url


@pytest.fixture
def hub(app, make):
    return make_hub(app, make)


def canvas_link(canvas_id: int) -> str:
    return f"http://localhost/canvas/{canvas_id}"


@pytest.mark.parametrize(
    ("steps", "subjects"),
    [
        (("beginnen",), ["Canvas „Digitaler Kundenservice“: In Prüfung"]),
        # A decision straight from *submitted* starts the review silently: one mail.
        (("aenderungen",), ["Canvas „Digitaler Kundenservice“: Änderungen erbeten"]),
        (
            ("beginnen", "freigeben"),
            [
                "Canvas „Digitaler Kundenservice“: In Prüfung",
                "Canvas „Digitaler Kundenservice“: Freigegeben",
            ],
        ),
    ],
)
def test_every_step_mails_every_member_with_a_link_to_the_canvas(
    client, auth, outbox, hub, steps, subjects
):
    submitted_mails = len(outbox())
    auth.login(hub.admin.email)
    for step in steps:
        client.submit(f"{review_url(hub.canvas_id)}/{step}")
    mails = outbox()[submitted_mails:]
    for member in (hub.member, hub.colleague):
        mine = [mail for mail in mails if mail.to_address == member.email]
        assert [mail.subject for mail in mine] == subjects
        assert all(link_in(mail) == f"/canvas/{hub.canvas_id}" for mail in mine)
        assert all(canvas_link(hub.canvas_id) in mail.body_html for mail in mine)
    assert {mail.to_address for mail in mails} == {hub.member.email, hub.colleague.email}


def test_a_submit_mails_the_members_too(outbox, hub):
    mails = outbox()
    assert {mail.to_address for mail in mails} == {hub.member.email, hub.colleague.email}
    assert "Version 1 von „Digitaler Kundenservice“ ist zur Prüfung eingereicht" in (
        mails[0].body_text
    )


def test_changes_requested_tells_where_the_comments_are(client, auth, outbox, hub):
    auth.login(hub.admin.email)
    client.submit(f"{review_url(hub.canvas_id)}/aenderungen")
    last = outbox(hub.member.email)[-1]
    assert "Die Kommentare stehen neben den Blöcken Ihres Entwurfs." in last.body_text
    assert "Hallo Andreas Krüger," in last.body_text


def test_nobody_outside_the_company_and_no_closed_account_is_mailed(app, client, auth, outbox, hub):
    with app.app_context():
        db.session.get(User, hub.colleague.id).active = False
        db.session.commit()
    auth.login(hub.admin.email)
    client.submit(f"{review_url(hub.canvas_id)}/freigeben")
    recipients = {mail.to_address for mail in outbox()[2:]}
    assert recipients == {hub.member.email}


def test_each_member_reads_the_mail_in_their_language(app, client, auth, outbox, hub):
    with app.app_context():
        db.session.get(User, hub.colleague.id).locale = "en"
        db.session.commit()
    auth.login(hub.admin.email)
    client.submit(f"{review_url(hub.canvas_id)}/freigeben")
    english = outbox(hub.colleague.email)[-1]
    german = outbox(hub.member.email)[-1]
    # Only strings the catalogue already has are asserted in English; the review's own
    # strings are translated at the end, together with the rest of the feature.
    assert english.body_text.startswith("Hello Jana Weber,")
    assert '<html lang="en">' in english.body_html
    assert german.body_text.startswith("Hallo Andreas Krüger,")
    assert link_in(english) == link_in(german) == f"/canvas/{hub.canvas_id}"


def test_a_title_with_markup_is_text_in_the_mail(app, client, auth, outbox, hub):
    canvas_id = make_canvas(app, hub.member, notes=NOTES, title=SCRIPT)
    submit(app, hub.member, canvas_id)
    auth.login(hub.admin.email)
    client.submit(f"{review_url(canvas_id)}/aenderungen")
    for mail in outbox(hub.member.email):
        assert SCRIPT not in mail.body_html
    assert "&lt;script&gt;" in outbox(hub.member.email)[-1].body_html


def test_the_assigned_reviewer_hears_of_a_new_version(app, client, auth, outbox, hub):
    auth.login(hub.admin.email)
    client.submit(f"/canvas/{hub.canvas_id}/zuweisen", {"assignee": str(hub.reviewer.id)})
    client.submit(f"{review_url(hub.canvas_id)}/aenderungen")
    assert outbox(hub.reviewer.email) == []
    submit(app, hub.member, hub.canvas_id)
    (mail,) = outbox(hub.reviewer.email)
    assert mail.subject == "Neue Version von „Digitaler Kundenservice“ zur Prüfung"
    assert "Rheinchem Spezialchemie GmbH hat Version 2" in mail.body_text
    assert link_in(mail) == review_url(hub.canvas_id, 2)
    assert outbox(hub.admin.email) == []


def test_a_reviewer_no_longer_reviewing_is_not_mailed(app, client, auth, outbox, hub):
    auth.login(hub.admin.email)
    client.submit(f"/canvas/{hub.canvas_id}/zuweisen", {"assignee": str(hub.reviewer.id)})
    client.submit(f"{review_url(hub.canvas_id)}/aenderungen")
    with app.app_context():
        db.session.get(User, hub.reviewer.id).active = False
        db.session.commit()
    submit(app, hub.member, hub.canvas_id)
    assert outbox(hub.reviewer.email) == []
    with app.app_context():
        assert db.session.get(Canvas, hub.canvas_id).version_count == 2
