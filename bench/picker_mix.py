"""A realistic mix of slot picker requests, in-process, with the fragment cache off and on.

Part of ``bench/bench_picker.py``. People do not ask for one URL: they page through weeks,
switch types and topics, and pick an advisor or "any"; meanwhile bookings arrive and make
cached fragments stale. The mix is every advisor of the topic and "any" × ``WEEKS`` weeks ×
two types, plus "any" for every other topic offered, in a fixed shuffled order; every
``bump_every`` requests one advisor's calendar version goes up (what a booking does to the
cache, without changing the data). The same requests run on an app without the cache
(every request loads and computes) and on one with the in-process cache (a first pass
fills it, the second pass is measured).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa

WEEKS = 8
TYPES = ("erstgespraech", "foerdermittel-sprechstunde")
# What a day link of the picker sends: HTMX swapping the calendar part only.
NAVIGATION = {"HX-Request": "true", "HX-Target": "slot-picker"}


def mix_paths(app, topic: str, advisor_ids: list[int], first_monday: date) -> list[str]:
    """The mix's addresses, shuffled the same way on every run."""
    from app.extensions import db
    from app.models import Topic

    with app.app_context():
        others = list(
            db.session.scalars(sa.select(Topic.slug).where(Topic.active, Topic.slug != topic))
        )
    paths = []
    for week in (first_monday + timedelta(weeks=n) for n in range(WEEKS)):
        for ctype in TYPES:
            choices = [(topic, str(a)) for a in ["any", *advisor_ids]]
            choices += [(other, "any") for other in others]
            for slug, advisor in choices:
                query = {"type": ctype, "topic": slug, "advisor": advisor, "week": week}
                paths.append(f"/beratung/termine?{urlencode(query)}")
    random.Random(13).shuffle(paths)  # noqa: S311 (an order, not a secret)
    return paths


def run(app, paths: list[str], advisor_ids: list[int], bump_every: int) -> list[float]:
    """Milliseconds per request, the versions bumped every ``bump_every`` requests."""
    from app.booking.freshness import bump_advisors
    from app.extensions import db

    client = app.test_client()
    spent = []
    for n, path in enumerate(paths):
        if bump_every and n % bump_every == bump_every - 1:
            with app.app_context():
                bump_advisors(db.session, [advisor_ids[n % len(advisor_ids)]])
                db.session.commit()
        began = time.perf_counter()
        response = client.get(path, headers=NAVIGATION)
        spent.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in-process")
    return spent


def summary(spent: list[float]) -> str:
    ordered = sorted(spent)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return f"{statistics.median(spent):.1f} / {p95:.1f} / {statistics.mean(spent):.1f} ms"
