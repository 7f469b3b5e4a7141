"""JSON export and import of a canvas.

The export is a snapshot (``app/canvas/snapshot.py``), the same JSON a frozen version
keeps, UTF-8, as a download:

```json
{
  "format": "sprechstunde-canvas",      // always this string
  "format_version": 1,                  // goes up when the format changes incompatibly
  "template": "bmc",                    // "bmc", "tlbmc" or "lean" (app/canvas/templates.py)
  "title": "Digitaler Kundenservice",   // 1–200 characters
  "language": "de",                     // "de" or "en": the canvas's language (PDF, export)
  "legend": {"green": "validiert"},     // optional: what a colour means on this canvas
  "blocks": {                           // block key → notes in board order; blocks may be
    "value_propositions": [             // left out (empty), unknown keys are refused
      {"id": 7, "text": "…", "colour": "yellow", "kind": "hypothesis"}
    ]
  }
}
```

A note's ``text`` is 1–1000 characters; ``colour`` one of yellow, green, blue, pink,
purple (default yellow); ``kind`` "hypothesis" or "fact" (default hypothesis); ``id`` is
ignored on import (the new canvas's notes get new ones). At most 60 notes per block; the
file at most 1 MB, without NUL characters.

The import checks the whole file first and lists every problem by block; only a file
without problems becomes a canvas (a new draft of the importing member's organisation),
so nothing is ever half imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from app.canvas import service, templates
from app.canvas.notes import LEGEND_TEXT_MAX, NoteError, clean_text
from app.canvas.snapshot import FORMAT, FORMAT_VERSION
from app.canvas.templates import Template
from app.extensions import db
from app.forms import single_line
from app.models import Canvas, CanvasNote, User

MAX_BYTES = 1_000_000
WHOLE_FILE = ""  # the key of problems that concern no single block


@dataclass
class InvalidCanvasFile(ValueError):
    """Every problem of a file, by block key (WHOLE_FILE for the file as a whole)."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    template: Template | None = None  # the file's, when known: it names the blocks

    def add(self, block: str, message: str) -> None:
        self.problems.setdefault(block, []).append(message)


@dataclass(frozen=True)
class ImportedNote:
    text: str
    colour: str
    kind: str


@dataclass(frozen=True)
class CanvasFile:
    """A checked file: everything needed to create the canvas."""

    template: Template
    title: str
    language: str
    legend: dict[str, str]
    blocks: dict[str, list[ImportedNote]]


