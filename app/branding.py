"""The hub's look from configuration: its accent colour and its logo, checked at startup.

``HUB_ACCENT_COLOR`` becomes a tiny stylesheet of custom properties at ``/theme.css``, which
``base.html`` links after ``app.css``. The CSP forbids inline styles, so the colour cannot be
written into the page; and the stylesheet is built once at startup and served from memory
rather than written to ``static/`` (read-only in an installed wheel, and shared by every
process). Its URL carries a hash of its content, so browsers may keep it for a year: a new
colour is a new URL.

From the one colour come four, so any accent stays readable (WCAG AA, 4.5:1 for text):

- ``--accent``: fills (buttons, the chosen day), exactly the configured colour;
- ``--accent-ink``: text on ``--accent``: white if it reaches 4.5:1, else black (which then
  does);
- ``--accent-text``: the accent as text, links and borders on the page's light backgrounds
  (and as a fill under white text), darkened only as far as 4.5:1 needs (a yellow accent
  gives a dark ochre);
- ``--accent-soft``: a pale tint for quiet highlights.

``HUB_LOGO`` is a PNG or SVG file (absolute, or relative to the instance folder, else to
``static/``), read once at startup and served at ``/logo`` with a content type fixed by its
extension; without it the header shows the hub's name as text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, current_app, has_request_context, url_for

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
# The lightest backgrounds accent-coloured text sits on; keep in step with app.css.
PAPER, SOFT = WHITE, (0xF4, 0xF6, 0xF8)
MIN_TEXT_CONTRAST = 4.5
SOFT_TINT = 0.9  # share of white in --accent-soft
MAX_SELF_TINT = 0.25  # the strongest tint of --accent-text that text of it may sit on
# Extensions we serve and the one content type each gets, whatever the file contains.
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
MAX_LOGO_BYTES = 512 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ONE_YEAR = 365 * 24 * 3600
# An SVG opened on its own is a document: it may run nothing and load nothing.
LOGO_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

RGB = tuple[int, int, int]


class BrandingError(ValueError):
    """A branding setting the site cannot start with; the message says how to fix it."""


def parse_colour(value: object) -> RGB:
    """``#0b5c54`` or ``#0b5`` as red, green, blue; anything else is a ``BrandingError``."""
    text = value.strip() if isinstance(value, str) else ""
    if not _HEX.fullmatch(text):
        raise BrandingError(f"HUB_ACCENT_COLOR must be a hex colour such as #0b5c54, not {value!r}")
    digits = text[1:]
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def hex_colour(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def relative_luminance(rgb: RGB) -> float:
    """WCAG 2 relative luminance: 0 for black, 1 for white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(channel) for channel in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG 2 contrast ratio, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ink_on(fill: RGB) -> RGB:
    """White text on ``fill`` when it reaches 4.5:1 (it looks calmer on strong colours), else
    black, which then reaches at least 4.67:1."""
    return WHITE if contrast_ratio(fill, WHITE) >= MIN_TEXT_CONTRAST else BLACK


def mix(colour: RGB, other: RGB, share_of_other: float) -> RGB:
    return tuple(round(c + (o - c) * share_of_other) for c, o in zip(colour, other, strict=True))  # type: ignore[return-value]


def readable_on(colour: RGB, backgrounds: tuple[RGB, ...]) -> RGB:
    """``colour`` darkened just enough to reach 4.5:1 on every background and on a tint of
    itself up to a quarter strength (hover and "free day" states mix it into white): the
    accent stays recognisable as text and links. Unchanged if it does already."""
    for step in range(101):
        candidate = mix(colour, BLACK, step / 100)
        tinted = mix(candidate, WHITE, 1 - MAX_SELF_TINT)
        if all(contrast_ratio(candidate, bg) >= MIN_TEXT_CONTRAST for bg in (*backgrounds, tinted)):
            return candidate
    return BLACK  # unreachable: black on these light backgrounds is far above 4.5:1


@dataclass(frozen=True)
class Theme:
    accent: RGB
    accent_ink: RGB
    accent_text: RGB
    accent_soft: RGB

    @property
    def css(self) -> str:
        return (
            ":root{"
            f"--accent:{hex_colour(self.accent)};"
            f"--accent-ink:{hex_colour(self.accent_ink)};"
            f"--accent-text:{hex_colour(self.accent_text)};"
            f"--accent-soft:{hex_colour(self.accent_soft)}"
            "}\n"
        )

    @property
    def version(self) -> str:
        return hashlib.sha256(self.css.encode()).hexdigest()[:12]


def theme_for(colour: object) -> Theme:
    """The four accent properties derived from the configured ``HUB_ACCENT_COLOR``."""
    accent = parse_colour(colour)
    soft = mix(accent, WHITE, SOFT_TINT)
    return Theme(
        accent=accent,
        accent_ink=ink_on(accent),
        accent_text=readable_on(accent, (PAPER, SOFT, soft)),
        accent_soft=soft,
    )


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:12]


def find_logo(setting: str, instance: Path, static: Path) -> Path:
    """An absolute path as it is; a relative one in the instance folder, else in static/."""
    path = Path(setting).expanduser()
    if path.is_absolute():
        return path
    for folder in (instance, static):
        if (folder / path).is_file():
            return folder / path
    return instance / path


def load_logo(setting: str | None, instance: Path, static: Path) -> Logo | None:
    """The configured logo, or None without ``HUB_LOGO``; a ``BrandingError`` when the file
    is missing, too large, or not a PNG/SVG (checked by its extension and first bytes)."""
    if not setting or not setting.strip():
        return None
    path = find_logo(setting.strip(), instance, static)
    content_type = LOGO_TYPES.get(path.suffix.lower())
    if content_type is None:
        raise BrandingError(f"HUB_LOGO must be a .svg or .png file, not {setting!r}")
    if not path.is_file():
        raise BrandingError(f"HUB_LOGO {setting!r} not found (looked for {path})")
    data = path.read_bytes()
    if len(data) > MAX_LOGO_BYTES:
        raise BrandingError(f"HUB_LOGO {setting!r} is larger than {MAX_LOGO_BYTES // 1024} KB")
    looks_right = (
        data.startswith(PNG_SIGNATURE)
        if content_type == "image/png"
        else b"<svg" in data[:4096].lower()
    )
    if not looks_right:
        raise BrandingError(f"HUB_LOGO {setting!r} does not contain a {path.suffix} image")
    return Logo(data=data, content_type=content_type)


@dataclass(frozen=True)
class Branding:
    theme: Theme
    logo: Logo | None


def _branding() -> Branding:
    return current_app.extensions["branding"]


def serve_theme() -> Response:
    """The accent's custom properties; cached for a year (its URL changes with it)."""
    response = Response(_branding().theme.css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response


def serve_logo() -> Response:
    """The configured logo with its fixed content type; 404 when none is configured."""
    logo = _branding().logo
    if logo is None:
        abort(404)
    response = Response(logo.data, content_type=logo.content_type)
    response.headers["Content-Security-Policy"] = LOGO_POLICY
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response


def _template_values() -> dict[str, str | None]:
    if not has_request_context():  # a mail rendered by a command: no page, no header
        return {}
    branding = _branding()
    logo = branding.logo
    return {
        "theme_url": url_for("theme_css", v=branding.theme.version),
        "logo_url": url_for("hub_logo", v=logo.version) if logo else None,
    }


def init_app(app: Flask) -> None:
    """Check the settings (a ``RuntimeError`` that names the setting stops the start) and
    add ``/theme.css`` and ``/logo``."""
    try:
        branding = Branding(
            theme=theme_for(app.config["HUB_ACCENT_COLOR"]),
            logo=load_logo(
                app.config.get("HUB_LOGO"), Path(app.instance_path), Path(app.static_folder)
            ),
        )
    except BrandingError as error:
        raise RuntimeError(f"{error} (see README, Configuration).") from error
    app.extensions["branding"] = branding
    app.add_url_rule("/theme.css", "theme_css", serve_theme)
    app.add_url_rule("/logo", "hub_logo", serve_logo)
    app.context_processor(_template_values)
