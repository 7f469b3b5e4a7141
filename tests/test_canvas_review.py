"""A version's review page: the frozen board with comments per block, resolving them, and
the decisions (start, request changes, approve) with the log of who did what and when."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.canvas import review
from app.canvas.workflow import Action
from app.extensions import db
from app.models import Canvas, CanvasVersion, ReviewComment, User
from tests.booking_support import writing
from tests.canvas_support import RACERS, SCRIPT, make_canvas, race, submit
from tests.conftest import HX
from tests.review_support import (
    NOTES,
    canvas_row,
    comments,
    make_hub,
    review_url,
    transitions,
)


@pytest.fixture
def hub(app, make):
    return make_hub(app, make)


# --------------------------------------------------------------------------- the page


def test_the_review_page_shows_the_frozen_version_not_the_later_draft(app, client, auth, hub):
    with writing(app):
        canvas = db.session.get(Canvas, hub.canvas_id)
        canvas.title = "Umbenannt im Entwurf"
        db.session.commit()
    auth.login(hub.admin.email)
    page = client.get(review_url(hub.canvas_id)).get_data(as_text=True)
    assert "Digitaler Zwilling" in page and "Mittelstand" in page
    assert 'id="block-value_propositions"' in page
    assert "Rheinchem Spezialchemie GmbH" in page
    assert "Prüfung beginnen" in page and "Änderungen erbitten" in page and "Freigeben" in page


def test_a_comment_on_a_block_belongs_to_the_version_and_returns_to_the_block(
    app, client, auth, hub
):
    auth.login(hub.reviewer.email)
    response = client.submit(
        f"{review_url(hub.canvas_id)}/kommentar/value_propositions",
        {"comment-value_propositions-body": "Welcher Nutzen genau?"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"{review_url(hub.canvas_id)}#block-value_propositions"
    )
    (stored,) = comments(app)
    assert (stored.block_key, stored.body, stored.author_id) == (
        "value_propositions",
        "Welcher Nutzen genau?",
        hub.reviewer.id,
    )
    page = client.get(review_url(hub.canvas_id)).get_data(as_text=True)
    block = page.split('id="block-value_propositions"')[1].split("</section>")[0]
    assert "Welcher Nutzen genau?" in block and "Katharina Brandt" in block


def test_with_htmx_a_comment_is_appended_in_place(app, client, auth, hub):
    auth.login(hub.admin.email)
    response = client.submit(
        f"{review_url(hub.canvas_id)}/kommentar/canvas",
        {"comment-canvas-body": "Insgesamt schlüssig."},
        headers=HX,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<div class="thread" id="thread-canvas"')
    assert "Insgesamt schlüssig." in body
    assert comments(app)[0].block_key is None


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Bitte schreiben Sie einen Kommentar."),
        ("  \t \n ", "Bitte schreiben Sie einen Kommentar."),
        ("x" * (ReviewComment.BODY_MAX + 1), "Bitte höchstens 4000 Zeichen."),
    ],
    ids=["empty", "only-blank", "too-long"],
)
def test_a_bad_comment_is_sent_back_with_an_inline_error(app, client, auth, hub, body, error):
    auth.login(hub.admin.email)
    response = client.submit(
        f"{review_url(hub.canvas_id)}/kommentar/customer_segments",
        {"comment-customer_segments-body": body},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="comment-customer_segments-body-error"' in page
    assert error in page
    assert comments(app) == []


def test_a_comment_of_exactly_the_maximum_length_is_kept(app, client, auth, hub):
    auth.login(hub.admin.email)
    body = "x" * ReviewComment.BODY_MAX
    client.submit(f"{review_url(hub.canvas_id)}/kommentar/canvas", {"comment-canvas-body": body})
    assert comments(app)[0].body == body


def test_a_nul_byte_in_a_comment_is_refused_with_a_message(app, client, auth, hub):
    auth.login(hub.admin.email)
    response = client.submit(
        f"{review_url(hub.canvas_id)}/kommentar/canvas", {"comment-canvas-body": "a\x00b"}
    )
    assert response.status_code == 400
    assert "Steuerzeichen" in response.get_data(as_text=True)
    assert comments(app) == []


def test_the_comment_service_never_stores_a_nul_byte_or_a_blank_comment(app, hub):
    with writing(app):
        version = db.session.scalar(sa.select(CanvasVersion))
        author = db.session.get(User, hub.admin.id)
        assert review.add_comment(version, author, " a\x00b ").body == "ab"
        with pytest.raises(review.ReviewError):
            review.add_comment(version, author, "\x00 ")
        with pytest.raises(review.ReviewError):
            review.add_comment(version, author, "Gut", block_key="no_such_block")


def test_comment_text_is_shown_as_text_never_as_html(app, client, auth, hub):
    auth.login(hub.admin.email)
    client.submit(
        f"{review_url(hub.canvas_id)}/kommentar/channels", {"comment-channels-body": SCRIPT}
    )
    page = client.get(review_url(hub.canvas_id)).get_data(as_text=True)
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_unknown_block_in_the_address_is_404(client, auth, hub):
    auth.login(hub.admin.email)
    url = f"{review_url(hub.canvas_id)}/kommentar/no_such_block"
    assert client.submit(url, {"comment-no_such_block-body": "x"}).status_code == 404


def test_resolving_records_who_and_when_and_reopening_clears_it(
    app, client, htmx_client, auth, hub
):
    auth.login(hub.admin.email)
    client.submit(
        f"{review_url(hub.canvas_id)}/kommentar/channels", {"comment-channels-body": "Kanäle?"}
    )
    comment_id = comments(app)[0].id
    url = f"/canvas/{hub.canvas_id}/pruefung/kommentar/{comment_id}"
    response = client.submit(url, {"erledigt": "1"})
    assert response.headers["Location"].endswith("#block-channels")
    resolved = comments(app)[0]
    assert resolved.resolved_by_id == hub.admin.id and resolved.resolved_at is not None
    page = client.get(review_url(hub.canvas_id)).get_data(as_text=True)
    assert "Wieder öffnen" in page and "erledigt" in page
    client.submit(url, {"erledigt": "0"})
    reopened = comments(app)[0]
    assert reopened.resolved_at is None and reopened.resolved_by_id is None


def test_with_htmx_resolving_answers_with_the_thread(app, client, auth, hub):
    auth.login(hub.admin.email)
    client.submit(
        f"{review_url(hub.canvas_id)}/kommentar/channels", {"comment-channels-body": "Kanäle?"}
    )
    url = f"/canvas/{hub.canvas_id}/pruefung/kommentar/{comments(app)[0].id}"
    body = client.submit(url, {"erledigt": "1"}, headers=HX).get_data(as_text=True)
    assert body.lstrip().startswith('<div class="thread" id="thread-channels"')
    assert "Wieder öffnen" in body


def test_a_comment_of_another_canvas_cannot_be_resolved_through_this_one(app, client, auth, hub):
    other_id = make_canvas(app, hub.outsider, notes=NOTES, title="Anderes")
    submit(app, hub.outsider, other_id)
    auth.login(hub.admin.email)
    client.submit(f"{review_url(other_id)}/kommentar/canvas", {"comment-canvas-body": "Hm"})
    url = f"/canvas/{hub.canvas_id}/pruefung/kommentar/{comments(app)[0].id}"
    assert client.submit(url, {"erledigt": "1"}).status_code == 404
    assert comments(app)[0].resolved_at is None


def test_an_older_version_is_read_only_with_a_link_to_the_newest(app, client, auth, hub):
    auth.login(hub.admin.email)
    client.submit(f"{review_url(hub.canvas_id)}/aenderungen")
    submit(app, hub.member, hub.canvas_id)
    page = client.get(review_url(hub.canvas_id, 1)).get_data(as_text=True)
    assert "Inzwischen ist Version 2 eingereicht" in page
    newest = client.get(review_url(hub.canvas_id, 2)).get_data(as_text=True)
    assert f"/canvas/{hub.canvas_id}/vergleich?von=1&amp;bis=2" in newest
    assert f'href="{review_url(hub.canvas_id, 2)}"' in page
    assert "Kommentieren" not in page and "Freigeben</button>" not in page
    response = client.submit(
        f"{review_url(hub.canvas_id, 1)}/kommentar/canvas", {"comment-canvas-body": "Zu spät"}
    )
    assert response.headers["Location"].endswith(f"{review_url(hub.canvas_id, 2)}#canvas-comments")
    assert "Version 1 ist nicht mehr die neueste" in client.get(
        review_url(hub.canvas_id, 2)
    ).get_data(as_text=True)
    assert comments(app) == []


def test_the_review_page_makes_the_same_queries_however_many_comments(
    app, client, auth, hub, count_queries
):
    auth.login(hub.admin.email)
    url = review_url(hub.canvas_id)
    client.submit(f"{url}/kommentar/channels", {"comment-channels-body": "eins"})
    with count_queries() as few:
        client.get(url)
    for block in ("channels", "key_partners", "cost_structure", "canvas"):
        for text in ("zwei", "drei"):
            client.submit(f"{url}/kommentar/{block}", {f"comment-{block}-body": text})
    with count_queries() as many:
        assert client.get(url).get_data(as_text=True).count('class="comment') >= 9
    assert len(many) == len(few), "\n".join(many)


# --------------------------------------------------------------------------- decisions


def test_requesting_changes_on_a_submitted_version_records_both_steps(app, client, auth, hub):
    auth.login(hub.reviewer.email)
    response = client.submit(f"{review_url(hub.canvas_id)}/aenderungen", follow_redirects=True)
    assert "Änderungen für „Digitaler Kundenservice“ erbeten" in response.get_data(as_text=True)
    assert canvas_row(app, hub.canvas_id).status == "changes_requested"
    steps = [
        (t.action, t.from_status, t.to_status, t.actor_id) for t in transitions(app, hub.canvas_id)
    ]
    assert steps == [
        ("submit", "draft", "submitted", hub.member.id),
        ("start_review", "submitted", "in_review", hub.reviewer.id),
        ("request_changes", "in_review", "changes_requested", hub.reviewer.id),
    ]
    assert all(t.at is not None and t.version_id for t in transitions(app, hub.canvas_id))


def test_the_whole_loop_records_who_and_when_for_every_step(app, client, auth, hub):
    auth.login(hub.admin.email)
    client.submit(f"{review_url(hub.canvas_id)}/beginnen")
    client.submit(f"{review_url(hub.canvas_id)}/aenderungen")
    submit(app, hub.colleague, hub.canvas_id)
    client.submit(f"{review_url(hub.canvas_id, 2)}/freigeben")
    log = transitions(app, hub.canvas_id)
    assert [(t.to_status, t.actor_id) for t in log] == [
        ("submitted", hub.member.id),
        ("in_review", hub.admin.id),
        ("changes_requested", hub.admin.id),
        ("submitted", hub.colleague.id),
        ("in_review", hub.admin.id),
        ("approved", hub.admin.id),
    ]
    assert [t.at for t in log] == sorted(t.at for t in log)
    assert canvas_row(app, hub.canvas_id).status == "approved"


def test_a_second_decision_is_explained_not_a_crash(app, client, auth, hub):
    auth.login(hub.admin.email)
    client.submit(f"{review_url(hub.canvas_id)}/freigeben")
    response = client.submit(f"{review_url(hub.canvas_id)}/aenderungen", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Das geht nicht mehr" in page and "Freigegeben" in page
    assert canvas_row(app, hub.canvas_id).status == "approved"
    assert "Änderungen erbitten</button>" not in page


def test_a_decision_on_an_outdated_version_points_to_the_newest(app, client, auth, hub):
    auth.login(hub.admin.email)
    client.submit(f"{review_url(hub.canvas_id)}/aenderungen")
    submit(app, hub.member, hub.canvas_id)
    response = client.submit(f"{review_url(hub.canvas_id, 1)}/freigeben", follow_redirects=True)
    assert "Inzwischen gibt es Version 2" in response.get_data(as_text=True)
    assert canvas_row(app, hub.canvas_id).status == "submitted"


@pytest.mark.parametrize(
    ("steps", "shown", "hidden"),
    [
        ((), ["Prüfung beginnen", "Änderungen erbitten", "Freigeben</button>"], []),
        (("beginnen",), ["Änderungen erbitten", "Freigeben</button>"], ["Prüfung beginnen"]),
        (("aenderungen",), [], ["Prüfung beginnen", "Änderungen erbitten", "Freigeben</button>"]),
        (("freigeben",), [], ["Prüfung beginnen", "Änderungen erbitten", "Freigeben</button>"]),
    ],
)
def test_only_the_actions_the_workflow_allows_are_offered(client, auth, hub, steps, shown, hidden):
    auth.login(hub.admin.email)
    for step in steps:
        client.submit(f"{review_url(hub.canvas_id)}/{step}")
    page = client.get(review_url(hub.canvas_id)).get_data(as_text=True)
    for label in shown:
        assert label in page
    for label in hidden:
        assert label not in page


def test_reviewers_deciding_at_once_on_a_submitted_version_decide_once(
    app, hub, outbox, database_url
):
    """Half approve, half request changes, all from *submitted*: one of them starts the
    review and decides; the others are told it is too late; the company hears once."""
    reviewer_ids = [hub.admin.id, hub.reviewer.id]
    mails_before = len(outbox())
    turns = iter(range(RACERS))

    def decide_once() -> None:
        turn = next(turns)
        action = Action.APPROVE if turn % 2 else Action.REQUEST_CHANGES
        canvas = db.session.get(Canvas, hub.canvas_id)
        review.decide(canvas, db.session.get(User, reviewer_ids[turn % 2]), action)

    assert race(database_url, decide_once) == {"moved": 1, "refused": RACERS - 1}
    log = transitions(app, hub.canvas_id)
    assert [t.action for t in log][:2] == ["submit", "start_review"]
    assert len(log) == 3 and log[2].action in ("approve", "request_changes")
    assert log[1].actor_id == log[2].actor_id
    assert len(outbox()) - mails_before == 2  # the decision, to each of two members
