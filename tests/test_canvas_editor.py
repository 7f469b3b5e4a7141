"""The canvas pages as a company uses them: the list, a new canvas, the board with its notes,
by plain forms (no JavaScript) and by HTMX; and what everybody else gets to see."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.canvas import notes as note_service
from app.extensions import db
from app.models import Advisor, Canvas, CanvasNote, Role, User
from tests.booking_support import writing
from tests.canvas_support import SCRIPT, live_texts, make_canvas, submit
from tests.test_html import audit, nu_errors


@pytest.fixture
def member(make) -> User:
    return make.user(name="Andreas Krüger")


@pytest.fixture
def colleague(make, member) -> User:
    return make.user(name="Sabine Wolf", organisation=SimpleNamespace(id=member.organisation_id))


def _note(app, canvas_id: int, text: str) -> CanvasNote:
    with app.app_context():
        note = db.session.scalar(
            sa.select(CanvasNote).where(CanvasNote.canvas_id == canvas_id, CanvasNote.text == text)
        )
        db.session.expunge(note)
        return note


def _hx(client) -> dict:
    """The headers of an HTMX request from the page: the CSRF token and HX-Request."""
    return {"HX-Request": "true", "X-CSRFToken": client.csrf_token()}


def test_the_list_explains_canvases_until_there_is_one_and_then_lists_them(
    app, client, auth, member
):
    auth.login(member.email)
    page = client.get("/canvas/").get_data(as_text=True)
    assert "Noch kein Canvas" in page
    assert "Triple Layered Business Model Canvas" in page
    assert "nachhaltige Geschäftsmodelle" in page  # the template's summary
    make_canvas(app, member, title="Altes Modell")
    newer = make_canvas(app, member, title=f"Wartung {SCRIPT}")
    submit(app, member, make_canvas(app, member, title="Eingereicht", notes={"channels": ["x"]}))
    page = client.get("/canvas/").get_data(as_text=True)
    assert "Noch kein Canvas" not in page
    assert SCRIPT not in page and "Wartung &lt;script&gt;" in page
    assert page.index("Eingereicht") < page.index("Wartung") < page.index("Altes Modell")
    assert "Eingereicht</span>" in page  # its status
    assert f'href="/canvas/{newer}"' in page


def test_a_new_canvas_opens_as_its_board_and_a_missing_title_is_explained(
    app, client, auth, member
):
    auth.login(member.email)
    answer = client.submit(
        "/canvas/neu", {"template": "tlbmc", "title": "Kreislauf", "locale": "en"}
    )
    assert answer.status_code == 302
    with app.app_context():
        canvas = db.session.scalar(sa.select(Canvas))
        assert (canvas.template_key, canvas.title, canvas.locale) == ("tlbmc", "Kreislauf", "en")
        assert canvas.organisation_id == member.organisation_id
    assert answer.headers["Location"] == f"/canvas/{canvas.id}"
    refused = client.post(
        "/canvas/neu",
        data={"template": "nope", "title": " ", "locale": "fr"},
        headers=_hx(client),
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "<html" not in page
    assert "Bitte geben Sie dem Canvas einen Titel." in page
    assert "Bitte wählen Sie eine Vorlage aus der Liste." in page
    assert "Bitte wählen Sie Deutsch oder Englisch." in page


def test_the_board_shows_the_blocks_questions_notes_and_attribution(app, client, auth, member):
    canvas_id = make_canvas(
        app, member, notes={"value_propositions": ["Digitaler Zwilling", SCRIPT]}
    )
    auth.login(member.email)
    page = client.get(f"/canvas/{canvas_id}").get_data(as_text=True)
    assert "Wertangebote" in page or "Wertversprechen" in page
    assert "Digitaler Zwilling" in page
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "CC BY-SA 3.0" in page
    assert 'class="note-edit"' in page  # members edit


def test_the_triple_layered_canvas_shows_one_layer_at_a_time(app, client, auth, member):
    canvas_id = make_canvas(
        app,
        member,
        "tlbmc",
        notes={"value_propositions": ["Ökonomisch"], "functional_value": ["Funktional"]},
    )
    auth.login(member.email)
    first = client.get(f"/canvas/{canvas_id}").get_data(as_text=True)
    assert "Ökonomisch" in first and "Funktional" not in first
    assert f"/canvas/{canvas_id}?ebene=environmental" in first
    second = client.get(f"/canvas/{canvas_id}?ebene=environmental").get_data(as_text=True)
    assert "Funktional" in second and ">Ökonomisch</p>" not in second


def test_notes_work_without_javascript_through_plain_forms(app, client, auth, member):
    canvas_id = make_canvas(app, member, "tlbmc", notes={"channels": ["A", "B"]})
    auth.login(member.email)
    added = client.submit(
        f"/canvas/{canvas_id}/notizen",
        {"block": "use_phase", "text": "Strom beim Kunden", "colour": "green", "kind": "fact"},
    )
    assert added.status_code == 302
    note = _note(app, canvas_id, "Strom beim Kunden")
    assert added.headers["Location"] == f"/canvas/{canvas_id}?ebene=environmental#note-{note.id}"
    assert (note.colour, note.kind) == ("green", "fact")
    saved = client.submit(
        f"/canvas/{canvas_id}/notizen/{note.id}",
        {"text": "Strombedarf", "colour": "blue", "kind": "fact", "version": note.version},
    )
    assert saved.status_code == 302
    assert live_texts(app, canvas_id, "use_phase") == ["Strombedarf"]
    b = _note(app, canvas_id, "B")
    client.submit(f"/canvas/{canvas_id}/notizen/{b.id}/verschieben", {"richtung": "hoch"})
    assert live_texts(app, canvas_id, "channels") == ["B", "A"]
    client.submit(
        f"/canvas/{canvas_id}/notizen/{b.id}/verschieben",
        {"richtung": "block", "block": "customer_segments"},
    )
    assert live_texts(app, canvas_id, "customer_segments") == ["B"]
    deleted = client.submit(f"/canvas/{canvas_id}/notizen/{b.id}/loeschen")
    assert live_texts(app, canvas_id, "customer_segments") == []
    page = client.get(deleted.headers["Location"]).get_data(as_text=True)
    assert "Notiz gelöscht." in page and "Rückgängig" in page
    client.submit(f"/canvas/{canvas_id}/notizen/{b.id}/wiederherstellen")
    assert live_texts(app, canvas_id, "customer_segments") == ["B"]
    client.submit(f"/canvas/{canvas_id}/titel", {"title": "Neuer Titel"})
    client.submit(f"/canvas/{canvas_id}/legende", {"legend-green": "validiert"})
    with app.app_context():
        canvas = db.session.get(Canvas, canvas_id)
        assert (canvas.title, canvas.legend) == ("Neuer Titel", {"green": "validiert"})
    page = client.get(f"/canvas/{canvas_id}").get_data(as_text=True)
    assert "validiert" in page


def test_htmx_saves_answer_with_small_fragments(app, client, auth, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["A", "B"]})
    auth.login(member.email)
    headers = _hx(client)
    a = _note(app, canvas_id, "A")
    saved = client.post(
        f"/canvas/{canvas_id}/notizen/{a.id}",
        data={"text": "A2", "colour": "yellow", "kind": "hypothesis", "version": 1},
        headers=headers,
    )
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "<html" not in page
    assert "Gespeichert" in page and 'name="version" value="2"' in page
    assert "A2" not in page, "the field is not sent back: what the user types stays"
    added = client.post(
        f"/canvas/{canvas_id}/notizen",
        data={"block": "channels", "text": SCRIPT},
        headers=headers,
    ).get_data(as_text=True)
    assert 'data-hx-swap-oob="beforeend:#notes-channels"' in added
    assert SCRIPT not in added and "&lt;script&gt;" in added
    b = _note(app, canvas_id, "B")
    moved = client.post(
        f"/canvas/{canvas_id}/notizen/{b.id}/verschieben",
        data={"block": "key_partners", "position": 0},
        headers=headers,
    ).get_data(as_text=True)
    assert 'id="notes-channels" data-block="channels"' in moved
    assert 'id="notes-key_partners"' in moved
    assert live_texts(app, canvas_id, "key_partners") == ["B"]
    deleted = client.post(f"/canvas/{canvas_id}/notizen/{b.id}/loeschen", headers=headers).get_data(
        as_text=True
    )
    assert "Rückgängig" in deleted and "note-deleted" in deleted
    restored = client.post(
        f"/canvas/{canvas_id}/notizen/{b.id}/wiederherstellen", headers=headers
    ).get_data(as_text=True)
    assert f'id="note-{b.id}"' in restored and "note-edit" in restored


def test_a_stale_save_answers_409_with_the_colleagues_text_and_keeps_it(
    app, client, auth, member, colleague
):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    note = _note(app, canvas_id, "Webshop")
    with writing(app):
        canvas = db.session.get(Canvas, canvas_id)
        user = db.session.get(User, colleague.id)
        note_service.update_note(canvas, user, note.id, 1, text=f"Shop {SCRIPT}")
        db.session.commit()
    auth.login(member.email)
    headers = _hx(client)
    mine = {"text": "Onlineshop", "colour": "yellow", "kind": "hypothesis", "version": 1}
    answer = client.post(f"/canvas/{canvas_id}/notizen/{note.id}", data=mine, headers=headers)
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "Sabine Wolf hat diese Notiz geändert" in page
    assert "Shop &lt;script&gt;" in page and SCRIPT not in page
    assert 'name="version" value="1"' in page, "the next autosave is still refused"
    assert live_texts(app, canvas_id, "channels") == [f"Shop {SCRIPT}"]
    # Without JavaScript: the whole board, the user's text in the field, nothing lost.
    plain = client.submit(f"/canvas/{canvas_id}/notizen/{note.id}", mine)
    assert plain.status_code == 409
    assert ">Onlineshop</textarea>" in plain.get_data(as_text=True)
    # Deciding to overwrite, having seen it.
    forced = client.post(
        f"/canvas/{canvas_id}/notizen/{note.id}",
        data={**mine, "force_version": 2},
        headers=headers,
    )
    assert forced.status_code == 200
    assert live_texts(app, canvas_id, "channels") == ["Onlineshop"]


def test_text_out_of_bounds_answers_422_and_keeps_the_users_text(app, client, auth, member):
    full = [f"K{n}" for n in range(CanvasNote.PER_BLOCK_MAX)]
    canvas_id = make_canvas(app, member, notes={"channels": full, "key_partners": ["P"]})
    auth.login(member.email)
    headers = _hx(client)
    too_long = "y" * (CanvasNote.TEXT_MAX + 1)
    p = _note(app, canvas_id, "P")
    answer = client.post(
        f"/canvas/{canvas_id}/notizen/{p.id}",
        data={"text": too_long, "version": 1},
        headers=headers,
    )
    assert answer.status_code == 422
    assert "zu lang" in answer.get_data(as_text=True)
    plain = client.submit(
        f"/canvas/{canvas_id}/notizen", {"block": "channels", "text": "Noch einer"}
    )
    assert plain.status_code == 422
    page = plain.get_data(as_text=True)
    assert "schon 60 Notizen" in page and ">Noch einer</textarea>" in page
    moved = client.post(
        f"/canvas/{canvas_id}/notizen/{p.id}/verschieben",
        data={"block": "channels", "position": 0},
        headers=headers,
    )
    assert moved.status_code == 422 and "schon 60 Notizen" in moved.get_data(as_text=True)
    # Both lists come back as they are, so a refused drag is undone on the page.
    assert 'id="notes-channels"' in moved.get_data(as_text=True)
    assert 'id="notes-key_partners"' in moved.get_data(as_text=True)
    assert live_texts(app, canvas_id, "key_partners") == ["P"]


def test_a_refused_plain_save_shows_the_users_text_in_the_note_as_text(app, client, auth, member):
    canvas_id = make_canvas(app, member, notes={"channels": [SCRIPT]})
    auth.login(member.email)
    note = _note(app, canvas_id, SCRIPT)
    typed = SCRIPT + "y" * CanvasNote.TEXT_MAX
    refused = client.submit(
        f"/canvas/{canvas_id}/notizen/{note.id}", {"text": typed, "version": note.version}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    # Both the typed text (in the refused note's field) and the saved one stay text.
    assert SCRIPT not in page
    assert f'aria-invalid="true">&lt;script&gt;alert(1)&lt;/script&gt;{"y" * 10}' in page
    assert f'id="note-{note.id}"' in page and "zu lang" in page


def test_a_note_deleted_meanwhile_keeps_the_users_text_for_a_new_note(
    app, client, auth, member, colleague
):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    note = _note(app, canvas_id, "Webshop")
    with writing(app):
        canvas = db.session.get(Canvas, canvas_id)
        note_service.delete_note(canvas, db.session.get(User, colleague.id), note.id)
        db.session.commit()
    auth.login(member.email)
    answer = client.submit(
        f"/canvas/{canvas_id}/notizen/{note.id}", {"text": "Mein Text", "version": 1}
    )
    assert answer.status_code == 410
    page = answer.get_data(as_text=True)
    assert "inzwischen gelöscht" in page and ">Mein Text</textarea>" in page


def test_outsiders_get_404_for_the_canvas_and_every_note_route(app, client, auth, member, make):
    canvas_id = make_canvas(app, member, notes={"channels": ["Geheim"]})
    note = _note(app, canvas_id, "Geheim")
    auth.login(make.user().email)  # a member of another organisation
    assert client.get(f"/canvas/{canvas_id}").status_code == 404
    for path in (
        f"/canvas/{canvas_id}/notizen",
        f"/canvas/{canvas_id}/notizen/{note.id}",
        f"/canvas/{canvas_id}/notizen/{note.id}/loeschen",
        f"/canvas/{canvas_id}/notizen/{note.id}/wiederherstellen",
        f"/canvas/{canvas_id}/notizen/{note.id}/verschieben",
        f"/canvas/{canvas_id}/titel",
        f"/canvas/{canvas_id}/legende",
    ):
        answer = client.submit(path, {"block": "channels", "text": "x", "version": 1})
        assert answer.status_code == 404, path
    assert "Geheim" not in client.get("/canvas/").get_data(as_text=True)
    assert live_texts(app, canvas_id, "channels") == ["Geheim"]


def test_a_note_of_another_canvas_is_404_even_for_a_member(app, client, auth, member):
    mine = make_canvas(app, member)
    other = make_canvas(app, member, notes={"channels": ["Fremd"]})
    foreign = _note(app, other, "Fremd")
    auth.login(member.email)
    answer = client.submit(f"/canvas/{mine}/notizen/{foreign.id}", {"text": "x", "version": 1})
    assert answer.status_code == 404
    assert live_texts(app, other, "channels") == ["Fremd"]


def test_a_reviewer_reads_the_board_without_a_single_form(app, client, auth, member, make):
    canvas_id = make_canvas(app, member, notes={"channels": [SCRIPT]})
    submit(app, member, canvas_id)
    auth.login(make.user(role=Role.ADMIN).email)
    page = client.get(f"/canvas/{canvas_id}").get_data(as_text=True)
    board = page[page.index('class="canvas-board"') :]
    assert "&lt;script&gt;" in board and SCRIPT not in board
    assert "<form" not in board and "<textarea" not in board
    assert "Umbenennen" not in page and "Legende speichern" not in page
    answer = client.submit(f"/canvas/{canvas_id}/notizen", {"block": "channels", "text": "x"})
    assert answer.status_code == 404


def test_an_advisor_who_is_no_reviewer_does_not_see_a_submitted_canvas(
    app, client, auth, member, make
):
    canvas_id = make_canvas(app, member, notes={"channels": ["x"]})
    submit(app, member, canvas_id)
    advisor = make.advisor()
    with app.app_context():
        user_email = db.session.get(Advisor, advisor.id).user.email
    auth.login(user_email)
    assert client.get(f"/canvas/{canvas_id}").status_code == 404


@pytest.mark.parametrize("template", ["bmc", "tlbmc"])
def test_the_board_makes_the_same_queries_for_1_and_60_notes(
    app, client, auth, member, count_queries, template
):
    auth.login(member.email)
    counts = []
    for amount in (1, 60):
        canvas_id = make_canvas(
            app, member, template, notes={"channels": [f"N{n}" for n in range(amount)]}
        )
        submit(app, member, canvas_id)
        client.get(f"/canvas/{canvas_id}")
        with count_queries() as statements:
            page = client.get(f"/canvas/{canvas_id}").get_data(as_text=True)
        assert len(re.findall(r'class="note note-', page)) == amount
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[0] <= 8


def test_the_move_page_offers_every_layers_blocks_and_moves_to_the_chosen_place(
    app, client, auth, member
):
    canvas_id = make_canvas(
        app, member, "tlbmc", notes={"channels": ["Vertrieb"], "end_user": ["A", "B"]}
    )
    note = _note(app, canvas_id, "Vertrieb")
    auth.login(member.email)
    page = client.get(f"/canvas/{canvas_id}/notizen/{note.id}/verschieben").get_data(as_text=True)
    assert '<optgroup label="Sozial">' in page and 'value="end_user"' in page
    moved = client.submit(
        f"/canvas/{canvas_id}/notizen/{note.id}/verschieben",
        {"richtung": "block", "block": "end_user", "position": 0},
    )
    assert moved.headers["Location"] == f"/canvas/{canvas_id}?ebene=social#note-{note.id}"
    assert live_texts(app, canvas_id, "end_user") == ["Vertrieb", "A", "B"]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_canvas_pages_keep_the_markup_rules(app, client, auth, member, make, lang, tmp_path):
    bmc = make_canvas(app, member, notes={"channels": ["A", "B"], "key_partners": ["C"]})
    tlbmc = make_canvas(app, member, "tlbmc", notes={"use_phase": ["D"]})
    note = _note(app, bmc, "A")
    client.set_cookie("lang", lang)
    auth.login(member.email)
    pages = [
        "/canvas/",
        f"/canvas/{bmc}",
        f"/canvas/{tlbmc}?ebene=environmental",
        f"/canvas/{bmc}/notizen/{note.id}/verschieben",
    ]
    refused = client.submit(f"/canvas/{bmc}/notizen/{note.id}", {"text": " ", "version": 1})
    responses = [(path, client.get(path)) for path in pages] + [("422 page", refused)]
    submit(app, member, bmc)
    auth.logout()
    auth.login(make.user(role=Role.ADMIN).email)
    responses.append(("read-only", client.get(f"/canvas/{bmc}")))
    files = []
    for number, (path, response) in enumerate(responses):
        assert response.status_code in (200, 422), path
        found = audit(response.get_data(as_text=True))
        assert [i for i, count in found.ids.items() if count > 1] == [], path
        assert [f for f in found.fields if f.get("id") not in found.label_targets] == [], path
        assert found.htmx_without_target == [], path
        assert found.inline == [], path
        files.append(tmp_path / f"{number}.html")
        files[-1].write_bytes(response.get_data())
    errors = nu_errors([str(file) for file in files])
    assert errors == [], "\n".join(f"{e.get('url')}: {e.get('message')}" for e in errors)


def test_a_note_save_makes_few_queries(app, client, auth, member, count_queries):
    canvas_id = make_canvas(app, member, notes={"channels": [f"N{n}" for n in range(60)]})
    note = _note(app, canvas_id, "N0")
    auth.login(member.email)
    headers = _hx(client)
    with count_queries() as statements:
        answer = client.post(
            f"/canvas/{canvas_id}/notizen/{note.id}",
            data={"text": "Neu", "version": 1},
            headers=headers,
        )
    assert answer.status_code == 200
    # The user, the canvas, the note, its update, the canvas's "last changed" (and COMMIT).
    assert len(statements) <= 7, statements
