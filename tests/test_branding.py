"""The hub's accent colour and logo come from configuration (app/branding.py).

These apps need no database (the pages they open query none), so each test runs once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, render_template_string
from hypothesis import given
from hypothesis import strategies as st

from app import create_app
from app.branding import (
    BLACK,
    PAPER,
    SOFT,
    WHITE,
    contrast_ratio,
    hex_colour,
    mix,
    parse_colour,
    theme_for,
)
from tests.conftest import app_config

ROOT = Path(__file__).resolve().parent.parent
THEME_LINK = re.compile(r'<link rel="stylesheet" href="(/theme\.css\?v=[0-9a-f]+)">')
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10"/></svg>'
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a80000000049454e44ae426082"
)


def make_app(tmp_path: Path, **settings) -> Flask:
    return create_app(app_config(f"sqlite:///{tmp_path / 'unused.sqlite'}", **settings))


def theme_of(app: Flask) -> tuple[str, str]:
    """The stylesheet URL a page links to, and what that URL serves."""
    client = app.test_client()
    url = THEME_LINK.search(client.get("/konto/anmelden").get_data(as_text=True)).group(1)
    return url, client.get(url).get_data(as_text=True)


def test_pages_use_the_configured_accent(tmp_path: Path) -> None:
    default_url, default_css = theme_of(make_app(tmp_path))
    red_url, red_css = theme_of(make_app(tmp_path, HUB_ACCENT_COLOR="#E30613"))
    assert "--accent:#0b5c54;" in default_css
    assert "--accent:#e30613;" in red_css and "--accent-ink:#ffffff;" in red_css
    assert red_url != default_url  # a new colour is a new address: no stale cache


def test_theme_is_cached_for_a_year_as_css(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    url, _ = theme_of(app)
    response = app.test_client().get(url)
    assert response.mimetype == "text/css"
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.public and response.cache_control.immutable


@pytest.mark.parametrize("colour", ["red", "#12345", "0b5c54", "#gg0000", "#0b5c54;}", ""])
def test_a_bad_colour_refuses_to_start_and_says_why(tmp_path: Path, colour: str) -> None:
    with pytest.raises(RuntimeError, match=r"HUB_ACCENT_COLOR must be a hex colour such as"):
        make_app(tmp_path, HUB_ACCENT_COLOR=colour)


def test_short_hex_is_understood() -> None:
    assert parse_colour("#0B5") == (0x00, 0xBB, 0x55)


@pytest.mark.parametrize(
    ("accent", "ink"),
    [
        ("#0b5c54", "#ffffff"),
        ("#ffcc00", "#000000"),
        ("#1a73e8", "#ffffff"),
        ("#777777", "#000000"),
    ],
)
def test_text_on_the_accent_is_white_when_readable_else_black(accent: str, ink: str) -> None:
    theme = theme_for(accent)
    assert hex_colour(theme.accent_ink) == ink
    assert contrast_ratio(theme.accent, theme.accent_ink) >= 4.5


def test_a_light_accent_is_darkened_for_text_only() -> None:
    theme = theme_for("#ffcc00")
    assert hex_colour(theme.accent) == "#ffcc00"  # buttons keep the hub's yellow
    assert contrast_ratio(parse_colour("#ffcc00"), WHITE) < 2
    assert contrast_ratio(theme.accent_text, WHITE) >= 4.5  # links become a dark ochre
    assert theme_for("#0b5c54").accent_text == parse_colour("#0b5c54")  # dark enough already


@given(st.tuples(*[st.integers(0, 255)] * 3))
def test_every_accent_gives_readable_text(rgb: tuple[int, int, int]) -> None:
    theme = theme_for(hex_colour(rgb))
    assert contrast_ratio(theme.accent, theme.accent_ink) >= 4.5
    for background in (PAPER, SOFT, theme.accent_soft, mix(theme.accent_text, WHITE, 0.75)):
        assert contrast_ratio(theme.accent_text, background) >= 4.5
    assert contrast_ratio(theme.accent_text, WHITE) >= 4.5  # white text on it, too
    assert contrast_ratio(theme.accent_soft, BLACK) >= 4.5 * 3  # a pale tint under ink


def test_stylesheet_defaults_are_the_default_theme() -> None:
    """Before /theme.css arrives (or if it fails) the page already has the same colours."""
    css = (ROOT / "static/css/app.css").read_text()
    theme = theme_for("#0b5c54")
    for name, value in [
        ("accent", theme.accent),
        ("accent-ink", theme.accent_ink),
        ("accent-text", theme.accent_text),
        ("accent-soft", theme.accent_soft),
        ("soft", SOFT),
    ]:
        assert re.search(rf"--{name}: {hex_colour(value)};", css), name


def test_without_a_logo_the_header_names_the_hub(tmp_path: Path) -> None:
    client = make_app(tmp_path).test_client()
    page = client.get("/konto/anmelden").get_data(as_text=True)
    assert re.search(r'<a class="brand" href="/"[^>]*>Industry Hub Rhein-Kreis</a>', page)
    assert "brand-logo" not in page
    assert client.get("/logo").status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [("logo.svg", SVG, "image/svg+xml"), ("Logo.PNG", PNG, "image/png")],
)
def test_a_logo_is_shown_with_the_hub_name_and_served_safely(
    tmp_path: Path, name: str, data: bytes, content_type: str
) -> None:
    (tmp_path / name).write_bytes(data)
    client = make_app(tmp_path, HUB_LOGO=str(tmp_path / name), HUB_NAME="Hub Süd").test_client()
    page = client.get("/konto/anmelden").get_data(as_text=True)
    src = re.search(r'<img class="brand-logo" src="([^"]+)" alt="Hub Süd">', page).group(1)
    logo = client.get(src)
    assert logo.data == data
    assert logo.headers["Content-Type"] == content_type
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in logo.headers["Content-Security-Policy"]
    assert logo.cache_control.max_age == 365 * 24 * 3600


def test_a_relative_logo_is_found_in_static(tmp_path: Path) -> None:
    client = make_app(tmp_path, HUB_LOGO="favicon.svg").test_client()
    logo = client.get("/logo")
    assert logo.data == (ROOT / "static/favicon.svg").read_bytes()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("logo.gif", b"GIF89a", "must be a .svg or .png file"),
        ("logo.png", SVG, "does not contain a .png image"),
        ("logo.svg", b"<html><script>", "does not contain a .svg image"),
        ("missing.svg", None, "not found"),
        ("huge.png", PNG + b"\0" * 600_000, "larger than 512 KB"),
    ],
)
def test_a_bad_logo_refuses_to_start_and_says_why(
    tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    if data is not None:
        (tmp_path / name).write_bytes(data)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        make_app(tmp_path, HUB_LOGO=str(tmp_path / name))


def test_mail_rendered_by_a_command_is_not_broken_by_page_settings(tmp_path: Path) -> None:
    """Commands (the worker, purge-expired) render mail without a request: the page-only
    values (theme URL, framing) must not need one."""
    app = make_app(tmp_path)
    with app.app_context():
        assert render_template_string("{{ config.HUB_NAME }}") == "Industry Hub Rhein-Kreis"
