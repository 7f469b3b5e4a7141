"""Compare two canvas snapshots (``app/canvas/snapshot.py``) block by block. Pure: no Flask,
no database.

Notes are matched by their ``id`` (the draft note a frozen note came from), so a note whose
text, colour or kind changed shows as *changed*, and one that went to another block as
*moved*, not as one removed and one added. A note without an id (never in our snapshots,
but a hand-made one could lack it) is only ever added or removed.

Each block has two columns: ``before`` (the older side's notes, each marked removed,
moved away, changed or unchanged) and ``after`` (the newer side's, marked added, moved
here, changed or unchanged), so the page can show them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

COMPARED_FIELDS = ("text", "colour", "kind")


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    MOVED = "moved"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class NoteDiff:
    note: dict  # the note as it is on this side
    change: Change
    # What differs from the other side (text, colour, kind); a moved note may change too.
    fields: tuple[str, ...] = ()
    # For a moved note: the block it came from (after side) or went to (before side).
    other_block: str | None = None

    @property
    def is_changed(self) -> bool:
        return bool(self.fields)


@dataclass(frozen=True)
class BlockDiff:
    key: str
    before: tuple[NoteDiff, ...]
    after: tuple[NoteDiff, ...]

    @property
    def differs(self) -> bool:
        return any(entry.change != Change.UNCHANGED for entry in self.before + self.after)


@dataclass(frozen=True)
class Summary:
    added: int = 0
    removed: int = 0
    changed: int = 0
    moved: int = 0

    @property
    def total(self) -> int:
        return self.added + self.removed + self.changed + self.moved


@dataclass(frozen=True)
class CanvasDiff:
    blocks: dict[str, BlockDiff]
    summary: Summary = field(default_factory=Summary)


def _blocks(data: dict) -> dict[str, list[dict]]:
    blocks = data.get("blocks") or {}
    return {key: list(notes or []) for key, notes in blocks.items()}


def _located(blocks: dict[str, list[dict]]) -> dict[object, tuple[str, dict]]:
    """Each note id's block and note (the first, should a hand-made file repeat an id)."""
    found: dict[object, tuple[str, dict]] = {}
    for key, notes in blocks.items():
        for note in notes:
            note_id = note.get("id")
            if note_id is not None and note_id not in found:
                found[note_id] = (key, note)
    return found


def _changed_fields(before: dict, after: dict) -> tuple[str, ...]:
    return tuple(name for name in COMPARED_FIELDS if before.get(name) != after.get(name))


def _entry(note: dict, key: str, counterpart: tuple[str, dict] | None, lost: Change) -> NoteDiff:
    """One side's note against its counterpart on the other side (None: none there)."""
    if counterpart is None:
        return NoteDiff(note, lost)
    other_key, other = counterpart
    fields = _changed_fields(other, note)
    if other_key != key:
        return NoteDiff(note, Change.MOVED, fields, other_key)
    return NoteDiff(note, Change.CHANGED if fields else Change.UNCHANGED, fields)


def compare(before: dict, after: dict) -> CanvasDiff:
    """How ``after`` differs from ``before``, block by block, in ``after``'s block order
    (then any block only ``before`` has)."""
    old, new = _blocks(before), _blocks(after)
    old_by_id, new_by_id = _located(old), _located(new)

    def counterpart(note: dict, index: dict) -> tuple[str, dict] | None:
        note_id = note.get("id")
        return index.get(note_id) if note_id is not None else None

    blocks: dict[str, BlockDiff] = {}
    for key in [*new, *(key for key in old if key not in new)]:
        blocks[key] = BlockDiff(
            key,
            before=tuple(
                _entry(note, key, counterpart(note, new_by_id), Change.REMOVED)
                for note in old.get(key, [])
            ),
            after=tuple(
                _entry(note, key, counterpart(note, old_by_id), Change.ADDED)
                for note in new.get(key, [])
            ),
        )
    after_entries = [entry for block in blocks.values() for entry in block.after]
    summary = Summary(
        added=sum(entry.change == Change.ADDED for entry in after_entries),
        removed=sum(entry.change == Change.REMOVED for b in blocks.values() for entry in b.before),
        changed=sum(entry.is_changed for entry in after_entries),
        moved=sum(entry.change == Change.MOVED for entry in after_entries),
    )
    return CanvasDiff(blocks, summary)
