"""Submitting from the page, the list of versions, a version's page and the comparison, as
the company and the hub see them."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.canvas import notes as note_service
from app.canvas import service, workflow
from app.extensions import db
from app.models import Canvas, CanvasVersion, ReviewComment, Role, User
from tests.booking_support import writing
from tests.canvas_support import SCRIPT, make_canvas, signed_in_member, submit


@pytest.fixture
def member(make, auth):
    return signed_in_member(make, auth)


@pytest.fixture
def review(app, make):
    """As an admin: move the canvas by ``actions`` and write ``comments`` ({block or None:
    [bodies]}) on its newest version."""
    reviewer = make.user(role=Role.ADMIN, name="Petra Prüfer")

    def act(canvas_id: int, *actions: workflow.Action, comments: dict | None = None):
        with writing(app):
            admin = db.session.get(User, reviewer.id)
            canvas = db.session.get(Canvas, canvas_id)
            for action in actions:
                service.apply(canvas, action, admin, workflow.Actor.REVIEWER)
            version = service.latest_version(canvas)
            for block, bodies in (comments or {}).items():
                db.session.add_all(
                    ReviewComment(
                        version_id=version.id, block_key=block, author_id=admin.id, body=body
                    )
                    for body in bodies
                )
            db.session.commit()

    return act


def edit_draft(app, member, canvas_id: int, change) -> None:
    """``change(canvas, user, notes_by_text)`` through the note services, committed."""
    with writing(app):
        canvas = db.session.get(Canvas, canvas_id)
        user = db.session.get(User, member.id)
        by_text = {note.text: note for note in service.live_notes(canvas)}
        change(canvas, user, by_text)
        db.session.commit()


def flashes(page: str) -> str:
    return " ".join(re.findall(r'<p class="alert alert-\w+">(.*?)</p>', page, re.S))


def refused(client, canvas_id: int) -> str:
    """Submit; expect to be sent back to the board with a message, and return it."""
    response = client.submit(f"/canvas/{canvas_id}/einreichen")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/canvas/{canvas_id}"
    # The message waits for the next page; the list of versions shows it as well as any.
    return flashes(client.get(f"/canvas/{canvas_id}/versionen").get_data(as_text=True))


def test_submitting_freezes_a_version_and_opens_it(app, client, member):
    canvas_id = make_canvas(app, member, notes={"value_propositions": ["Digitaler Zwilling"]})
    response = client.submit(f"/canvas/{canvas_id}/einreichen")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/canvas/{canvas_id}/versionen/1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ist zur Prüfung eingereicht" in flashes(page)
    assert "Digitaler Zwilling" in page and "Version 1" in page


def test_an_empty_canvas_is_refused_with_a_message(app, client, member):
    canvas_id = make_canvas(app, member)
    assert refused(client, canvas_id).startswith("Der Canvas ist leer")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CanvasVersion.id))) == 0


@pytest.mark.parametrize(
    ("actions", "message"),
    [((), "wartet bereits auf die Prüfung"), ((workflow.Action.START_REVIEW,), "gerade geprüft")],
)
def test_a_second_submit_while_waiting_for_review_is_refused(
    app, client, member, review, actions, message
):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    submit(app, member, canvas_id)
    review(canvas_id, *actions)
    assert message in refused(client, canvas_id)
    page = client.get(f"/canvas/{canvas_id}/versionen").get_data(as_text=True)
    assert "Entwurf als neue Version einreichen" not in page  # the list offers no button
    assert "sobald die Prüfung von Version 1 abgeschlossen ist" in page
    with app.app_context():
        assert db.session.get(Canvas, canvas_id).version_count == 1


def test_after_changes_were_requested_the_member_resubmits(app, client, member, review):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    submit(app, member, canvas_id)
    review(canvas_id, workflow.Action.START_REVIEW, workflow.Action.REQUEST_CHANGES)
    response = client.submit(f"/canvas/{canvas_id}/einreichen")
    assert response.headers["Location"].endswith("/versionen/2")


def test_the_list_shows_each_versions_status_and_open_comments(app, client, member, review):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    submit(app, member, canvas_id)
    review(
        canvas_id,
        workflow.Action.START_REVIEW,
        workflow.Action.REQUEST_CHANGES,
        comments={"channels": ["Welcher Shop?", "Und B2B?"], None: ["Gut begonnen"]},
    )
    submit(app, member, canvas_id)
    page = client.get(f"/canvas/{canvas_id}/versionen").get_data(as_text=True)
    rows = dict(re.findall(r'<tr id="version-(\d)">(.*?)</tr>', page, re.S))
    assert "Änderungen erbeten" in rows["1"] and ">3</td>" in rows["1"]
    assert "Eingereicht" in rows["2"] and ">0</td>" in rows["2"]
    assert "von=1&amp;bis=2" in rows["2"]  # compare with the one before
    assert "Andreas Krüger" in rows["2"]


def test_the_list_runs_the_same_queries_for_many_versions(
    app, client, member, review, count_queries
):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})

    def another_round():
        submit(app, member, canvas_id)
        review(
            canvas_id,
            workflow.Action.START_REVIEW,
            workflow.Action.REQUEST_CHANGES,
            comments={"channels": ["Noch offen"]},
        )

    another_round()
    client.get(f"/canvas/{canvas_id}/versionen")
    with count_queries() as few:
        client.get(f"/canvas/{canvas_id}/versionen")
    for _round in range(3):
        another_round()
    with count_queries() as many:
        page = client.get(f"/canvas/{canvas_id}/versionen").get_data(as_text=True)
    assert 'id="version-4"' in page
    assert len(many) == len(few)


def test_a_version_stays_as_submitted_with_its_comments(app, client, member, review, count_queries):
    canvas_id = make_canvas(
        app, member, notes={"value_propositions": [SCRIPT, "Wartung"], "channels": ["Webshop"]}
    )
    submit(app, member, canvas_id)
    review(canvas_id, comments={"channels": [f"Kommentar {SCRIPT}"]})
    edit_draft(
        app,
        member,
        canvas_id,
        lambda canvas, user, notes: note_service.add_note(
            canvas, user, "channels", "Neu im Entwurf"
        ),
    )
    url = f"/canvas/{canvas_id}/versionen/1"
    with count_queries() as counted:
        page = client.get(url).get_data(as_text=True)
    assert "Neu im Entwurf" not in page and "Wartung" in page
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    channels = page.split('id="block-channels"')[1].split("</section>")[0]
    assert "Kommentar &lt;script&gt;" in channels and "offen" in channels
    assert "Strategyzer" in page  # the template's attribution

    review(
        canvas_id,
        workflow.Action.START_REVIEW,
        workflow.Action.REQUEST_CHANGES,
        comments={"channels": ["Zweiter"] * 5, "customer_segments": ["X"]},
    )
    edit_draft(
        app,
        member,
        canvas_id,
        lambda canvas, user, notes: [
            note_service.add_note(canvas, user, "key_partners", f"Partner {n}") for n in range(5)
        ],
    )
    submit(app, member, canvas_id)
    with count_queries() as more_comments:
        client.get(url)
    with count_queries() as more_notes:
        client.get(f"/canvas/{canvas_id}/versionen/2")
    assert len(more_comments) == len(more_notes) == len(counted)


def test_an_unknown_version_is_not_found(app, client, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    assert client.get(f"/canvas/{canvas_id}/versionen/1").status_code == 404
    assert client.get(f"/canvas/{canvas_id}/vergleich?von=1&bis=entwurf").status_code == 302


def compare_page(client, canvas_id: int, query: str) -> str:
    response = client.get(f"/canvas/{canvas_id}/vergleich?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def block_of(page: str, key: str) -> str:
    return page.split(f'id="diff-{key}"')[1].split('<section class="diff-block')[0]


def test_comparing_two_versions_names_every_difference(app, client, member, review, count_queries):
    canvas_id = make_canvas(
        app,
        member,
        notes={
            "value_propositions": ["Bleibt", "Wird geändert", "Wandert"],
            "channels": ["Fällt weg"],
        },
    )
    submit(app, member, canvas_id)
    review(canvas_id, workflow.Action.START_REVIEW, workflow.Action.REQUEST_CHANGES)

    def revise(canvas, user, notes):
        changed = notes["Wird geändert"]
        note_service.update_note(canvas, user, changed.id, changed.version, text=f"Neu: {SCRIPT}")
        note_service.move_note(canvas, user, notes["Wandert"].id, "customer_segments", 0)
        note_service.delete_note(canvas, user, notes["Fällt weg"].id)
        note_service.add_note(canvas, user, "channels", "Ganz neu", colour="green", kind="fact")

    edit_draft(app, member, canvas_id, revise)
    submit(app, member, canvas_id)

    with count_queries() as counted:
        page = compare_page(client, canvas_id, "von=1&bis=2")
    assert "1 neu" in page and "1 entfernt" in page and "1 geändert" in page
    assert "1 verschoben" in page
    values = block_of(page, "value_propositions")
    assert "Geändert:" in values and "Text" in values
    assert "Neu: &lt;script&gt;alert(1)&lt;/script&gt;" in values and SCRIPT not in page
    assert "Verschoben nach „Kundensegmente“" in values
    assert "Verschoben aus „Wertangebote“" in block_of(page, "customer_segments")
    channels = block_of(page, "channels")
    assert "Entfernt" in channels and "Neu" in channels and "Ganz neu" in channels
    # The form to choose the versions, preselected, works without JavaScript.
    assert 'name="von"' in page and '<option value="1" selected>' in page

    only = compare_page(client, canvas_id, "von=1&bis=2&nur=aenderungen")
    assert 'id="diff-key_partners"' not in only and 'id="diff-channels"' in only

    edit_draft(
        app,
        member,
        canvas_id,
        lambda canvas, user, notes: [
            note_service.add_note(canvas, user, "key_partners", f"P{n}") for n in range(6)
        ],
    )
    with count_queries() as with_draft:
        page = compare_page(client, canvas_id, "von=2&bis=entwurf")
    assert "6 neu" in page and "Entwurf" in page
    assert len(with_draft) == len(counted)  # the draft's notes instead of a version


def test_comparing_identical_versions_says_so(app, client, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    submit(app, member, canvas_id)
    page = compare_page(client, canvas_id, "von=1&bis=entwurf")
    assert "Keine Unterschiede" in page


@pytest.mark.parametrize(
    "query",
    ["von=7&bis=1", "von=x&bis=1", "von=1&bis=-1", "von=²&bis=1", "von=1&bis=" + "9" * 20],
)
def test_a_comparison_with_no_such_version_is_not_found(app, client, member, query):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    submit(app, member, canvas_id)
    assert client.get(f"/canvas/{canvas_id}/vergleich?{query}").status_code == 404


def test_other_organisations_see_nothing_and_cannot_submit(app, client, make, auth):
    owner = make.user()
    canvas_id = make_canvas(app, owner, notes={"channels": ["Webshop"]})
    submit(app, owner, canvas_id)
    auth.login(make.user().email)
    for url in (
        f"/canvas/{canvas_id}/versionen",
        f"/canvas/{canvas_id}/versionen/1",
        f"/canvas/{canvas_id}/vergleich?von=1&bis=entwurf",
    ):
        assert client.get(url).status_code == 404, url
    assert client.submit(f"/canvas/{canvas_id}/einreichen").status_code == 404
    with app.app_context():
        assert db.session.get(Canvas, canvas_id).version_count == 1


def test_reviewers_read_versions_but_cannot_submit(app, client, make, auth):
    owner = make.user()
    canvas_id = make_canvas(app, owner, notes={"channels": ["Webshop"]})
    submit(app, owner, canvas_id)
    auth.login(make.user(role=Role.ADMIN).email)
    page = client.get(f"/canvas/{canvas_id}/versionen").get_data(as_text=True)
    assert "Version 1" in page and "einreichen" not in page
    assert client.get(f"/canvas/{canvas_id}/versionen/1").status_code == 200
    assert client.submit(f"/canvas/{canvas_id}/einreichen").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(app, client, make):
    owner = make.user()
    canvas_id = make_canvas(app, owner, notes={"channels": ["Webshop"]})
    response = client.get(f"/canvas/{canvas_id}/versionen")
    assert response.status_code == 302 and "/konto/anmelden" in response.headers["Location"]
