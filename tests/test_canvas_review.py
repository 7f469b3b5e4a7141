"""The hub's review: the queue, a version's review page, comments per block, assigning and
the decisions, as reviewers (admins and marked advisors) and as everyone else."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.canvas import review
from app.extensions import db
from app.models import (
    Advisor,
    Canvas,
    CanvasTransition,
    CanvasVersion,
    ReviewComment,
    Role,
    User,
)
from tests.booking_support import writing
from tests.canvas_support import make_canvas, submit

NOTES = {"value_propositions": ["Digitaler Zwilling"], "customer_segments": ["Mittelstand"]}
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def hub(app, make):
    """A company with two members, an outsider, an admin, a reviewing advisor and a plain
    advisor; the company has one canvas, submitted once."""
    organisation = make.organisation("Rheinchem Spezialchemie GmbH")
    member = make.user(name="Andreas Krüger", organisation=organisation)
    colleague = make.user(name="Jana Weber", organisation=organisation)
    outsider = make.user(name="Fremde Person")
    admin = make.user(role=Role.ADMIN, name="Ada Admin")
    reviewing = make.advisor(name="Katharina Brandt")
    plain = make.advisor(name="Thomas Becker")
    with app.app_context():
        db.session.get(Advisor, reviewing.id).is_reviewer = True
        db.session.commit()
    canvas_id = make_canvas(app, member, notes=NOTES)
    submit(app, member, canvas_id)
    return SimpleNamespace(
        organisation=organisation,
        member=member,
        colleague=colleague,
        outsider=outsider,
        admin=admin,
        reviewer=db_user(app, reviewing.user_id),
        advisor=db_user(app, plain.user_id),
        canvas_id=canvas_id,
    )


def db_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def review_url(canvas_id: int, number: int = 1) -> str:
    return f"/canvas/{canvas_id}/pruefung/{number}"


def canvas_row(app, canvas_id: int) -> Canvas:
    with app.app_context():
        canvas = db.session.get(Canvas, canvas_id)
        db.session.expunge(canvas)
        return canvas


def comments(app) -> list[ReviewComment]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(ReviewComment).order_by(ReviewComment.id)))
        db.session.expunge_all()
        return found


# --------------------------------------------------------------------------- who may


def test_the_queue_asks_anonymous_visitors_to_log_in(client, hub):
    response = client.get("/canvas/pruefung")
    assert response.status_code == 302
    assert "/konto/anmelden" in response.headers["Location"]


@pytest.mark.parametrize("who", ["member", "outsider", "advisor"])
def test_the_queue_is_forbidden_to_everyone_but_reviewers(client, auth, hub, who):
    auth.login(getattr(hub, who).email)
    assert client.get("/canvas/pruefung").status_code == 403


@pytest.mark.parametrize("who", ["admin", "reviewer"])
def test_admins_and_reviewing_advisors_see_the_queue_and_its_nav_entry(client, auth, hub, who):
    auth.login(getattr(hub, who).email)
    page = client.get("/canvas/pruefung").get_data(as_text=True)
    assert "Digitaler Kundenservice" in page
    assert 'href="/canvas/pruefung"' in page


def test_others_have_no_nav_entry_for_the_queue(client, auth, hub):
    auth.login(hub.advisor.email)
    assert 'href="/canvas/pruefung"' not in client.get("/beratung/").get_data(as_text=True)


@pytest.mark.parametrize("who", ["member", "colleague", "outsider", "advisor"])
def test_the_review_page_and_its_actions_are_404_to_non_reviewers(client, auth, hub, who):
    auth.login(getattr(hub, who).email)
    url = review_url(hub.canvas_id)
    assert client.get(url).status_code == 404
    for post in ("kommentar/canvas", "aenderungen", "freigeben", "beginnen"):
        assert client.submit(f"{url}/{post}", {"comment-canvas-body": "x"}).status_code == 404
    assert client.submit(f"/canvas/{hub.canvas_id}/zuweisen").status_code == 404
    assert canvas_row(client.application, hub.canvas_id).status == "submitted"
    assert comments(client.application) == []


def test_a_draft_never_submitted_and_a_missing_version_are_404_even_to_admins(
    app, client, auth, hub
):
    draft_id = make_canvas(app, hub.member, notes=NOTES, title="Geheimer Entwurf")
    auth.login(hub.admin.email)
    assert client.get(review_url(draft_id)).status_code == 404
    assert client.get(review_url(hub.canvas_id, 2)).status_code == 404
    assert client.get(review_url(999_999)).status_code == 404


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


def test_with_htmx_a_comment_is_appended_in_place(app, htmx_client, hub):
    AuthLogin(htmx_client).login(hub.admin.email)
    response = htmx_client.submit(
        f"{review_url(hub.canvas_id)}/kommentar/canvas",
        {"comment-canvas-body": "Insgesamt schlüssig."},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<div class="thread" id="thread-canvas"')
    assert "Insgesamt schlüssig." in body
    assert comments(app)[0].block_key is None


class AuthLogin:
    """Logs an HTMX client in (the ``auth`` fixture drives the plain client)."""

    def __init__(self, client) -> None:
        self.client = client

    def login(self, email: str) -> None:
        from tests.conftest import PASSWORD

        self.client.submit("/konto/anmelden", {"email": email, "password": PASSWORD})


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


def test_with_htmx_resolving_answers_with_the_thread(app, client, htmx_client, auth, hub):
    auth.login(hub.admin.email)
    client.submit(
        f"{review_url(hub.canvas_id)}/kommentar/channels", {"comment-channels-body": "Kanäle?"}
    )
    AuthLogin(htmx_client).login(hub.admin.email)
    url = f"/canvas/{hub.canvas_id}/pruefung/kommentar/{comments(app)[0].id}"
    body = htmx_client.submit(url, {"erledigt": "1"}).get_data(as_text=True)
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


def transitions(app, canvas_id: int) -> list[CanvasTransition]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(CanvasTransition)
                .where(CanvasTransition.canvas_id == canvas_id)
                .order_by(CanvasTransition.id)
            )
        )
        db.session.expunge_all()
        return found


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


# --------------------------------------------------------------------------- assigning


def test_a_reviewer_assigns_to_themselves_another_reviewer_or_nobody(app, client, auth, hub):
    auth.login(hub.admin.email)
    url = f"/canvas/{hub.canvas_id}/zuweisen"
    client.submit(url, {"assignee": str(hub.admin.id)})
    assert canvas_row(app, hub.canvas_id).assignee_id == hub.admin.id
    response = client.submit(url, {"assignee": str(hub.reviewer.id)}, follow_redirects=True)
    assert "prüft jetzt Katharina Brandt" in response.get_data(as_text=True)
    assert canvas_row(app, hub.canvas_id).assignee_id == hub.reviewer.id
    client.submit(url, {"assignee": ""})
    assert canvas_row(app, hub.canvas_id).assignee_id is None


@pytest.mark.parametrize("who", ["advisor", "member"])
def test_only_reviewers_can_be_assigned(app, client, auth, hub, who):
    auth.login(hub.admin.email)
    response = client.submit(
        f"/canvas/{hub.canvas_id}/zuweisen",
        {"assignee": str(getattr(hub, who).id)},
        follow_redirects=True,
    )
    assert "Diese Person prüft keine Canvases." in response.get_data(as_text=True)
    assert canvas_row(app, hub.canvas_id).assignee_id is None


def test_assigning_returns_to_the_page_it_came_from_but_never_off_site(client, auth, hub):
    auth.login(hub.admin.email)
    url = f"/canvas/{hub.canvas_id}/zuweisen"
    back = client.submit(
        url, {"assignee": str(hub.admin.id), "next": "/canvas/pruefung?status=alle"}
    )
    assert back.headers["Location"] == "/canvas/pruefung?status=alle"
    away = client.submit(url, {"assignee": str(hub.admin.id), "next": "//evil.example/"})
    assert away.headers["Location"] == review_url(hub.canvas_id) + "#canvas-comments"


def test_a_reviewing_advisor_takes_a_canvas_from_the_queue(app, client, auth, hub):
    auth.login(hub.reviewer.email)
    page = client.get("/canvas/pruefung").get_data(as_text=True)
    assert "Übernehmen" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        f"/canvas/{hub.canvas_id}/zuweisen",
        data={"csrf_token": token, "assignee": str(hub.reviewer.id), "next": "/canvas/pruefung"},
    )
    page = client.get("/canvas/pruefung?zustaendig=ich").get_data(as_text=True)
    assert "Digitaler Kundenservice" in page and "Katharina Brandt" in page
