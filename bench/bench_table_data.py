"""The data side of ``bench/bench_table.py``: the app in-process, the addresses it loads
(the picker's 168, the member's canvas), and the bookings that arrive during a picker row."""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from bench_picker import HOST, picker_monday

TYPE, TOPIC, WEEKS = "erstgespraech", "digitalisierung", 8
MEMBER = "andreas.krueger@rheinchem.example"  # books during the picker rows


def make_app(database_url: str, cache: dict[str, str]):
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "BASE_URL": f"http://{HOST}",
            "RATELIMIT_ENABLED": False,
            **cache,
        }
    )


def site_paths(app) -> dict[str, list[str]]:
    """The picker's paths (every advisor of the topic and "any" × ``WEEKS`` weeks) and the
    canvas the member works on (the one with most notes)."""
    from app.demo_canvases import MEMBER as CANVAS_MEMBER
    from app.extensions import db
    from app.models import Advisor, Canvas, CanvasNote, Topic, User

    with app.app_context():
        topic = db.session.scalar(sa.select(Topic).where(Topic.slug == TOPIC))
        if topic is None:
            raise RuntimeError("no demo data: run bench/seed_scale.py first")
        advisors = db.session.scalars(
            sa.select(Advisor.id).where(Advisor.topics.contains(topic)).order_by(Advisor.id)
        ).all()
        canvas = db.session.scalar(
            sa.select(Canvas.id)
            .join(User, User.organisation_id == Canvas.organisation_id)
            .outerjoin(CanvasNote, CanvasNote.canvas_id == Canvas.id)
            .where(User.email == CANVAS_MEMBER)
            .group_by(Canvas.id)
            .order_by(sa.func.count(CanvasNote.id).desc(), Canvas.id)
        )
        first = picker_monday(app.config["DEFAULT_TIMEZONE"])
    monday = date.fromisoformat(first) - timedelta(weeks=2)  # next week's Monday
    weeks = [(monday + timedelta(weeks=n)).isoformat() for n in range(WEEKS)]
    picker = [
        "/beratung/termine?"
        + urlencode({"type": TYPE, "topic": TOPIC, "advisor": advisor, "week": week})
        for advisor in ["any", *map(str, advisors)]
        for week in weeks
    ]
    return {"picker": picker, "canvas": [f"/canvas/{canvas}"], "weeks": weeks}


class Bookings(threading.Thread):
    """Books a free slot of a random advisor and week every ``interval`` seconds through
    ``app.booking.service``, as clients do while the picker is under load; ``cancel_all``
    cancels them afterwards (which changes the versions once more)."""

    def __init__(self, app, weeks: list[str], interval: float) -> None:
        super().__init__(daemon=True)
        self.app, self.weeks, self.interval = app, weeks, interval
        self.stop = threading.Event()
        self.ids: list[int] = []
        self.failed = 0
        self.rng = random.Random(13)  # noqa: S311 (which slot to book: not a secret)

    def run(self) -> None:
        with self.app.app_context():
            while not self.stop.wait(self.interval):
                try:
                    self.book_one()
                except Exception:  # counted and reported: the load goes on
                    self.failed += 1
                    from app.extensions import db

                    db.session.rollback()

    def book_one(self) -> None:
        from app.booking import service
        from app.booking.availability import free_slots_by_advisor
        from app.booking.choice import local_midnight
        from app.extensions import db
        from app.models import ConsultationType, Topic, User
        from app.models.types import utcnow

        ctype = db.session.scalar(sa.select(ConsultationType).where(ConsultationType.slug == TYPE))
        topic = db.session.scalar(sa.select(Topic).where(Topic.slug == TOPIC))
        advisor = self.rng.choice(topic.advisors_for(ctype))
        monday = date.fromisoformat(self.rng.choice(self.weeks))
        zone = ZoneInfo(advisor.timezone)
        now = utcnow()
        start = local_midnight(monday, zone)
        end = local_midnight(monday + timedelta(days=7), zone)
        slots = free_slots_by_advisor([advisor], ctype, start, end, now)[advisor.id]
        if not slots:
            return
        booking = service.book(
            ctype=ctype,
            topic=topic,
            advisor=advisor,
            start=self.rng.choice(slots).start,
            agenda="Lasttest: eine Buchung während der Messung.",
            booker=User.by_email(MEMBER),
        )
        db.session.commit()
        self.ids.append(booking.id)

    def cancel_all(self) -> None:
        from app.booking import service
        from app.extensions import db
        from app.models import Booking

        self.stop.set()
        self.join(timeout=30)
        with self.app.app_context():
            for booking in db.session.scalars(sa.select(Booking).where(Booking.id.in_(self.ids))):
                service.cancel(booking, "Lasttest beendet")
            db.session.commit()
            db.engine.dispose()
