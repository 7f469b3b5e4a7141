"""JSON export and import: the download holds the documented format, and an upload becomes a
new draft only when every block of it is valid, else the page lists the problems."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.canvas import exchange
from app.canvas.snapshot import FORMAT, FORMAT_VERSION
from app.extensions import db
from app.models import Canvas, CanvasNote, Role
from tests.canvas_support import SCRIPT, make_canvas, signed_in_member, submit
from tests.conftest import PASSWORD


@pytest.fixture
def member(make, auth):
    return signed_in_member(make, auth)


def valid_file(**changes) -> dict:
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "template": "bmc",
        "title": "Kreislauf-Modell",
        "language": "en",
        "legend": {"green": "validiert"},
        "blocks": {
            "value_propositions": [
                {"id": 3, "text": "Rücknahme € CO₂e", "colour": "green", "kind": "fact"}
            ],
            "channels": [{"text": "Webshop"}],
        },
    }
    data.update(changes)
    return data


def upload(client, content, name="canvas.json", **kwargs):
    """Post ``content`` (bytes, or data to write as JSON) as the form would. The body is
    encoded in memory: the test client would spool a large one to a file it never closes."""
    body = content if isinstance(content, bytes) else json.dumps(content).encode()
    boundary, data = encode_multipart(
        {
            "csrf_token": client.csrf_token(),
            "file": FileStorage(io.BytesIO(body), filename=name, content_type="application/json"),
        }
    )
    return client.post(
        "/canvas/import",
        data=data,
        content_type=f"multipart/form-data; boundary={boundary}",
        **kwargs,
    )


def canvas_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Canvas.id)))


def test_the_export_is_a_documented_download(app, client, member):
    canvas_id = make_canvas(
        app,
        member,
        title="Grüße & Co. / Modell",
        notes={"value_propositions": [SCRIPT, "Wartung"]},
    )
    response = client.get(f"/canvas/{canvas_id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Gruesse-Co-Modell-Entwurf.json"')
    assert "filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%26%20Co.%20%20Modell%20Entwurf.json" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.get_data())
    assert (data["format"], data["format_version"], data["template"]) == (FORMAT, 1, "bmc")
    texts = [note["text"] for note in data["blocks"]["value_propositions"]]
    assert texts == [SCRIPT, "Wartung"]
    assert data["blocks"]["channels"] == []  # every block is there


def test_a_versions_export_is_the_frozen_one(app, client, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    submit(app, member, canvas_id)
    with app.app_context():
        db.session.scalar(sa.select(CanvasNote)).text = "Später geändert"
        db.session.commit()
    response = client.get(f"/canvas/{canvas_id}/export.json?version=1")
    assert json.loads(response.get_data())["blocks"]["channels"][0]["text"] == "Webshop"
    assert "Version-1.json" in response.headers["Content-Disposition"]
    assert client.get(f"/canvas/{canvas_id}/export.json?version=2").status_code == 404
    for number in ("eins", "²", "9" * 20, "9" * 5000):
        assert client.get(f"/canvas/{canvas_id}/export.json?version={number}").status_code == 404


def test_an_exported_canvas_imports_as_a_new_draft(app, client, member):
    canvas_id = make_canvas(
        app, member, notes={"value_propositions": [SCRIPT], "channels": ["A", "B"]}
    )
    exported = client.get(f"/canvas/{canvas_id}/export.json").get_data()
    response = upload(client, exported)
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.scalar(sa.select(Canvas).where(Canvas.id != canvas_id))
        assert response.headers["Location"] == f"/canvas/{copy.id}"
        assert (copy.organisation_id, copy.status, copy.version_count) == (
            member.organisation_id,
            "draft",
            0,
        )
        notes = db.session.scalars(
            sa.select(CanvasNote)
            .where(CanvasNote.canvas_id == copy.id)
            .order_by(CanvasNote.block_key, CanvasNote.position)
        ).all()
        assert [(n.block_key, n.text) for n in notes] == [
            ("channels", "A"),
            ("channels", "B"),
            ("value_propositions", SCRIPT),
        ]


def test_import_keeps_title_language_legend_and_defaults(app, client, member):
    assert upload(client, valid_file()).status_code == 302
    with app.app_context():
        canvas = db.session.scalar(sa.select(Canvas))
        assert (canvas.title, canvas.locale, canvas.legend) == (
            "Kreislauf-Modell",
            "en",
            {"green": "validiert"},
        )
        channel = db.session.scalar(sa.select(CanvasNote).where(CanvasNote.text == "Webshop"))
        assert (channel.colour, channel.kind) == ("yellow", "hypothesis")


def test_every_problem_is_listed_by_block_and_nothing_is_created(app, client, member):
    blocks = {
        "value_propositions": [
            {"text": "x" * 1001},
            {"text": "ok", "colour": "orange"},
            {"text": "ok", "kind": "guess"},
            "just a string",
            {"text": 42},
        ],
        "channels": [{"text": "n"}] * 61,
        "customer_segments": {"text": "not a list"},
        "secret_block": [],
    }
    response = upload(client, valid_file(blocks=blocks))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Die Datei wurde nicht importiert" in page and "Nichts wurde angelegt" in page
    values = page.split("Block „Wertangebote“")[1].split("Block „")[0]
    for expected in (
        "Notiz 1: Text: Die Notiz ist zu lang: 1001 Zeichen",
        "Notiz 2: unbekannte Farbe",
        "Notiz 3: Art muss",
        "Notiz 4: keine Notiz",
        "Notiz 5: Text: kein Text",
    ):
        assert expected in values
    assert "Block „Kanäle“" in page and "Mehr als 60 Notizen" in page
    assert "Block „Kundensegmente“" in page and "müssen eine Liste sein" in page
    assert "Block „secret_block“" in page and "gibt es in der Vorlage nicht" in page
    assert canvas_count(app) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (valid_file(format="other-tool"), "keine Canvas-Exportdatei"),
        (valid_file(format_version=2), "Formatversion 2 wird nicht unterstützt"),
        (valid_file(format_version="1"), "Formatversion 1 wird nicht unterstützt"),
        (valid_file(template="vpc"), "Unbekannte Canvas-Vorlage"),
        (valid_file(title=""), "Der Titel fehlt"),
        (valid_file(title="T" * 201), "Der Titel fehlt oder ist länger als 200 Zeichen"),
        (valid_file(language=["de"]), "Unbekannte Sprache"),
        (valid_file(legend={"black": "x"}), "Legende enthält einen ungültigen Eintrag"),
        (valid_file(blocks=None), "Die Blöcke fehlen"),
        ([1, 2], "kein Canvas-Objekt"),
        (b"\xff\xfe not json", "keine JSON-Datei in UTF-8"),
        (b'{"format": "sprechstunde-canvas"\x00}', "NUL-Zeichen"),
        (json.dumps(valid_file()).replace("Webshop", "Web\\u0000shop").encode(), "NUL-Zeichen"),
    ],
)
def test_a_broken_file_is_refused_with_a_reason(app, client, member, content, message):
    response = upload(client, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert canvas_count(app) == 0


def test_a_lone_surrogate_never_reaches_the_database(app):
    blocks = {"channels": [{"text": "\udc00"}]}
    raw = json.dumps(valid_file(title="\ud800", blocks=blocks)).encode()
    with app.test_request_context(), pytest.raises(exchange.InvalidCanvasFile) as refused:
        exchange.parse(raw)
    assert refused.value.problems[exchange.WHOLE_FILE] == [
        "Der Titel fehlt oder ist länger als 200 Zeichen."
    ]
    assert refused.value.problems["channels"] == ["Notiz 1: Text: enthält ungültige Zeichen."]


def test_a_file_too_large_is_refused_beside_the_field(app, client, member):
    big = b" " * (exchange.MAX_BYTES + 10) + json.dumps(valid_file()).encode()
    response = upload(client, big)
    assert response.status_code == 422
    assert "größer als 1 MB" in response.get_data(as_text=True)
    far_too_big = b" " * (exchange.MAX_BYTES + 200_000)
    response = upload(client, far_too_big)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "größer als 1 MB" in page and 'type="file"' in page
    assert canvas_count(app) == 0


def test_no_file_chosen_says_so(app, client, member):
    response = client.submit("/canvas/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Bitte wählen Sie eine Datei aus." in response.get_data(as_text=True)


def test_with_htmx_the_problems_replace_only_the_form(app, htmx_client, make):
    htmx_client.submit("/konto/anmelden", {"email": make.user().email, "password": PASSWORD})
    response = htmx_client.submit(
        "/canvas/import",
        {"file": (io.BytesIO(b"[]"), "x.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<div id="import"') and "<h1>" not in page


def test_the_import_page_is_for_company_members(app, client, make, auth):
    response = client.get("/canvas/import")
    assert response.status_code == 302 and "/konto/anmelden" in response.headers["Location"]
    auth.login(make.user(role=Role.ADMIN).email)
    assert client.get("/canvas/import").status_code == 403
    assert upload(client, valid_file()).status_code == 403
    assert canvas_count(app) == 0


def test_other_organisations_cannot_export(app, client, make, auth):
    canvas_id = make_canvas(app, make.user(), notes={"channels": ["Geheim"]})
    auth.login(make.user().email)
    assert client.get(f"/canvas/{canvas_id}/export.json").status_code == 404
