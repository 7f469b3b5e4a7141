"""The review workflow as a pure state machine: every allowed step, and every other
(status, action, actor) combination refused, so no view can move a canvas the issue forbids.
"""

from __future__ import annotations

import itertools

import pytest

from app.canvas.workflow import (
    Action,
    Actor,
    IllegalTransition,
    Status,
    actions,
    is_allowed,
    next_status,
)

S, A, R = Status, Action, Actor

ALLOWED = {
    (S.DRAFT, A.SUBMIT, R.MEMBER): S.SUBMITTED,
    (S.CHANGES_REQUESTED, A.SUBMIT, R.MEMBER): S.SUBMITTED,
    (S.APPROVED, A.SUBMIT, R.MEMBER): S.SUBMITTED,
    (S.SUBMITTED, A.START_REVIEW, R.REVIEWER): S.IN_REVIEW,
    (S.IN_REVIEW, A.REQUEST_CHANGES, R.REVIEWER): S.CHANGES_REQUESTED,
    (S.IN_REVIEW, A.APPROVE, R.REVIEWER): S.APPROVED,
}

ILLEGAL = [
    combination
    for combination in itertools.product(Status, Action, Actor)
    if combination not in ALLOWED
]


def _id(combination) -> str:
    return "-".join(str(part) for part in combination)


@pytest.mark.parametrize(("status", "action", "actor"), ALLOWED, ids=_id)
def test_each_allowed_step_leads_to_its_status(status, action, actor):
    assert next_status(status, action, actor) == ALLOWED[status, action, actor]
    assert next_status(status, action) == ALLOWED[status, action, actor]
    assert is_allowed(status, action, actor)


@pytest.mark.parametrize(("status", "action", "actor"), ILLEGAL, ids=_id)
def test_every_other_step_is_refused(status, action, actor):
    with pytest.raises(IllegalTransition) as refused:
        next_status(status, action, actor)
    assert (refused.value.status, refused.value.action, refused.value.actor) == (
        status,
        action,
        actor,
    )
    assert not is_allowed(status, action, actor)


def test_the_table_covers_every_combination():
    assert len(ALLOWED) + len(ILLEGAL) == len(Status) * len(Action) * len(Actor) == 40


@pytest.mark.parametrize(
    ("status", "action"),
    [("draft", "publish"), ("archived", "submit"), ("", ""), ("SUBMITTED", "start_review")],
)
def test_unknown_statuses_and_actions_are_refused_not_crashing(status, action):
    with pytest.raises(IllegalTransition):
        next_status(status, action)
    assert not is_allowed(status, action, Actor.REVIEWER)


def test_the_company_cannot_submit_on_top_of_a_version_waiting_for_review():
    assert not is_allowed(S.SUBMITTED, A.SUBMIT, R.MEMBER)
    assert not is_allowed(S.IN_REVIEW, A.SUBMIT, R.MEMBER)


def test_a_reviewer_cannot_decide_on_a_draft_or_decide_twice():
    for decision in (A.REQUEST_CHANGES, A.APPROVE):
        assert not is_allowed(S.DRAFT, decision, R.REVIEWER)
        assert not is_allowed(S.CHANGES_REQUESTED, decision, R.REVIEWER)
        assert not is_allowed(S.APPROVED, decision, R.REVIEWER)


@pytest.mark.parametrize(
    ("status", "actor", "expected"),
    [
        (S.DRAFT, R.MEMBER, (A.SUBMIT,)),
        (S.DRAFT, R.REVIEWER, ()),
        (S.SUBMITTED, R.MEMBER, ()),
        (S.SUBMITTED, R.REVIEWER, (A.START_REVIEW,)),
        (S.IN_REVIEW, R.MEMBER, ()),
        (S.IN_REVIEW, R.REVIEWER, (A.REQUEST_CHANGES, A.APPROVE)),
        (S.CHANGES_REQUESTED, R.MEMBER, (A.SUBMIT,)),
        (S.CHANGES_REQUESTED, R.REVIEWER, ()),
        (S.APPROVED, R.MEMBER, (A.SUBMIT,)),
        (S.APPROVED, R.REVIEWER, ()),
    ],
)
def test_actions_lists_what_the_actor_may_do_in_workflow_order(status, actor, expected):
    assert actions(status, actor) == expected


def test_the_whole_loop_of_submit_review_revise_resubmit_approve():
    status = S.DRAFT
    for action in (
        A.SUBMIT,
        A.START_REVIEW,
        A.REQUEST_CHANGES,
        A.SUBMIT,
        A.START_REVIEW,
        A.APPROVE,
    ):
        status = next_status(status, action)
    assert status == S.APPROVED
