"""Admins edit the imprint and the privacy notice; every publish is a new version and the
old ones stay readable, so the notice a guest agreed to can always be shown."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from app import create_app
from app.admin.audit import AuditAction
from app.extensions import db
from app.main import legal
from app.main.legal import render_markdown
from app.models import AuditEvent, LegalDocument, Role
from app.models.legal import LegalKind
from tests.conftest import app_config
from tests.test_html import assert_pages_valid

EDITOR = "/admin/rechtstexte/privacy"
PREVIEW = "/admin/rechtstexte/privacy/vorschau"
HX = {"HX-Request": "true"}


def publish(client, body_de="## Verantwortlicher\n\nHub Dormagen", body_en="", based_on=None,
            kind="privacy"):  # fmt: skip
    if based_on is None:
        page = client.get(f"/admin/rechtstexte/{kind}").get_data(as_text=True)
        based_on = re.search(r'name="based_on" type="hidden" value="(\d+)"', page).group(1)
    return client.submit(
        f"/admin/rechtstexte/{kind}",
        {"body_de": body_de, "body_en": body_en, "based_on": str(based_on)},
    )


def english(client):
    client.submit("/sprache", {"lang": "en"})


# Rendering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markdown",
    [
        "[klick](javascript:alert(1))",
        "[klick](JavaScript:alert(1))",
        "[klick]( javascript:alert(1))",
        "[klick](data:text/html;base64,PHNjcmlwdD4=)",
        "[klick](vbscript:msgbox)",
        "<javascript:alert(1)>",
    ],
)
def test_only_web_and_mail_links_become_links(markdown):
    html = str(render_markdown(markdown))
    assert "<a" not in html and "href" not in html


def test_markdown_renders_without_raw_html_or_images():
    html = str(
        render_markdown(
            "# Titel\n\n**fett** [Web](https://hub.example) [Mail](mailto:info@hub.example)\n\n"
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
            "![Logo](https://fremd.example/logo.png)"
        )
    )
    assert "<h2>Titel</h2>" in html and "<h1" not in html  # the page keeps its one h1
    assert '<a href="https://hub.example">Web</a>' in html
    assert '<a href="mailto:info@hub.example">Mail</a>' in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<img" not in html  # nothing is loaded from another host


def test_markdown_copes_with_nul_crlf_and_100_kb():
    assert "\x00" not in render_markdown("a\x00b")
    assert str(render_markdown("Zeile eins\r\nZeile zwei\r\n\r\nAbsatz")).count("<p>") == 2
    big = render_markdown("Absatz mit Text. " * 6000)  # ≈ 100 KB
    assert len(big) > 100_000


# Public pages ---------------------------------------------------------------------------


def test_built_in_text_is_version_0(client):
    page = client.get("/datenschutz").get_data(as_text=True)
    assert "Welche Daten wir verarbeiten" in page and "Version" not in page
    assert client.get("/datenschutz/version/0").status_code == 200
    assert client.get("/datenschutz/version/1").status_code == 404
    assert "Anbieter" in client.get("/impressum").get_data(as_text=True)


def test_published_text_shows_in_both_languages(app, client, admin):
    answer = publish(client, "## Wer wir sind\n\nDer Hub.", "## Who we are\n\nThe hub.")
    assert answer.headers["Location"] == "/admin/rechtstexte"
    page = client.get("/datenschutz").get_data(as_text=True)
    assert "<h2>Wer wir sind</h2>" in page and "Version 1" in page and "Stand:" in page
    assert "Welche Daten wir verarbeiten" not in page
    english(client)
    page = client.get("/datenschutz").get_data(as_text=True)
    assert "<h2>Who we are</h2>" in page and "Wer wir sind" not in page


def test_english_falls_back_to_german_with_a_note(client, admin):
    publish(client, "## Anbieter\n\nHub Dormagen", kind="imprint")
    english(client)
    page = client.get("/impressum").get_data(as_text=True)
    assert '<div class="legal-text" lang="de"><h2>Anbieter</h2>' in page
    assert 'class="alert"' in page  # the note that the text exists only in German


def test_an_old_version_stays_readable(client, admin):
    publish(client, "Erste Fassung")
    publish(client, "Zweite Fassung")
    assert "Zweite Fassung" in client.get("/datenschutz").get_data(as_text=True)
    old = client.get("/datenschutz/version/1").get_data(as_text=True)
    assert "Erste Fassung" in old and "Version 1" in old and 'href="/datenschutz"' in old
    built_in = client.get("/datenschutz/version/0").get_data(as_text=True)
    assert "Welche Daten wir verarbeiten" in built_in
    assert client.get("/datenschutz/version/3").status_code == 404
    assert client.get("/datenschutz/version/-1").status_code == 404


# The editor -----------------------------------------------------------------------------


def test_editor_starts_from_the_built_in_text_in_both_languages(client, admin):
    page = client.get(EDITOR).get_data(as_text=True)
    assert "## Welche Daten wir verarbeiten" in page
    assert "## Which data we process" in page or "## " in page.split('name="body_en"')[1]
    assert client.get("/admin/rechtstexte/agb").status_code == 404


def test_publishing_logs_who_published_which_version(app, client, admin):
    publish(client, "Erste Fassung")
    publish(client, "Zweite Fassung", "Second version")
    with app.app_context():
        documents = db.session.scalars(sa.select(LegalDocument).order_by("version")).all()
        assert [(d.kind, d.version, d.body_de) for d in documents] == [
            ("privacy", 1, "Erste Fassung"),
            ("privacy", 2, "Zweite Fassung"),
        ]
        assert documents[1].published_by is not None
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == [AuditAction.LEGAL_PUBLISHED.value] * 2
        assert events[1].target_label == "Datenschutzhinweise, Version 2"
        assert events[1].detail == "privacy v2"
    listing = client.get("/admin/rechtstexte").get_data(as_text=True)
    assert "Version 2" in listing and 'href="/datenschutz/version/1"' in listing


def test_a_stale_editor_does_not_publish_the_same_number(app, client, admin):
    publish(client, "Erste Fassung")
    publish(client, "Kollegin war schneller", based_on=1)
    answer = publish(client, "Meine Fassung", based_on=1)  # opened before her publish
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "Inzwischen hat jemand anderes eine neue Version veröffentlicht" in page
    assert "Meine Fassung" in page  # what was typed is still there
    forged = publish(client, "Sprung", based_on=7)
    assert forged.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LegalDocument.id))) == 2
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 2


@pytest.mark.parametrize(
    ("body_de", "body_en", "message"),
    [
        ("", "", "Bitte geben Sie den deutschen Text ein."),
        ("   \r\n ", "Only English", "Bitte geben Sie den deutschen Text ein."),
        ("a" * 100_001, "", "Bitte höchstens 100000 Zeichen."),
        ("Text", "b" * 100_001, "Bitte höchstens 100000 Zeichen."),
    ],
)
def test_bad_texts_are_refused_inline(app, client, admin, body_de, body_en, message):
    answer = publish(client, body_de, body_en, based_on=0)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LegalDocument.id))) == 0


@pytest.mark.parametrize("based_on", ["abc", "-1", "", "1e3", "99999999999"])
def test_a_forged_version_number_is_refused(app, client, admin, based_on):
    answer = publish(client, "Text", based_on=based_on)
    assert answer.status_code == 422
    assert "Bitte laden Sie die Seite neu." in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LegalDocument.id))) == 0


@pytest.mark.parametrize(("body_de", "body_en"), [("Mit\x00NUL", ""), ("Text", "with\x00NUL")])
def test_nul_bytes_are_refused_with_an_explanation(app, client, admin, body_de, body_en):
    # Every request with a NUL byte is refused before the view (app.edges), with a message.
    answer = publish(client, body_de, body_en, based_on=0)
    assert answer.status_code == 400
    assert "Steuerzeichen" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LegalDocument.id))) == 0


def test_crlf_is_stored_as_lf_and_100_000_characters_fit(app, client, admin):
    assert publish(client, "Zeile\r\nZeile", based_on=0).status_code == 302
    assert publish(client, "x" * 100_000, based_on=1).status_code == 302
    with app.app_context():
        bodies = db.session.scalars(sa.select(LegalDocument.body_de).order_by("version")).all()
        assert bodies[0] == "Zeile\nZeile" and len(bodies[1]) == 100_000


def test_preview_renders_without_publishing(app, client, admin):
    data = {"body_de": "## Vorschau-Titel\n\n[x](javascript:alert(1))", "body_en": "",
            "based_on": "0"}  # fmt: skip
    fragment = client.submit(PREVIEW, data, headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<h2>Vorschau-Titel</h2>" in html
    assert "<html" not in html and "javascript:" not in html.split("legal-preview")[1].split(
        "</section>"
    )[0].replace("[x](javascript:alert(1))", "")
    without_js = client.submit(PREVIEW, data).get_data(as_text=True)
    assert "<h1>" in without_js and "<h2>Vorschau-Titel</h2>" in without_js
    assert "## Vorschau-Titel" in without_js  # the textarea keeps the text
    bad = client.submit(PREVIEW, {**data, "body_de": ""}, headers=HX)
    assert bad.status_code == 422 and "Bitte geben Sie den deutschen Text ein." in bad.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LegalDocument.id))) == 0


def test_csrf_is_enforced_on_publish_and_preview(app, client, admin):
    data = {"body_de": "Ohne Token", "body_en": "", "based_on": "0"}
    assert client.post(EDITOR, data=data).status_code == 400
    assert client.post(PREVIEW, data=data).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LegalDocument.id))) == 0


@pytest.mark.parametrize("role", [Role.CLIENT, Role.ADVISOR])
@pytest.mark.parametrize("path", ["/admin/rechtstexte", EDITOR])
def test_only_admins_edit_legal_texts(client, auth, make, role, path):
    assert client.get(path).status_code == 302  # anonymous: to the login
    assert "/konto/anmelden" in client.get(path).headers["Location"]
    auth.login(make.user(role=role).email)
    assert client.get(path).status_code == 403
    assert client.submit(PREVIEW, {"body_de": "x", "based_on": "0"}).status_code == 403


def test_the_pages_keep_the_markup_rules(app, client, admin, tmp_path):
    publish(client, "# Titel\n\n[Web](https://hub.example) [x](javascript:alert(1))\n\n<b>roh</b>")
    publish(client, "## Anbieter\n\nHub Dormagen", kind="imprint")
    preview = {"body_de": "## Neu", "body_en": "", "based_on": "1"}
    pages = {
        "list": client.get("/admin/rechtstexte"),
        "editor": client.get(EDITOR),
        "editor_first": client.get("/admin/rechtstexte/imprint"),
        "preview": client.submit(PREVIEW, preview),
        "errors": publish(client, "", "", based_on=1),
        "conflict": publish(client, "Alt", based_on=0),
        "privacy": client.get("/datenschutz"),
        "privacy_0": client.get("/datenschutz/version/0"),
    }
    english(client)
    pages["imprint_en"] = client.get("/impressum")
    assert_pages_valid(pages.items(), tmp_path, statuses=(200, 409, 422))


@pytest.mark.postgres
def test_simultaneous_publishes_get_one_number(app, database_url):
    """Five admins publish on top of the same version at once: one gets version 1, the
    others are told to reload; no number is given twice and the log has one entry."""
    racing = create_app(
        app_config(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 8, "max_overflow": 0})
    )
    ready = threading.Barrier(5)
    results: list = [None] * 5

    def run(number: int) -> None:
        with racing.app_context():
            ready.wait(timeout=30)
            try:
                legal.publish(LegalKind.PRIVACY, f"Fassung {number}", "", 0, by=None)
                results[number] = "published"
            except legal.PublishConflict:
                results[number] = "conflict"
            except Exception as error:  # anything else is a finding
                results[number] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with racing.app_context():
        db.engine.dispose()
    assert sorted(map(str, results)) == ["conflict"] * 4 + ["published"]
    with app.app_context():
        assert db.session.scalars(sa.select(LegalDocument.version)).all() == [1]
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 1
