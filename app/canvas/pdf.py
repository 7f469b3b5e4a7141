"""A canvas (a version's snapshot or the draft's) as a PDF, drawn with fpdf2.

One landscape page per layer (A4, or A3), each block in its place of the template's grid
(``Layer.grid``, the same data as the web page's CSS grid), its notes as coloured cards
with their text wrapped and marked fact or hypothesis. Everything is written in the
canvas's language, with the template's attribution at the foot of every page.

fpdf2's core fonts know Latin-1 only, so the vendored DejaVu Sans (``fonts/``, its licence
beside it) draws umlauts, €, CO₂e and most symbols; a character it lacks (CJK) is left
out with a warning in the log, never an error. When a block's notes do not fit, the text
shrinks down to a readable minimum; what still does not fit continues on a page after the
layer, so nothing is lost and nothing overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from app.canvas.templates import Layer, Template
from app.i18n import format_moment

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"
PAGE_FORMATS = ("A4", "A3")
MARGIN = 10.0  # mm
HEADER = 16.0  # mm below the top margin: title and the line about the canvas
FOOTER = 12.0  # mm above the bottom edge: attribution and page number
GAP = 2.0  # mm between blocks
PAD = 1.8  # mm inside a block and a note
NOTE_COLUMN_MIN = 45.0  # mm: a wider block lays its notes out in columns
FONT_SIZES = (9.0, 8.0, 7.0, 6.0)  # pt, largest first; the last is the minimum
CONTINUATION_SIZE = 8.0  # pt
PT = 0.3528  # mm per point
FILLS = {
    "yellow": (255, 244, 184),
    "green": (213, 242, 216),
    "blue": (216, 232, 251),
    "pink": (251, 219, 230),
    "purple": (231, 220, 247),
}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


def grid_boxes(layer: Layer, x: float, y: float, w: float, h: float) -> dict[str, Box]:
    """Each grid area's rectangle: the cells it spans in ``layer.grid`` (rows of area
    names), scaled to the given frame, with a gap between neighbours."""
    rows = [row.split() for row in layer.grid]
    cell_w, cell_h = w / len(rows[0]), h / len(rows)
    spans: dict[str, list[int]] = {}  # area → [first row, last row, first col, last col]
    for r, row in enumerate(rows):
        for c, area in enumerate(row):
            span = spans.setdefault(area, [r, r, c, c])
            span[:] = [min(span[0], r), max(span[1], r), min(span[2], c), max(span[3], c)]
    return {
        area: Box(
            x + c0 * cell_w + GAP / 2,
            y + r0 * cell_h + GAP / 2,
            (c1 - c0 + 1) * cell_w - GAP,
            (r1 - r0 + 1) * cell_h - GAP,
        )
        for area, (r0, r1, c0, c1) in spans.items()
    }


def printable(text: object) -> str:
    """Text fpdf2 can encode: a lone surrogate (possible in JSON) becomes "?"."""
    return str(text).encode("utf-8", "replace").decode()


# A note where it is drawn: (note, x, y, width, height).
Placed = tuple[dict, float, float, float, float]


class CanvasPDF(FPDF):
    def __init__(self, page_format: str, title: str, meta: str, attribution: str) -> None:
        super().__init__(orientation="L", unit="mm", format=page_format)
        self.canvas_title, self.meta, self.attribution = title, meta, attribution
        self.lines: dict[tuple, list[str]] = {}
        self.add_font(FONT, "", FONTS / "DejaVuSansCondensed.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSansCondensed-Bold.ttf")
        self.set_margins(MARGIN, MARGIN + HEADER, MARGIN)
        # The grid pages place every box themselves; only continuations flow (and break).
        self.set_auto_page_break(False)
        self.set_title(title)
        self.set_creator("Sprechstunde")

    def header(self) -> None:
        self.set_xy(MARGIN, MARGIN)
        self.set_text_color(0)
        self.set_font(FONT, "B", 14)
        self.cell(self.epw, 7, self.canvas_title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 9)
        self.set_text_color(80)
        self.cell(self.epw, 5, self.meta)
        self.set_xy(MARGIN, MARGIN + HEADER)

    def footer(self) -> None:
        self.set_xy(MARGIN, self.h - FOOTER + 2)
        self.set_font(FONT, "", 7)
        self.set_text_color(90)
        self.multi_cell(self.epw - 25, 3, self.attribution, align="L")
        self.set_xy(self.w - MARGIN - 25, self.h - FOOTER + 2)
        self.cell(25, 3, f"{self.page_no()}/{{nb}}", align="R")

    # Notes -------------------------------------------------------------------------

    def wrap(self, text: str, width: float) -> list[str]:
        """``text`` in lines that fit ``width`` mm at the current font and size: broken at
        spaces, and inside a word longer than a line. Done here from the font's glyph
        widths, because fpdf2's ``multi_cell`` is slow at it and a block is laid out at
        several sizes; the card is then drawn from these very lines."""
        widths, scale = self.current_font.cw, self.font_size_pt * 0.001 / self.k
        room = width - 2 * self.c_margin

        def measure(word: str) -> float:
            return sum(widths[ord(char)] for char in word) * scale

        space, lines = measure(" "), []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in filter(None, paragraph.split(" ")):  # runs of spaces as one
                size = measure(word)
                if line and used + space + size <= room:
                    line, used = f"{line} {word}", used + space + size
                    continue
                if line:
                    lines.append(line)
                line, used = "", 0.0
                for char in word if size > room else ():  # too long for any line
                    step = measure(char)
                    if line and used + step > room:
                        lines.append(line)
                        line, used = "", 0.0
                    line, used = line + char, used + step
                if size <= room:
                    line, used = word, size
            lines.append(line)
        return lines

    def note_lines(self, note: dict, width: float, size: float) -> list[str]:
        """The note's text in lines for a card ``width`` mm wide (remembered per size)."""
        key = (id(note), round(width, 2), size)
        if key not in self.lines:
            self.set_font(FONT, "", size)
            self.lines[key] = self.wrap(printable(note["text"]), width - 2 * PAD)
        return self.lines[key]

    def note_height(self, note: dict, width: float, size: float) -> float:
        lines = len(self.note_lines(note, width, size))
        return lines * size * PT * 1.2 + (size - 1.5) * PT * 1.3 + 2 * PAD

    def draw_note(self, placed: Placed, size: float, kinds: tuple[str, str]) -> None:
        note, x, y, w, h = placed
        self.set_fill_color(*FILLS.get(note.get("colour"), FILLS["yellow"]))
        self.set_draw_color(200)
        self.rect(x, y, w, h, style="DF")
        self.set_text_color(0)
        self.set_font(FONT, "", size)
        line_height = size * PT * 1.2
        left, baseline = x + PAD + self.c_margin, y + PAD + line_height * 0.5 + size * PT * 0.35
        lines = self.note_lines(note, w, size)
        for number, line in enumerate(lines):
            self.text(left, baseline + number * line_height, line)
        self.set_font(FONT, "", size - 1.5)
        self.set_text_color(60)
        self.set_xy(x + PAD, y + PAD + len(lines) * line_height)
        self.cell(w - 2 * PAD, (size - 1.5) * PT * 1.3, kinds[note.get("kind") == "fact"])

    def layout(self, notes: list[dict], box: Box, top: float, bottom: float, size: float):
        """Where the notes go at ``size`` between ``top`` and ``bottom`` of ``box``, in
        columns filled top to bottom: the placed ones, and the rest that did not fit."""
        columns = max(1, int((box.w - PAD) // NOTE_COLUMN_MIN))
        col_w = (box.w - PAD * (columns + 1)) / columns
        placed: list[Placed] = []
        column, y = 0, top
        for index, note in enumerate(notes):
            height = self.note_height(note, col_w, size)
            if y + height > bottom and y > top:
                column, y = column + 1, top
            if column >= columns or y + height > bottom:
                return placed, notes[index:]
            placed.append((note, box.x + PAD + column * (col_w + PAD), y, col_w, height))
            y += height + PAD / 2
        return placed, []

    def draw_block(self, title: str, notes: list[dict], box: Box, kinds) -> list[dict]:
        """The block with as many notes as fit; returns those that did not."""
        self.set_draw_color(120)
        self.rect(box.x, box.y, box.w, box.h)
        self.set_xy(box.x + PAD, box.y + PAD)
        self.set_font(FONT, "B", 9)
        self.set_text_color(0)
        self.multi_cell(box.w - 2 * PAD, 4, title, align="L")
        top, bottom = self.get_y() + 1, box.y + box.h - PAD
        for size in FONT_SIZES:
            placed, rest = self.layout(notes, box, top, bottom, size)
            if not rest:
                break
        else:  # leave room for the line that says where the rest went
            placed, rest = self.layout(notes, box, top, bottom - 4, size)
        for note in placed:
            self.draw_note(note, size, kinds)
        if rest:
            self.set_xy(box.x + PAD, bottom - 3)
            self.set_font(FONT, "B", 7)
            self.cell(box.w - 2 * PAD, 3, _("Fortsetzung auf der nächsten Seite →"), align="R")
        return rest

    def continuation(self, layer_title: str, overflow: list[tuple[str, list[dict]]], kinds):
        """The notes that did not fit on the layer's page, block by block, in columns,
        on as many pages as they need."""
        frame = Box(MARGIN - PAD, 0, self.epw + 2 * PAD, self.h - FOOTER)
        self.add_page()
        self.set_font(FONT, "B", 11)
        self.cell(self.epw, 6, _("%(layer)s – Fortsetzung", layer=layer_title))
        y = self.get_y() + 8
        for title, notes in overflow:
            while notes:
                if y + 12 > frame.h:
                    self.add_page()
                    y = self.get_y()
                self.set_xy(MARGIN, y)
                self.set_font(FONT, "B", 9)
                self.set_text_color(0)
                self.cell(self.epw, 5, title)
                placed, notes = self.layout(notes, frame, y + 6, frame.h, CONTINUATION_SIZE)
                if not placed:  # a note taller than a page (hundreds of lines): cut off
                    cut = (notes[0], MARGIN, y + 6, self.epw, frame.h - y - 6)
                    with self.rect_clip(*cut[1:]):
                        self.draw_note(cut, CONTINUATION_SIZE, kinds)
                    placed, notes = [cut], notes[1:]
                else:
                    for note in placed:
                        self.draw_note(note, CONTINUATION_SIZE, kinds)
                y = max(note_y + height for _n, _x, note_y, _w, height in placed) + 4
                if notes:
                    y = frame.h  # the block goes on, on the next page


def canvas_pdf(
    data: dict,
    template: Template,
    *,
    organisation: str,
    version: int | None,
    when: datetime,
    page_format: str = "A4",
) -> bytes:
    """``data`` (a snapshot) as PDF bytes, in the snapshot's language."""
    locale = data.get("language") or "de"
    with force_locale(locale):
        stage = _("Version %(number)s", number=version) if version else _("Entwurf")
        meta = " · ".join(
            (organisation, template.text("title", locale), stage, format_moment(when))
        )
        attribution = f"{template.text('attribution', locale)} {template.licence_url}"
        pdf = CanvasPDF(page_format, printable(data.get("title", "")), printable(meta), attribution)
        kinds = ("○ " + _("Hypothese"), "● " + _("Fakt"))  # the board's words and marks
        blocks = data.get("blocks") or {}
        for layer in template.layers:
            pdf.add_page()
            if len(template.layers) > 1:
                pdf.set_font(FONT, "B", 10)
                pdf.cell(pdf.epw, 5, layer.text("title", locale))
            top = MARGIN + HEADER + (6 if len(template.layers) > 1 else 0)
            frame_h = pdf.h - top - FOOTER
            boxes = grid_boxes(layer, MARGIN, top, pdf.epw, frame_h)
            overflow = []
            for block in layer.blocks:
                title = block.text("title", locale)
                rest = pdf.draw_block(title, blocks.get(block.key, []), boxes[block.area], kinds)
                if rest:
                    overflow.append((title, rest))
            if overflow:
                pdf.continuation(layer.text("title", locale), overflow, kinds)
        return bytes(pdf.output())