def export_json(data: dict) -> bytes:
    """A snapshot as the downloaded file: readable, non-ASCII kept as it is."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def _decode(raw: bytes) -> dict:
    if len(raw) > MAX_BYTES:
        raise InvalidCanvasFile({WHOLE_FILE: [_("Die Datei ist größer als 1 MB.")]})
    if b"\x00" in raw:
        raise InvalidCanvasFile({WHOLE_FILE: [_("Die Datei enthält NUL-Zeichen.")]})
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidCanvasFile(
            {WHOLE_FILE: [_("Die Datei ist keine JSON-Datei in UTF-8.")]}
        ) from None
    if not isinstance(data, dict):
        raise InvalidCanvasFile({WHOLE_FILE: [_("Die Datei enthält kein Canvas-Objekt.")]})
    return data


def _header(data: dict, errors: InvalidCanvasFile) -> Template | None:
    if data.get("format") != FORMAT:
        errors.add(WHOLE_FILE, _("Das ist keine Canvas-Exportdatei der Sprechstunde."))
        return None
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version != FORMAT_VERSION:
        errors.add(
            WHOLE_FILE,
            _("Formatversion %(version)s wird nicht unterstützt.", version=str(version)[:20]),
        )
        return None
    template = (
        templates.get(data.get("template")) if isinstance(data.get("template"), str) else None
    )
    if template is None:
        errors.add(WHOLE_FILE, _("Unbekannte Canvas-Vorlage."))
    return template


def _text_problem(value: object) -> str | None:
    """What keeps ``value`` from being stored as text (JSON allows NUL and lone
    surrogates, the database neither), or None."""
    if not isinstance(value, str):
        return _("kein Text.")
    if "\x00" in value:
        return _("enthält NUL-Zeichen.")
    try:
        value.encode()
    except UnicodeEncodeError:
        return _("enthält ungültige Zeichen.")
    return None


def _line(value: object, maximum: int) -> str | None:
    """``value`` as one line of 1..maximum characters, else None."""
    text = "" if _text_problem(value) else single_line(value)
    return text if 0 < len(text) <= maximum else None


def _title_language_legend(data: dict, errors: InvalidCanvasFile) -> tuple[str, str, dict]:
    title = _line(data.get("title"), Canvas.TITLE_MAX)
    if title is None:
        errors.add(
            WHOLE_FILE,
            _("Der Titel fehlt oder ist länger als %(max)s Zeichen.", max=Canvas.TITLE_MAX),
        )
    language = data.get("language", "de")
    if not isinstance(language, str) or language not in current_app.config["LANGUAGES"]:
        errors.add(WHOLE_FILE, _("Unbekannte Sprache."))
    legend = data.get("legend") or {}
    if not isinstance(legend, dict):
        errors.add(WHOLE_FILE, _("Die Legende muss ein Objekt sein."))
        legend = {}
    cleaned = {}
    for colour, meaning in legend.items():
        text = _line(meaning, LEGEND_TEXT_MAX)
        if colour not in templates.COLOUR_KEYS or text is None:
            errors.add(WHOLE_FILE, _("Die Legende enthält einen ungültigen Eintrag."))
        else:
            cleaned[colour] = text
    return title or "", language, cleaned


def _note(value: object, number: int, block: str, errors: InvalidCanvasFile) -> ImportedNote | None:
    def problem(message: str) -> None:
        errors.add(block, _("Notiz %(number)s: %(problem)s", number=number, problem=message))

    if not isinstance(value, dict):
        problem(_("keine Notiz (kein Objekt)."))
        return None
    text = value.get("text")
    colour, kind = value.get("colour", "yellow"), value.get("kind", "hypothesis")
    if (refused := _text_problem(text)) is None:
        try:
            text = clean_text(text)
        except NoteError as error:
            refused = str(error)
    if refused:
        problem(_("Text: %(problem)s", problem=refused))
        text = None
    if colour not in templates.COLOUR_KEYS:
        problem(_("unbekannte Farbe."))
    if kind not in CanvasNote.KINDS:
        problem(_("Art muss „hypothesis“ oder „fact“ sein."))
    if text is None or colour not in templates.COLOUR_KEYS or kind not in CanvasNote.KINDS:
        return None
    return ImportedNote(text, colour, kind)


def _blocks(data: dict, template: Template, errors: InvalidCanvasFile) -> dict[str, list]:
    blocks = data.get("blocks")
    if not isinstance(blocks, dict):
        errors.add(WHOLE_FILE, _("Die Blöcke fehlen."))
        return {}
    checked: dict[str, list[ImportedNote]] = {}
    for key, notes in blocks.items():
        if template.block(key) is None:
            errors.add(str(key)[:40], _("Diesen Block gibt es in der Vorlage nicht."))
        elif not isinstance(notes, list):
            errors.add(key, _("Die Notizen eines Blocks müssen eine Liste sein."))
        elif len(notes) > CanvasNote.PER_BLOCK_MAX:
            errors.add(
                key,
                _("Mehr als %(max)s Notizen in einem Block.", max=CanvasNote.PER_BLOCK_MAX),
            )
        else:
            checked[key] = [
                _note(note, number, key, errors) for number, note in enumerate(notes, start=1)
            ]
    return checked


def parse(raw: bytes) -> CanvasFile:
    """The checked content of an uploaded file; InvalidCanvasFile with every problem found."""
    data = _decode(raw)
    errors = InvalidCanvasFile()
    template = errors.template = _header(data, errors)
    if template is None:  # without a known format and template, blocks mean nothing
        raise errors
    title, language, legend = _title_language_legend(data, errors)
    blocks = _blocks(data, template, errors)
    if errors.problems:
        raise errors
    return CanvasFile(template, title, language, legend, blocks)


def import_canvas(user: User, checked: CanvasFile) -> Canvas:
    """A new draft of ``user``'s organisation with the file's notes (flushes)."""
    canvas = service.create_canvas(user, checked.template.key, checked.title, checked.language)
    canvas.legend = checked.legend
    db.session.add_all(
        CanvasNote(
            canvas_id=canvas.id,
            block_key=key,
            text=note.text,
            colour=note.colour,
            kind=note.kind,
            position=position,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
        for key, notes in checked.blocks.items()
        for position, note in enumerate(notes)
    )
    db.session.flush()
    return canvas
