"""Submitting freezes the draft as a numbered version, and the workflow moves only along its
allowed steps, even when several people press the button at the same moment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.canvas import service, workflow
from app.extensions import db
from app.models import Canvas, CanvasNote, CanvasTransition, CanvasVersion, Role, User
from tests.booking_support import writing
from tests.canvas_support import RACERS, race


def _canvas_with_notes(app, member, notes: dict[str, list[str]], template="bmc") -> int:
    with writing(app):
        canvas = service.create_canvas(db.session.get(User, member.id), template, "Modell", "de")
        for block, texts in notes.items():
            for position, text in enumerate(texts):
                db.session.add(
                    CanvasNote(canvas_id=canvas.id, block_key=block, text=text, position=position)
                )
        db.session.commit()
        return canvas.id


def _submit(app, member, canvas_id) -> CanvasVersion:
    with writing(app):
        version = service.submit(db.session.get(Canvas, canvas_id), db.session.get(User, member.id))
        db.session.commit()
        db.session.refresh(version)
        db.session.expunge(version)
        return version


def _review(app, reviewer, canvas_id, *actions: workflow.Action) -> None:
    with writing(app):
        canvas = db.session.get(Canvas, canvas_id)
        for action in actions:
            service.apply(
                canvas, action, db.session.get(User, reviewer.id), workflow.Actor.REVIEWER
            )
        db.session.commit()


def test_a_submit_freezes_the_draft_in_template_order_and_later_edits_leave_it_alone(app, make):
    member = make.user()
    canvas_id = _canvas_with_notes(
        app,
        member,
        {"key_partners": ["Stadtwerke"], "value_propositions": ["Digitaler Zwilling", "Wartung"]},
    )
    version = _submit(app, member, canvas_id)
    assert version.number == 1
    blocks = version.snapshot["blocks"]
    assert next(iter(blocks)) == "value_propositions"  # the template's reading order
    assert [n["text"] for n in blocks["value_propositions"]] == ["Digitaler Zwilling", "Wartung"]
    assert blocks["channels"] == []
    with app.app_context():
        note = db.session.scalar(sa.select(CanvasNote).where(CanvasNote.text == "Wartung"))
        note.text = "Wartung als Abo"
        db.session.commit()
        frozen = db.session.get(CanvasVersion, version.id).snapshot
        assert frozen["blocks"]["value_propositions"][1]["text"] == "Wartung"
        canvas = db.session.get(Canvas, canvas_id)
        assert (canvas.status, canvas.version_count) == ("submitted", 1)
        assert canvas.submitted_at is not None


def test_an_empty_canvas_cannot_be_submitted(app, make):
    member = make.user()
    canvas_id = _canvas_with_notes(app, member, {})
    with pytest.raises(service.EmptyCanvas):
        _submit(app, member, canvas_id)
    with app.app_context():
        assert db.session.get(Canvas, canvas_id).status == "draft"


def test_no_second_version_while_the_first_waits_for_review(app, make):
    member = make.user()
    canvas_id = _canvas_with_notes(app, member, {"channels": ["Webshop"]})
    _submit(app, member, canvas_id)
    with pytest.raises(workflow.IllegalTransition):
        _submit(app, member, canvas_id)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CanvasVersion.id))) == 1


def test_a_full_round_records_who_moved_the_canvas_and_numbers_the_versions(app, make):
    member, admin = make.user(), make.user(role=Role.ADMIN)
    canvas_id = _canvas_with_notes(app, member, {"channels": ["Webshop"]})
    _submit(app, member, canvas_id)
    _review(app, admin, canvas_id, workflow.Action.START_REVIEW, workflow.Action.REQUEST_CHANGES)
    assert _submit(app, member, canvas_id).number == 2
    _review(app, admin, canvas_id, workflow.Action.START_REVIEW, workflow.Action.APPROVE)
    with app.app_context():
        steps = db.session.scalars(sa.select(CanvasTransition).order_by(CanvasTransition.id)).all()
        assert [(s.from_status, s.to_status, s.actor_id) for s in steps] == [
            ("draft", "submitted", member.id),
            ("submitted", "in_review", admin.id),
            ("in_review", "changes_requested", admin.id),
            ("changes_requested", "submitted", member.id),
            ("submitted", "in_review", admin.id),
            ("in_review", "approved", admin.id),
        ]
        numbers = [db.session.get(CanvasVersion, s.version_id).number for s in steps]
        assert numbers == [1, 1, 1, 2, 2, 2]
        assert all(s.at is not None for s in steps)


def test_a_reviewer_cannot_submit_and_a_member_cannot_approve(app, make):
    member, admin = make.user(), make.user(role=Role.ADMIN)
    canvas_id = _canvas_with_notes(app, member, {"channels": ["Webshop"]})
    _submit(app, member, canvas_id)
    with writing(app):
        canvas = db.session.get(Canvas, canvas_id)
        with pytest.raises(workflow.IllegalTransition):
            service.apply(canvas, workflow.Action.START_REVIEW, admin, workflow.Actor.MEMBER)
        with pytest.raises(workflow.IllegalTransition):
            service.apply(canvas, workflow.Action.SUBMIT, admin, workflow.Actor.REVIEWER)
        assert canvas.status == "submitted"


def test_ten_members_submitting_at_once_make_one_version(app, make, database_url):
    member = make.user()
    canvas_id = _canvas_with_notes(app, member, {"channels": ["Webshop"]})

    def submit_once() -> None:
        service.submit(db.session.get(Canvas, canvas_id), db.session.get(User, member.id))

    assert race(database_url, submit_once) == {"moved": 1, "refused": RACERS - 1}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CanvasVersion.id))) == 1


def test_ten_reviewers_approving_at_once_approve_once(app, make, database_url):
    member, admin = make.user(), make.user(role=Role.ADMIN)
    canvas_id = _canvas_with_notes(app, member, {"channels": ["Webshop"]})
    _submit(app, member, canvas_id)
    _review(app, admin, canvas_id, workflow.Action.START_REVIEW)

    def approve_once() -> None:
        canvas = db.session.get(Canvas, canvas_id)
        reviewer = db.session.get(User, admin.id)
        service.apply(canvas, workflow.Action.APPROVE, reviewer, workflow.Actor.REVIEWER)

    assert race(database_url, approve_once) == {"moved": 1, "refused": RACERS - 1}
    with app.app_context():
        approvals = sa.select(sa.func.count(CanvasTransition.id)).where(
            CanvasTransition.action == "approve"
        )
        assert db.session.scalar(approvals) == 1
