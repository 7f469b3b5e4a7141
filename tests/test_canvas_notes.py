"""The rules of editing a draft's sticky notes (``app/canvas/notes.py``), called as the views
call them: bounds, optimistic versions, undo, moving."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.canvas import notes
from app.extensions import db
from app.models import Canvas, CanvasNote, User
from app.models.types import utcnow
from tests.booking_support import writing
from tests.canvas_support import live_texts, make_canvas


@pytest.fixture
def member(make) -> User:
    return make.user(name="Andreas Krüger")


def _edit(app, member: User, canvas_id: int, change):
    """Run ``change(canvas, user)`` in one committed transaction, as a view does."""
    with writing(app):
        canvas = db.session.get(Canvas, canvas_id)
        result = change(canvas, db.session.get(User, member.id))
        db.session.commit()
        if isinstance(result, CanvasNote):
            db.session.refresh(result)
            db.session.expunge(result)
        return result


def _note_id(app, canvas_id: int, text: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(CanvasNote.id).where(
                CanvasNote.canvas_id == canvas_id, CanvasNote.text == text
            )
        )


def test_a_note_goes_to_the_end_of_its_block_cleaned_and_the_canvas_counts_as_changed(app, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    with app.app_context():
        before = db.session.get(Canvas, canvas_id).updated_at
    note = _edit(
        app,
        member,
        canvas_id,
        lambda c, u: notes.add_note(
            c, u, "channels", "  Außendienst\x00\r\nund Messen  ", "green", "fact"
        ),
    )
    assert (note.text, note.colour, note.kind, note.version) == (
        "Außendienst\nund Messen",
        "green",
        "fact",
        1,
    )
    assert live_texts(app, canvas_id, "channels") == ["Webshop", "Außendienst\nund Messen"]
    with app.app_context():
        assert db.session.get(Canvas, canvas_id).updated_at > before


@pytest.mark.parametrize(
    ("block", "text", "colour", "kind", "message"),
    [
        ("channels", "   \x00 ", "yellow", "hypothesis", "leer"),
        ("channels", "x" * (CanvasNote.TEXT_MAX + 1), "yellow", "hypothesis", "zu lang"),
        ("problem", "Lean-Block im BMC", "yellow", "hypothesis", "Block"),
        ("channels", "Text", "orange", "hypothesis", "Farbe"),
        ("channels", "Text", "yellow", "wish", "Fakt oder Hypothese"),
    ],
)
def test_a_note_out_of_bounds_is_refused_with_a_message(
    app, member, block, text, colour, kind, message
):
    canvas_id = make_canvas(app, member)
    with pytest.raises(notes.NoteError, match=message):
        _edit(app, member, canvas_id, lambda c, u: notes.add_note(c, u, block, text, colour, kind))
    assert live_texts(app, canvas_id, block) == []


def test_a_note_of_exactly_the_maximum_length_is_kept(app, member):
    canvas_id = make_canvas(app, member)
    text = "x" * CanvasNote.TEXT_MAX
    _edit(app, member, canvas_id, lambda c, u: notes.add_note(c, u, "channels", text))
    assert live_texts(app, canvas_id, "channels") == [text]


def test_a_full_block_takes_no_more_notes_by_adding_moving_or_restoring(app, member):
    full = [f"Kanal {n}" for n in range(CanvasNote.PER_BLOCK_MAX)]
    canvas_id = make_canvas(app, member, notes={"channels": full, "key_partners": ["Spedition"]})
    with pytest.raises(notes.NoteError, match="schon 60 Notizen"):
        _edit(app, member, canvas_id, lambda c, u: notes.add_note(c, u, "channels", "Eine mehr"))
    spedition = _note_id(app, canvas_id, "Spedition")
    with pytest.raises(notes.NoteError, match="schon 60 Notizen"):
        _edit(app, member, canvas_id, lambda c, u: notes.move_note(c, u, spedition, "channels", 0))
    first = _note_id(app, canvas_id, "Kanal 0")
    _edit(app, member, canvas_id, lambda c, u: notes.delete_note(c, u, first))
    _edit(app, member, canvas_id, lambda c, u: notes.add_note(c, u, "channels", "Nachzügler"))
    with pytest.raises(notes.NoteError, match="schon 60 Notizen"):
        _edit(app, member, canvas_id, lambda c, u: notes.restore_note(c, u, first))
    # Reordering inside a full block is no new note: allowed.
    _edit(app, member, canvas_id, lambda c, u: notes.move_note(c, u, spedition, "key_partners", 0))
    last = _note_id(app, canvas_id, "Nachzügler")
    _edit(app, member, canvas_id, lambda c, u: notes.move_note(c, u, last, "channels", 0))
    assert live_texts(app, canvas_id, "channels")[0] == "Nachzügler"


def test_an_update_on_the_current_version_saves_and_counts_up(app, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    note_id = _note_id(app, canvas_id, "Webshop")
    note = _edit(
        app,
        member,
        canvas_id,
        lambda c, u: notes.update_note(c, u, note_id, 1, text="Webshop B2B", colour="blue"),
    )
    assert (note.text, note.colour, note.kind, note.version) == (
        "Webshop B2B",
        "blue",
        "hypothesis",
        2,
    )
    same = _edit(
        app, member, canvas_id, lambda c, u: notes.update_note(c, u, note_id, 2, text="Webshop B2B")
    )
    assert same.version == 2, "saving the same text again (autosave) is no new version"


def test_an_update_on_an_old_version_is_refused_with_the_colleagues_text(app, member, make):
    colleague = make.user(organisation=SimpleNamespace(id=member.organisation_id))
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    note_id = _note_id(app, canvas_id, "Webshop")
    _edit(app, member, canvas_id, lambda c, u: notes.update_note(c, u, note_id, 1, text="Shop"))
    with pytest.raises(notes.NoteConflict) as conflict:
        _edit(
            app,
            colleague,
            canvas_id,
            lambda c, u: notes.update_note(c, u, note_id, 1, text="Onlineshop"),
        )
    assert (conflict.value.note.text, conflict.value.note.version) == ("Shop", 2)
    assert live_texts(app, canvas_id, "channels") == ["Shop"]


def test_an_update_of_a_deleted_note_finds_nothing(app, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["Webshop"]})
    note_id = _note_id(app, canvas_id, "Webshop")
    _edit(app, member, canvas_id, lambda c, u: notes.delete_note(c, u, note_id))
    with pytest.raises(notes.NoteNotFound):
        _edit(app, member, canvas_id, lambda c, u: notes.update_note(c, u, note_id, 1, text="x"))


def test_a_note_of_another_canvas_is_not_found(app, member):
    mine = make_canvas(app, member, notes={"channels": ["Meins"]})
    other = make_canvas(app, member, notes={"channels": ["Fremd"]})
    foreign = _note_id(app, other, "Fremd")
    for change in (
        lambda c, u: notes.update_note(c, u, foreign, 1, text="x"),
        lambda c, u: notes.delete_note(c, u, foreign),
        lambda c, u: notes.move_note(c, u, foreign, "channels", 0),
    ):
        with pytest.raises(notes.NoteNotFound):
            _edit(app, member, mine, change)
    assert live_texts(app, other, "channels") == ["Fremd"]


def test_a_deleted_note_can_be_restored_to_its_place_for_a_while(app, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["A", "B", "C"]})
    b = _note_id(app, canvas_id, "B")
    _edit(app, member, canvas_id, lambda c, u: notes.delete_note(c, u, b))
    assert live_texts(app, canvas_id, "channels") == ["A", "C"]
    _edit(app, member, canvas_id, lambda c, u: notes.restore_note(c, u, b))
    assert live_texts(app, canvas_id, "channels") == ["A", "B", "C"]
    with pytest.raises(notes.NoteNotFound):  # it is live: nothing to undo
        _edit(app, member, canvas_id, lambda c, u: notes.restore_note(c, u, b))


def test_notes_deleted_long_ago_cannot_be_restored_and_are_purged_by_the_next_delete(app, member):
    canvas_id = make_canvas(app, member, notes={"channels": ["Alt", "Neu"]})
    old, new = _note_id(app, canvas_id, "Alt"), _note_id(app, canvas_id, "Neu")
    _edit(app, member, canvas_id, lambda c, u: notes.delete_note(c, u, old))
    with app.app_context():
        db.session.get(CanvasNote, old).deleted_at = (
            utcnow() - notes.RESTORE_WINDOW - timedelta(seconds=1)
        )
        db.session.commit()
    with pytest.raises(notes.NoteNotFound):
        _edit(app, member, canvas_id, lambda c, u: notes.restore_note(c, u, old))
    _edit(app, member, canvas_id, lambda c, u: notes.delete_note(c, u, new))
    with app.app_context():
        assert db.session.get(CanvasNote, old) is None
        assert db.session.get(CanvasNote, new) is not None, "still in its undo window"


def test_moving_reorders_a_block_and_carries_a_note_to_another(app, member):
    canvas_id = make_canvas(
        app, member, notes={"channels": ["A", "B", "C"], "key_partners": ["X", "Y"]}
    )
    c = _note_id(app, canvas_id, "C")
    _edit(app, member, canvas_id, lambda cv, u: notes.move_note(cv, u, c, "channels", 0))
    assert live_texts(app, canvas_id, "channels") == ["C", "A", "B"]
    a = _note_id(app, canvas_id, "A")
    moved = _edit(
        app, member, canvas_id, lambda cv, u: notes.move_note(cv, u, a, "key_partners", 1)
    )
    assert moved.version == 1, "moving does not turn a colleague's edit into a conflict"
    assert live_texts(app, canvas_id, "channels") == ["C", "B"]
    assert live_texts(app, canvas_id, "key_partners") == ["X", "A", "Y"]
    _edit(app, member, canvas_id, lambda cv, u: notes.move_note(cv, u, a, "key_partners", 99))
    assert live_texts(app, canvas_id, "key_partners") == ["X", "Y", "A"]
    with pytest.raises(notes.NoteError):
        _edit(app, member, canvas_id, lambda cv, u: notes.move_note(cv, u, a, "nowhere", 0))


def test_the_title_and_legend_are_bounded_and_trimmed(app, member):
    canvas_id = make_canvas(app, member)
    _edit(app, member, canvas_id, lambda c, u: notes.rename(c, "  Neuer\x00 Titel "))
    _edit(
        app,
        member,
        canvas_id,
        lambda c, u: notes.set_legend(c, {"green": " validiert ", "blue": "", "black": "x"}),
    )
    with app.app_context():
        canvas = db.session.get(Canvas, canvas_id)
        assert (canvas.title, canvas.legend) == ("Neuer Titel", {"green": "validiert"})
    for change in (
        lambda c, u: notes.rename(c, " \x00 "),
        lambda c, u: notes.rename(c, "x" * (Canvas.TITLE_MAX + 1)),
        lambda c, u: notes.set_legend(c, {"green": "x" * (notes.LEGEND_TEXT_MAX + 1)}),
    ):
        with pytest.raises(notes.NoteError):
            _edit(app, member, canvas_id, change)
