"""The canvas templates are data: every block has a place in its grid, every grid area a
block, and the stylesheet written from them lays the canvas out as the licences' originals."""

from __future__ import annotations

import pytest

from app.canvas import templates
from app.canvas.grid import grid_css

ALL_LAYERS = [
    pytest.param(template, layer, id=f"{template.key}-{layer.key}")
    for template in templates.TEMPLATES.values()
    for layer in template.layers
]


def test_the_three_open_templates_are_shipped_and_the_copyrighted_one_is_not():
    assert set(templates.TEMPLATES) == {"bmc", "tlbmc", "lean"}
    titles = " ".join(t.title_en for t in templates.TEMPLATES.values())
    assert "Value Proposition Canvas" not in titles


@pytest.mark.parametrize(("template", "layer"), ALL_LAYERS)
def test_every_block_has_one_rectangular_place_in_the_grid(template, layer):
    rows = [row.split() for row in layer.grid]
    assert all(len(row) == 10 for row in rows), "the grid has ten columns"
    cells = {(r, c): area for r, row in enumerate(rows) for c, area in enumerate(row)}
    assert {block.area for block in layer.blocks} == set(cells.values())
    for block in layer.blocks:
        mine = [cell for cell, area in cells.items() if area == block.area]
        top, left = min(r for r, _ in mine), min(c for _, c in mine)
        bottom, right = max(r for r, _ in mine), max(c for _, c in mine)
        assert len(mine) == (bottom - top + 1) * (right - left + 1), f"{block.key} is no rectangle"


@pytest.mark.parametrize(("template", "layer"), ALL_LAYERS)
def test_every_block_has_titles_and_a_guiding_question_in_both_languages(template, layer):
    for block in layer.blocks:
        for name in ("title", "question"):
            assert block.text(name, "de") and block.text(name, "en")
        assert block.question_de != block.question_en


def test_block_keys_are_unique_within_a_template_so_a_key_names_one_block():
    tlbmc = templates.get("tlbmc")
    assert len(tlbmc.block_keys) == 27
    assert tlbmc.layer_of("end_of_life").key == "environmental"
    assert tlbmc.layer_of("governance").key == "social"
    assert tlbmc.block("unknown") is None
    assert tlbmc.layer("nonsense").key == "economic"


def test_the_triple_layered_canvas_lines_its_layers_up_column_by_column():
    layers = templates.get("tlbmc").layers
    assert [layer.key for layer in layers] == ["economic", "environmental", "social"]
    assert {layer.grid for layer in layers} == {templates.BMC_GRID}
    for layer in layers:  # the value proposition column holds the value of each layer
        assert next(b for b in layer.blocks if b.area == "vp").key in {
            "value_propositions",
            "functional_value",
            "social_value",
        }


def test_every_template_names_its_licence_and_sources():
    for template in templates.TEMPLATES.values():
        assert template.licence == "CC BY-SA 3.0"
        assert "Strategyzer" in template.attribution_en or "Maurya" in template.attribution_en
    assert "10.1016/j.jclepro.2016.06.067" in templates.get("tlbmc").attribution_de


def test_the_stylesheet_is_written_from_the_grids(client):
    css = grid_css()
    assert '.board-lean-lean { grid-template-areas: "pr pr so so uv uv ua ua cs cs"' in css
    assert ".area-kp { grid-area: kp; }" in css
    response = client.get("/canvas/raster.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.get_data(as_text=True) == css
    again = client.get("/canvas/raster.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
