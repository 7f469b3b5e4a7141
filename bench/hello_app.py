"""The baselines for the throughput budgets (DESIGN.md §9): bare Flask pages.

``/`` is a hello page; ``/abfrage`` runs one indexed query (a booking by its primary key,
the key drawn at random from the ids the site's bookings have) against the site's own
PostgreSQL, ``DATABASE_URL``, through an SQLAlchemy pool as the site has one: what one
round trip to the database costs a bare Flask page, beside what the site's pages cost.
Served by ``bench/bench_picker.py`` and ``bench/bench_table.py`` under the same gunicorn
settings as the site (``gunicorn … 'bench.hello_app:app'`` from the project root).
"""

from __future__ import annotations

import os
import random
from functools import cache

import sqlalchemy as sa
from flask import Flask, abort

app = Flask(__name__)

BOOKING = sa.text('SELECT id, start, "end", status FROM booking WHERE id = :id')


@cache
def engine() -> sa.Engine:
    """One pool per worker, made on the first query (after gunicorn's fork)."""
    url = os.environ.get("DATABASE_URL", "")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    if not url:
        abort(404)
    return sa.create_engine(url, pool_pre_ping=False)


@cache
def highest_id() -> int:
    with engine().connect() as connection:
        return connection.scalar(sa.text("SELECT max(id) FROM booking")) or 1


@app.get("/")
def hello() -> str:
    return "Hello, World!"


@app.get("/abfrage")
def query() -> dict:
    wanted = random.randint(1, highest_id())  # noqa: S311 (spreads the load, not a secret)
    with engine().connect() as connection:
        row = connection.execute(BOOKING, {"id": wanted}).first()
    if row is None:
        return {"id": wanted, "found": False}
    return {"id": row.id, "start": row.start.isoformat(), "status": row.status, "found": True}
