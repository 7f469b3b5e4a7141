"""The review queue and who reviews: reviewers only (403 for others), oldest submission
first, filters that work with and without HTMX, paging, a constant number of queries,
assigning, and the admin's switch that makes an advisor a reviewer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.canvas import review
from app.extensions import db
from app.models import Advisor, Canvas
from tests.canvas_support import SCRIPT, make_canvas, submit
from tests.conftest import HX
from tests.review_support import NOTES, canvas_row, comments, make_hub, review_url
from tests.test_html import audit, nu_errors


@pytest.fixture
def hub(app, make):
    return make_hub(app, make)


def queued_titles(page: str) -> list[str]:
    """The canvas titles in the queue's table, top to bottom."""
    return re.findall(r'<a id="queue-title-\d+" href="/canvas/\d+/pruefung/\d+">([^<]*)</a>', page)


def submitted(app, member, title: str, template: str = "bmc", days_ago: int = 0) -> int:
    """A canvas of ``member``'s organisation, submitted ``days_ago``."""
    notes = {"customer_segments": ["Mittelstand"]}  # a block every template has
    canvas_id = make_canvas(app, member, template=template, notes=notes, title=title)
    submit(app, member, canvas_id)
    if days_ago:
        with app.app_context():
            canvas = db.session.get(Canvas, canvas_id)
            canvas.submitted_at -= timedelta(days=days_ago)
            db.session.commit()
    return canvas_id


def set_status(app, canvas_id: int, status: str) -> None:
    with app.app_context():
        db.session.get(Canvas, canvas_id).status = status
        db.session.commit()


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


# --------------------------------------------------------------------------- the queue


def test_the_queue_lists_waiting_canvases_oldest_submission_first(app, client, auth, hub):
    submitted(app, hub.outsider, "Vor drei Tagen", days_ago=3)
    submitted(app, hub.colleague, "Vor einer Woche", days_ago=7)
    make_canvas(app, hub.member, notes=NOTES, title="Nie eingereicht")
    decided = submitted(app, hub.outsider, "Schon entschieden", days_ago=10)
    set_status(app, decided, "approved")
    auth.login(hub.admin.email)
    page = client.get("/canvas/pruefung").get_data(as_text=True)
    assert queued_titles(page) == ["Vor einer Woche", "Vor drei Tagen", "Digitaler Kundenservice"]
    assert "1 Woche" in page and "Business Model Canvas" in page and "Version 1" in page


@pytest.mark.parametrize("locale", ["de", "en"])
def test_every_waiting_time_reads_as_babel_writes_it(app, locale):
    """The queue writes each wording once per page; what a row says is still Babel's
    wording for exactly its own wait, also next to a unit's threshold."""
    from babel.dates import format_timedelta
    from flask_babel import force_locale

    from app.canvas.review_routes import _waiting_time
    from app.models.types import utcnow

    now = utcnow()
    minutes = [0, 1, 30, 50, 51, 59, 60, 61, 89, 90, 91, 1223, 1224, 1225, 1440]
    days = [1.5, 2.5, 5.8, 5.95, 6, 6.5, 7, 10.5, 25, 25.5, 26, 45, 310, 311, 400, 800]
    waits = [timedelta(minutes=m) for m in minutes] + [timedelta(days=d) for d in days]
    with app.test_request_context(), force_locale(locale):
        waited = _waiting_time(now)
        for wait in [*waits, *reversed(waits)]:  # each wording first met from either side
            expected = format_timedelta(wait, granularity="minute", locale=locale)
            assert waited(now - wait) == expected, wait


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=approved", ["Freigegeben"]),
        ("status=changes_requested", []),
        ("status=alle", ["Freigegeben", "Lean", "Digitaler Kundenservice"]),
        ("vorlage=lean", ["Lean"]),
        ("zustaendig=niemand", ["Lean", "Digitaler Kundenservice"]),
        ("status=nonsense&vorlage=nonsense&seite=x", ["Lean", "Digitaler Kundenservice"]),
    ],
)
def test_the_queue_filters_by_status_template_and_assignee(app, client, auth, hub, query, expected):
    set_status(app, submitted(app, hub.outsider, "Freigegeben", days_ago=9), "approved")
    lean = submitted(app, hub.outsider, "Lean", template="lean", days_ago=5)
    with app.app_context():
        review.assign(db.session.get(Canvas, hub.canvas_id), None)
        db.session.commit()
    auth.login(hub.admin.email)
    if query.startswith("zustaendig"):
        client.submit(f"/canvas/{hub.canvas_id}/zuweisen", {"assignee": str(hub.admin.id)})
        expected = ["Lean"]
    assert lean
    assert queued_titles(client.get(f"/canvas/pruefung?{query}").get_data(as_text=True)) == (
        expected
    )


