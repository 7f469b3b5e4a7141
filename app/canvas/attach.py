"""Bringing a canvas to a consultation: a booking carries one canvas of the booker's
organisation, either a frozen version or (no version) the live draft.

Only the organisation's own canvases are offered, and ``attach`` checks it again: a canvas
of another organisation is never attached, whatever id a form sends. The booking's advisor
then reads the canvas (``access.advises_on``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.canvas.labels import status_label
from app.extensions import db
from app.models import Booking, Canvas, CanvasVersion, Role, User


class NotAttachable(ValueError):
    """The chosen canvas or version is not one of the booking organisation's."""


@dataclass(frozen=True)
class Offer:
    """One entry of the "bring a canvas" select: a canvas's draft, or one of its versions."""

    canvas_id: int
    number: int | None  # None: the live draft
    label: str

    @property
    def value(self) -> str:
        return choice_value(self.canvas_id, self.number)


def choice_value(canvas_id: int, number: int | None) -> str:
    """The form value naming a canvas's draft ("12") or one of its versions ("12:2")."""
    return str(canvas_id) if number is None else f"{canvas_id}:{number}"


def may_attach(user: User, booking: Booking) -> bool:
    """Members of the booking's organisation choose what it brings; nobody else."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.CLIENT
        and booking.organisation_id is not None
        and user.organisation_id == booking.organisation_id
    )


def offers(organisation_id: int | None) -> list[Offer]:
    """The organisation's canvases, most recently changed first, each as its draft and its
    versions (newest first; the newest with the canvas's review status). Two queries."""
    if organisation_id is None:
        return []
    canvases = db.session.execute(
        sa.select(Canvas.id, Canvas.title, Canvas.status)
        .where(Canvas.organisation_id == organisation_id)
        .order_by(Canvas.updated_at.desc(), Canvas.id.desc())
    ).all()
    numbers: dict[int, list[int]] = {canvas.id: [] for canvas in canvases}
    if canvases:
        for canvas_id, number in db.session.execute(
            sa.select(CanvasVersion.canvas_id, CanvasVersion.number)
            .where(CanvasVersion.canvas_id.in_(numbers))
            .order_by(CanvasVersion.number.desc())
        ):
            numbers[canvas_id].append(number)
    found = []
    for canvas in canvases:
        found.append(Offer(canvas.id, None, _("%(title)s — Entwurf", title=canvas.title)))
        for number in numbers[canvas.id]:
            newest = number == numbers[canvas.id][0]
            found.append(Offer(canvas.id, number, _version_label(canvas, number, newest)))
    return found


def _version_label(canvas, number: int, newest: bool) -> str:
    """The newest version carries the canvas's review status: "Titel — Version 2
    (Freigegeben)"; an older one was superseded, so it carries none."""
    if newest:
        return _(
            "%(title)s — Version %(number)d (%(status)s)",
            title=canvas.title,
            number=number,
            status=status_label(canvas.status),
        )
    return _("%(title)s — Version %(number)d", title=canvas.title, number=number)


def _parse(value: str) -> tuple[int, int | None]:
    canvas_id, _sep, number = value.partition(":")
    try:
        parsed = int(canvas_id), (int(number) if number else None)
    except ValueError:
        raise NotAttachable(value) from None
    # Ids are positive database integers: anything else names nothing (and PostgreSQL
    # would refuse to compare an integer column with a number out of its range).
    if not all(0 < part < 2**31 for part in parsed if part is not None):
        raise NotAttachable(value)
    return parsed


def attach(booking: Booking, value: str) -> None:
    """Let ``booking`` bring the canvas draft or version named by ``value`` (see
    ``choice_value``); NotAttachable unless it belongs to the booking's organisation."""
    canvas_id, number = _parse(value)
    canvas = db.session.get(Canvas, canvas_id)
    if canvas is None or booking.organisation_id is None:
        raise NotAttachable(value)
    if canvas.organisation_id != booking.organisation_id:
        raise NotAttachable(value)
    version = None
    if number is not None:
        version = db.session.scalar(
            sa.select(CanvasVersion).where(
                CanvasVersion.canvas_id == canvas.id, CanvasVersion.number == number
            )
        )
        if version is None:
            raise NotAttachable(value)
    booking.canvas_id = canvas.id
    booking.canvas_version_id = version.id if version else None
    db.session.flush()


def detach(booking: Booking) -> None:
    booking.canvas_id = booking.canvas_version_id = None
    db.session.flush()


def attached_value(booking: Booking) -> str | None:
    """The form value of what the booking brings now (preselected on its manage page)."""
    if booking.canvas_id is None:
        return None
    number = booking.canvas_version.number if booking.canvas_version else None
    return choice_value(booking.canvas_id, number)
