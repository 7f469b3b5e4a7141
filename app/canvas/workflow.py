"""The review workflow of a canvas, as a plain state machine (no Flask, no database).

draft → submitted → in review → changes requested → (submitted again) → approved.

The status describes the newest submitted version; the company's draft stays editable in
every status. A submitted or approved model may be submitted again (a new version); while a
version waits for or is in review, the company cannot submit another on top of it, so a
reviewer never reviews a version that is already out of date.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"


class Action(StrEnum):
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"


class Actor(StrEnum):
    MEMBER = "member"  # a member of the canvas's organisation
    REVIEWER = "reviewer"  # an admin, or an advisor marked as reviewer


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.CHANGES_REQUESTED, Action.SUBMIT): Status.SUBMITTED,
    (Status.APPROVED, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.START_REVIEW): Status.IN_REVIEW,
    (Status.IN_REVIEW, Action.REQUEST_CHANGES): Status.CHANGES_REQUESTED,
    (Status.IN_REVIEW, Action.APPROVE): Status.APPROVED,
}

ACTORS: dict[Action, Actor] = {
    Action.SUBMIT: Actor.MEMBER,
    Action.START_REVIEW: Actor.REVIEWER,
    Action.REQUEST_CHANGES: Actor.REVIEWER,
    Action.APPROVE: Actor.REVIEWER,
}

# Statuses in which a version waits for a reviewer (the review queue shows these).
OPEN_FOR_REVIEW = (Status.SUBMITTED, Status.IN_REVIEW)


class IllegalTransition(ValueError):
    def __init__(self, status: str, action: str, actor: str | None = None) -> None:
        self.status, self.action, self.actor = status, action, actor
        super().__init__(
            f"{action} is not allowed in {status}" + (f" for {actor}" if actor else "")
        )


def next_status(status: str, action: str, actor: str | None = None) -> Status:
    """The status after ``action``; IllegalTransition for anything the workflow forbids,
    including an action by the wrong kind of actor (when ``actor`` is given)."""
    try:
        key = (Status(status), Action(action))
    except ValueError:
        raise IllegalTransition(status, action, actor) from None
    if key not in TRANSITIONS or (actor is not None and ACTORS[key[1]] != actor):
        raise IllegalTransition(status, action, actor)
    return TRANSITIONS[key]


def is_allowed(status: str, action: str, actor: str | None = None) -> bool:
    try:
        next_status(status, action, actor)
    except IllegalTransition:
        return False
    return True


def actions(status: str, actor: str) -> tuple[Action, ...]:
    """What ``actor`` may do to a canvas in ``status``, in workflow order."""
    return tuple(action for action in Action if is_allowed(status, action, actor))