def test_the_queue_filters_by_organisation_and_by_assignee_me(app, client, auth, hub):
    submitted(app, hub.outsider, "Fremdes Modell", days_ago=2)
    auth.login(hub.reviewer.email)
    client.submit(f"/canvas/{hub.canvas_id}/zuweisen", {"assignee": str(hub.reviewer.id)})
    page = client.get(f"/canvas/pruefung?organisation={hub.organisation.id}")
    assert queued_titles(page.get_data(as_text=True)) == ["Digitaler Kundenservice"]
    mine = client.get("/canvas/pruefung?zustaendig=ich").get_data(as_text=True)
    assert queued_titles(mine) == ["Digitaler Kundenservice"]
    assert "Katharina Brandt" in mine
    other = client.get(f"/canvas/pruefung?zustaendig={hub.admin.id}").get_data(as_text=True)
    assert queued_titles(other) == []


def test_with_htmx_the_filter_swaps_only_the_results(client, auth, hub):
    auth.login(hub.admin.email)
    response = client.get("/canvas/pruefung?status=alle", headers=HX)
    body = response.get_data(as_text=True)
    assert "<html" not in body and "queue-filters" not in body
    assert body.lstrip().startswith('<div id="queue-results"')
    assert "Digitaler Kundenservice" in body
    assert "HX-Request" in response.headers["Vary"]
    page = client.get("/canvas/pruefung").get_data(as_text=True)
    assert 'data-hx-get="/canvas/pruefung"' in page and 'data-hx-push-url="true"' in page
    assert 'data-hx-target="#queue-results"' in page


def test_the_queue_shows_open_comments_and_titles_as_text(app, client, auth, hub):
    submitted(app, hub.outsider, SCRIPT, days_ago=1)
    auth.login(hub.admin.email)
    url = f"{review_url(hub.canvas_id)}/kommentar/channels"
    for body in ("eins", "zwei"):
        client.submit(url, {"comment-channels-body": body})
    page = client.get("/canvas/pruefung").get_data(as_text=True)
    assert SCRIPT not in page and "&lt;script&gt;" in page
    row = page.split("Digitaler Kundenservice</a>")[1].split("</tr>")[0]
    assert '<td data-label="Offene Kommentare">2</td>' in row


def test_the_queue_pages_through_many_canvases(app, client, auth, hub, monkeypatch):
    monkeypatch.setattr(review, "PAGE_SIZE", 2)
    for days in (3, 2):
        submitted(app, hub.outsider, f"Vor {days} Tagen", days_ago=days)
    auth.login(hub.admin.email)
    first = client.get("/canvas/pruefung").get_data(as_text=True)
    assert queued_titles(first) == ["Vor 3 Tagen", "Vor 2 Tagen"]
    assert "3 Canvases" in first and "Seite 1 von 2" in first
    assert 'href="/canvas/pruefung?seite=2"' in first
    second = client.get("/canvas/pruefung?seite=2").get_data(as_text=True)
    assert queued_titles(second) == ["Digitaler Kundenservice"]
    beyond = client.get("/canvas/pruefung?seite=9").get_data(as_text=True)
    assert "Auf dieser Seite ist nichts mehr." in beyond
    assert 'href="/canvas/pruefung?seite=1"' in beyond


