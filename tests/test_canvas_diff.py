"""Comparing two snapshots block by block: what the comparison page tells the company and
the reviewer changed between two versions."""

from __future__ import annotations

from app.canvas.diff import Change, compare


def note(note_id, text, colour="yellow", kind="hypothesis") -> dict:
    return {"id": note_id, "text": text, "colour": colour, "kind": kind}


def snapshot(**blocks) -> dict:
    return {"format": "sprechstunde-canvas", "format_version": 1, "blocks": blocks}


def changes(entries) -> list[tuple[str, Change]]:
    return [(entry.note["text"], entry.change) for entry in entries]


def test_identical_snapshots_differ_nowhere():
    data = snapshot(value_propositions=[note(1, "Wartung")], channels=[])
    result = compare(data, data)
    assert result.summary.total == 0
    assert not any(block.differs for block in result.blocks.values())
    assert changes(result.blocks["value_propositions"].after) == [("Wartung", Change.UNCHANGED)]


def test_added_and_removed_notes_are_named_on_their_side():
    before = snapshot(channels=[note(1, "Messe"), note(2, "Webshop")])
    after = snapshot(channels=[note(2, "Webshop"), note(3, "Newsletter")])
    result = compare(before, after)
    block = result.blocks["channels"]
    assert changes(block.before) == [("Messe", Change.REMOVED), ("Webshop", Change.UNCHANGED)]
    assert changes(block.after) == [("Webshop", Change.UNCHANGED), ("Newsletter", Change.ADDED)]
    assert (result.summary.added, result.summary.removed) == (1, 1)
    assert block.differs


def test_an_edited_note_is_changed_not_removed_and_added():
    before = snapshot(channels=[note(1, "Webshop", "yellow", "hypothesis")])
    after = snapshot(channels=[note(1, "Webshop B2B", "green", "fact")])
    result = compare(before, after)
    (entry,) = result.blocks["channels"].after
    assert entry.change == Change.CHANGED
    assert entry.fields == ("text", "colour", "kind")
    assert result.blocks["channels"].before[0].change == Change.CHANGED
    assert result.summary.changed == 1 and result.summary.added == result.summary.removed == 0


def test_a_colour_alone_counts_as_a_change():
    result = compare(
        snapshot(channels=[note(1, "Webshop")]), snapshot(channels=[note(1, "Webshop", "pink")])
    )
    assert result.blocks["channels"].after[0].fields == ("colour",)


def test_a_moved_note_says_where_it_came_from_and_went():
    before = snapshot(value_propositions=[note(5, "Digitaler Zwilling")], customer_segments=[])
    after = snapshot(value_propositions=[], customer_segments=[note(5, "Digitaler Zwilling!")])
    result = compare(before, after)
    gone = result.blocks["value_propositions"].before[0]
    came = result.blocks["customer_segments"].after[0]
    assert (gone.change, gone.other_block) == (Change.MOVED, "customer_segments")
    assert (came.change, came.other_block) == (Change.MOVED, "value_propositions")
    assert came.fields == ("text",)  # moved and edited: both are told
    assert result.summary.moved == 1 and result.summary.changed == 1
    assert result.summary.added == result.summary.removed == 0


def test_reordering_within_a_block_is_no_difference():
    before = snapshot(channels=[note(1, "A"), note(2, "B")])
    after = snapshot(channels=[note(2, "B"), note(1, "A")])
    assert compare(before, after).summary.total == 0


def test_notes_without_ids_are_only_added_or_removed():
    before = snapshot(channels=[{"text": "A", "colour": "yellow", "kind": "fact"}])
    after = snapshot(channels=[{"text": "A", "colour": "yellow", "kind": "fact"}])
    result = compare(before, after)
    assert (result.summary.added, result.summary.removed) == (1, 1)


def test_blocks_keep_the_newer_order_and_a_block_only_the_older_has_comes_last():
    before = snapshot(old_block=[note(9, "weg")], channels=[])
    after = snapshot(value_propositions=[], channels=[])
    result = compare(before, after)
    assert list(result.blocks) == ["value_propositions", "channels", "old_block"]
    assert changes(result.blocks["old_block"].before) == [("weg", Change.REMOVED)]


def test_the_draft_against_an_empty_first_version():
    result = compare(snapshot(), snapshot(channels=[note(1, "A"), note(2, "B")]))
    assert result.summary.added == 2
