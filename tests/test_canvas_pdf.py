"""The PDF download: read back with pypdf, it holds the notes' text in the canvas's
language, the attribution on every page, one landscape page per layer, and survives any
text a note may hold."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from app.canvas import templates
from app.canvas.pdf import canvas_pdf, grid_boxes
from app.models import Role
from tests.canvas_support import SCRIPT, make_canvas, signed_in_member, submit


@pytest.fixture
def member(make, auth):
    return signed_in_member(make, auth)


def pages(body: bytes) -> list[str]:
    """Each page's text, with runs of white space as one space (pypdf spaces words by
    their position)."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(body)).pages]


def landscape(body: bytes) -> list[tuple[int, int]]:
    return [
        (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        for page in PdfReader(io.BytesIO(body)).pages
    ]


def test_the_draft_downloads_with_its_notes_and_attribution(app, client, member):
    canvas_id = make_canvas(
        app,
        member,
        title="Grüße aus Leverkusen",
        notes={"value_propositions": [SCRIPT, "Spart 3 t CO₂e für 100 €"], "channels": ["Shop"]},
    )
    response = client.get(f"/canvas/{canvas_id}/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert 'filename="Gruesse-aus-Leverkusen-Entwurf.pdf"' in disposition
    assert "filename*=UTF-8''Gr%C3%BC%C3%9Fe%20aus%20Leverkusen%20Entwurf.pdf" in disposition
    (text,) = pages(response.get_data())
    assert "Grüße aus Leverkusen" in text and "Entwurf" in text
    assert SCRIPT in text  # a note's markup is text on paper, too
    assert "Spart 3 t CO₂e für 100 €" in text
    assert "Wertangebote" in text and "Hypothese" in text
    assert "Strategyzer" in text and "creativecommons.org/licenses/by-sa/3.0" in text
    assert landscape(response.get_data()) == [(842, 595)]  # A4 landscape, in points


def test_a_version_in_english_on_a3(app, client, member):
    canvas_id = make_canvas(
        app, member, locale="en", notes={"customer_segments": ["Chemical parks"]}
    )
    submit(app, member, canvas_id)
    response = client.get(f"/canvas/{canvas_id}/export.pdf?version=1&format=a3")
    (text,) = pages(response.get_data())
    assert "Version 1" in text and "Customer Segments" in text and "Dec 2026" in text
    assert "licensed under CC BY-SA 3.0" in text and "Kundensegmente" not in text
    assert landscape(response.get_data()) == [(1191, 842)]
    assert "Version-1.pdf" in response.headers["Content-Disposition"]


def test_each_layer_gets_its_page_with_the_attribution(app, client, member):
    canvas_id = make_canvas(
        app,
        member,
        template="tlbmc",
        notes={"value_propositions": ["Ökonomisch"], "social_value": ["Sozial"]},
    )
    texts = pages(client.get(f"/canvas/{canvas_id}/export.pdf").get_data())
    assert len(texts) == 3
    assert "Ökonomisch" in texts[0] and "Sozial" in texts[2]
    assert all("Joyce & Paquin" in text for text in texts)
    assert "Umweltwirkungen" in texts[1]


def test_many_long_notes_continue_on_another_page(app, client, member):
    texts = [f"Notiz {n}: " + "sehr lange Begründung " * 40 for n in range(60)]
    canvas_id = make_canvas(app, member, notes={"key_resources": texts})
    all_pages = pages(client.get(f"/canvas/{canvas_id}/export.pdf").get_data())
    assert len(all_pages) > 1
    assert "Fortsetzung" in all_pages[0] and "Fortsetzung" in all_pages[1]
    joined = " ".join(all_pages)
    assert all(f"Notiz {n}:" in joined for n in range(60))  # nothing is lost
    assert all("Strategyzer" in text for text in all_pages)


def test_any_text_draws_without_error(app):
    """Characters the font lacks (CJK) are left out, never an error; the rest is kept."""
    template = templates.get("lean")
    odd = "漢字 😀 \u200b\ud800 " + "x" * 300 + "\n" * 400 + "Ende"
    data = {
        "title": "Ünïcödé ✓",
        "language": "de",
        "blocks": {"problem": [{"id": 1, "text": odd, "colour": "nonsense", "kind": "fact"}]},
    }
    with app.test_request_context():
        body = canvas_pdf(
            data, template, organisation="Firma", version=None, when=datetime.now(UTC)
        )
    text = " ".join(pages(body))
    assert "Ünïcödé ✓" in text and "Fakt" in text


def test_the_grid_boxes_follow_the_template():
    layer = templates.get("bmc").layers[0]
    boxes = grid_boxes(layer, 0, 0, 100, 30)
    key_partners, costs = boxes["kp"], boxes["co"]
    assert (round(key_partners.w), round(key_partners.h)) == (18, 18)  # 2 of 10, 2 of 3
    assert (round(costs.w), round(costs.y)) == (48, 21)  # half the width, the last row


def test_outsiders_get_no_pdf_and_reviewers_do(app, client, make, auth):
    owner = make.user()
    canvas_id = make_canvas(app, owner, notes={"channels": ["Geheim"]})
    auth.login(make.user().email)
    assert client.get(f"/canvas/{canvas_id}/export.pdf").status_code == 404
    auth.logout()
    auth.login(make.user(role=Role.ADMIN).email)
    assert client.get(f"/canvas/{canvas_id}/export.pdf").status_code == 404  # never submitted
    submit(app, owner, canvas_id)
    response = client.get(f"/canvas/{canvas_id}/export.pdf?version=1")
    assert response.status_code == 200 and "Geheim" in pages(response.get_data())[0]


def test_an_unknown_format_falls_back_to_a4_and_a_missing_version_is_404(app, client, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["Shop"]})
    response = client.get(f"/canvas/{canvas_id}/export.pdf?format=letter")
    assert landscape(response.get_data()) == [(842, 595)]
    assert client.get(f"/canvas/{canvas_id}/export.pdf?version=3").status_code == 404
