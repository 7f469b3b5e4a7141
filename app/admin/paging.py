"""Paging and search text for the admin lists (accounts, organisations): a page number and
a search as read from the address, a page of rows with its total, and a case-insensitive
"contains"."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.forms import single_line

PAGE_SIZE = 25
PAGE_MAX = 100_000
QUERY_MAX = 200  # characters of a search kept; the rest of a longer one is dropped


def clean_query(value: str | None) -> str:
    """A search as typed, on one line, without control characters, at most 200 characters."""
    return single_line((value or "")[: QUERY_MAX * 4])[:QUERY_MAX]


def page_number(value: str | None) -> int:
    """``seite`` from the address: a whole number from 1 (a huge one: the last page);
    anything else is page 1."""
    if not value or not value.isascii() or not value.isdigit():
        return 1
    return max(1, min(int(value) if len(value) <= 7 else PAGE_MAX, PAGE_MAX))


@dataclass(frozen=True)
class Page:
    rows: list
    total: int
    number: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def paged(query: sa.Select, count: sa.Select, number: int) -> Page:
    """The rows of page ``number`` and how many match, in one statement (a window count);
    a page past the last counts first and shows the last page (two more)."""
    counted = query.add_columns(sa.func.count().over().label("total"))
    rows = db.session.execute(counted.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    if rows:
        return Page(rows=rows, total=rows[0].total, number=number)
    total = db.session.scalar(count) or 0
    last = max(1, -(-total // PAGE_SIZE))
    if total and number > last:
        rows = db.session.execute(counted.limit(PAGE_SIZE).offset((last - 1) * PAGE_SIZE)).all()
    return Page(rows=rows, total=total, number=min(number, last))


def contains(column, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "contains", with ``%`` and ``_`` taken literally."""
    return sa.func.lower(column).contains(text.lower(), autoescape=True)