def test_the_queue_makes_the_same_queries_for_one_canvas_or_many(
    app, client, auth, hub, count_queries
):
    auth.login(hub.admin.email)
    client.get("/canvas/pruefung")
    with count_queries() as one:
        client.get("/canvas/pruefung")
    for number in range(12):
        canvas_id = submitted(app, hub.outsider, f"Modell {number}", days_ago=number + 1)
        client.submit(f"{review_url(canvas_id)}/kommentar/canvas", {"comment-canvas-body": "?"})
        if number % 2:
            client.submit(f"/canvas/{canvas_id}/zuweisen", {"assignee": str(hub.reviewer.id)})
    with count_queries() as many:
        page = client.get("/canvas/pruefung").get_data(as_text=True)
    assert len(queued_titles(page)) == 13
    assert len(many) == len(one), "\n".join(many)
    with app.app_context():
        assert len(db.session.scalars(sa.select(Canvas)).all()) == 13


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


# --------------------------------------------------------------------------- who reviews


def test_an_admin_lets_an_advisor_review_and_takes_it_back(app, client, auth, hub):
    auth.login(hub.admin.email)
    page = client.get("/admin/nutzer").get_data(as_text=True)
    assert "Thomas Becker: Canvas-Prüfung erlauben" in page
    client.submit(f"/admin/nutzer/{hub.advisor.id}/pruefung", {"pruefen": "1"})
    auth.logout()
    auth.login(hub.advisor.email)
    assert client.get("/canvas/pruefung").status_code == 200
    auth.logout()
    auth.login(hub.admin.email)
    response = client.submit(
        f"/admin/nutzer/{hub.advisor.id}/pruefung", {"pruefen": "0"}, follow_redirects=True
    )
    assert "Thomas Becker prüft keine Canvases mehr." in response.get_data(as_text=True)
    auth.logout()
    auth.login(hub.advisor.email)
    assert client.get("/canvas/pruefung").status_code == 403


def test_only_admins_switch_reviewers_and_only_for_advisors(app, client, auth, hub):
    auth.login(hub.reviewer.email)
    url = f"/admin/nutzer/{hub.advisor.id}/pruefung"
    assert client.submit(url, {"pruefen": "1"}).status_code == 403
    auth.logout()
    auth.login(hub.admin.email)
    assert (
        client.submit(f"/admin/nutzer/{hub.member.id}/pruefung", {"pruefen": "1"}).status_code
        == 404
    )
    with app.app_context():
        flags = dict(db.session.execute(sa.select(Advisor.user_id, Advisor.is_reviewer)).all())
    assert flags == {hub.reviewer.id: True, hub.advisor.id: False}


# --------------------------------------------------------------------------- markup


def review_pages(app, client, auth, hub):
    """The queue (filtered too), a review page with comments and an error, a Triple
    Layered one, an outdated version and the admin's list with the reviewer switch."""
    triple = submitted(app, hub.outsider, "Dreifach", template="tlbmc")
    auth.login(hub.admin.email)
    url = review_url(hub.canvas_id)
    client.submit(f"{url}/kommentar/channels", {"comment-channels-body": "Kanäle?"})
    client.submit(f"{url}/kommentar/canvas", {"comment-canvas-body": "Gesamt"})
    yield "queue", client.get("/canvas/pruefung")
    yield "queue filtered", client.get("/canvas/pruefung?status=alle&zustaendig=ich")
    yield "review", client.get(url)
    yield "comment error", client.submit(f"{url}/kommentar/channels", {"comment-channels-body": ""})
    yield "triple layered", client.get(f"{review_url(triple)}?ebene=social")
    client.submit(f"{url}/aenderungen")
    submit(app, hub.member, hub.canvas_id)
    yield "outdated", client.get(url)
    yield "users", client.get("/admin/nutzer")


def test_review_pages_keep_the_markup_rules(app, client, auth, hub):
    for name, response in review_pages(app, client, auth, hub):
        found = audit(response.get_data(as_text=True))
        assert [i for i, count in found.ids.items() if count > 1] == [], name
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], name
        assert found.htmx_without_target == [], name
        assert found.inline == [], name


def test_review_pages_pass_the_nu_html_checker(app, client, auth, hub, tmp_path):
    files = []
    for name, response in review_pages(app, client, auth, hub):
        page = tmp_path / f"{name.replace(' ', '-')}.html"
        page.write_bytes(response.get_data())
        files.append(str(page))
    errors = nu_errors(files)
    assert errors == [], "\n".join(f"{e.get('url')}: {e.get('message')}" for e in errors)
