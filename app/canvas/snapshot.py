"""A canvas as plain data: the JSON of a frozen version and of the export.

```json
{"format": "sprechstunde-canvas", "format_version": 1,
 "template": "bmc", "title": "…", "language": "de", "legend": {"green": "…"},
 "blocks": {"value_propositions": [{"id": 7, "text": "…", "colour": "yellow",
                                     "kind": "hypothesis"}], …}}
```

Every block of the template is present (empty blocks as ``[]``), in template order, notes
in their order on the board. ``id`` is the draft note a frozen note came from: comparing two
versions matches notes by it, so an edited or moved note shows as changed, not as one
removed and one added. The import ignores ids (``app/canvas/exchange.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.canvas.templates import Template
from app.models import Canvas, CanvasNote

FORMAT = "sprechstunde-canvas"
FORMAT_VERSION = 1


def note_data(note: CanvasNote) -> dict:
    return {"id": note.id, "text": note.text, "colour": note.colour, "kind": note.kind}


def snapshot(canvas: Canvas, template: Template, notes: Iterable[CanvasNote]) -> dict:
    """``canvas`` with ``notes`` (its live ones, in board order) as a snapshot dict."""
    blocks: dict[str, list[dict]] = {key: [] for key in template.block_keys}
    for note in notes:
        if note.block_key in blocks:
            blocks[note.block_key].append(note_data(note))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "template": canvas.template_key,
        "title": canvas.title,
        "language": canvas.locale,
        "legend": dict(canvas.legend or {}),
        "blocks": blocks,
    }
