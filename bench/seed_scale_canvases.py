"""Canvases for the scale data (``bench/seed_scale.py``): what the canvas page and the review
queue of ``bench/bench_table.py`` show.

* The demo member's (Rheinchem's) working canvas, ``CANVAS_TITLE``: ``notes`` sticky notes
  over the nine blocks of a Business Model Canvas, as a workshop leaves it, added through
  ``app.canvas.notes`` as the page adds them, submitted once, with review comments on five
  blocks; the member keeps working on it (it is back in draft after "changes requested").
* ``queued`` canvases of ``QUEUE_ORGANISATIONS`` other organisations waiting for review or
  in review, each with one frozen version of a dozen notes (bulk inserted: the queue only
  reads their rows).

Idempotent: the canvas is found by its title, the queue by its organisations' names.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

CANVAS_TITLE = "Digitaler Rezepturservice (Skalierung)"
QUEUE_PREFIX = "Skalierung Firma"
QUEUE_ORGANISATIONS = 40
COMMENT = "Bitte mit Zahlen aus dem Pilotbetrieb belegen."
NOTE_TEXTS = [
    "Rezepturen digital freigeben, Kleinmengen ab 25 kg",
    "CO₂-Bilanz je Charge auf dem Lieferschein",
    "Mittelständische Lackhersteller im Rheinland",
    "Abo je Linie mit Grundgebühr und Verbrauch",
    "Sensorik am Dosiertank, Daten in die Cloud des Kunden",
    "Pilotkunde: zwei Linien, sechs Monate",
]


def seed_canvases(notes: int, queued: int) -> tuple[int, int]:
    """The member's canvas and the review queue; returns (notes added, canvases queued)."""
    return _working_canvas(notes), _queue(queued)


def _working_canvas(notes: int) -> int:
    from app.canvas import notes as note_service
    from app.canvas import review, service
    from app.canvas.templates import get
    from app.canvas.workflow import Action
    from app.demo_canvases import MEMBER, REVIEWER
    from app.extensions import db
    from app.models import Canvas, User

    member, reviewer = User.by_email(MEMBER), User.by_email(REVIEWER)
    if member is None or reviewer is None:
        return 0
    if db.session.scalar(sa.select(Canvas.id).where(Canvas.title == CANVAS_TITLE)):
        return 0
    canvas = service.create_canvas(member, "bmc", CANVAS_TITLE, "de")
    blocks = get("bmc").block_keys
    for number in range(notes):
        text = f"{NOTE_TEXTS[number % len(NOTE_TEXTS)]} ({number + 1})"
        note_service.add_note(canvas, member, blocks[number % len(blocks)], text)
    version = service.submit(canvas, member)
    review.start_review(canvas, reviewer)
    for block in blocks[:5]:
        review.add_comment(version, reviewer, COMMENT, block)
    review.decide(canvas, reviewer, Action.REQUEST_CHANGES)
    db.session.commit()
    return notes


def _queue(queued: int) -> int:
    from app.canvas.snapshot import snapshot
    from app.canvas.templates import get
    from app.demo_canvases import MEMBER
    from app.extensions import db
    from app.models import Canvas, Organisation, User

    names = [f"{QUEUE_PREFIX} {n:02d} GmbH" for n in range(QUEUE_ORGANISATIONS)]
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.name == names[0])):
        return 0
    model = db.session.scalar(
        sa.select(Canvas)
        .join(User, User.organisation_id == Canvas.organisation_id)
        .where(User.email == MEMBER, Canvas.title == CANVAS_TITLE)
    )
    if model is None:
        return 0
    from app.canvas import service

    data = snapshot(model, get("bmc"), service.live_notes(model)[:12])
    organisations = [Organisation(name=name) for name in names]
    db.session.add_all(organisations)
    db.session.flush()
    queue_for_review(data, [o.id for o in organisations], queued, templates=("bmc",), spacing=10)
    db.session.commit()
    return queued


def queue_for_review(
    snapshot: dict,
    organisation_ids: list[int],
    count: int,
    templates: tuple[str, ...],
    spacing: int,
) -> None:
    """``count`` canvases of these organisations waiting for review (every fourth in review),
    each with one version holding ``snapshot``, submitted ``spacing`` minutes apart."""
    from app.extensions import db
    from app.models import Canvas, CanvasVersion

    began = datetime.now(UTC) - timedelta(days=30)
    rows = [
        {
            "organisation_id": organisation_ids[n % len(organisation_ids)],
            "template_key": templates[n % len(templates)],
            "title": f"Geschäftsmodell {n}",
            "locale": "de",
            "status": "submitted" if n % 4 else "in_review",
            "legend": {},
            "created_at": began,
            "updated_at": began,
            "submitted_at": began + timedelta(minutes=spacing * n),
            "status_changed_at": began + timedelta(minutes=spacing * n),
            "version_count": 1,
        }
        for n in range(count)
    ]
    ids = db.session.scalars(sa.insert(Canvas).returning(Canvas.id), rows).all()
    db.session.execute(
        sa.insert(CanvasVersion),
        [{"canvas_id": i, "number": 1, "snapshot": snapshot, "submitted_at": began} for i in ids],
    )
