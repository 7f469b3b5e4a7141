"""Chart geometry for the dashboard's server-side SVG: plain data in, plain data out.

Nothing here knows Flask, SQL or markup: ``templates/admin/_charts.html`` draws what these
functions compute (rectangles, ticks, label positions in the coordinates of a ``viewBox``,
so the picture scales with the page).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Drawing area of every chart, in viewBox units; the SVG scales to its container.
WIDTH = 720
PLOT_LEFT = 64  # room for the value axis' labels
PLOT_RIGHT = 12
PLOT_TOP = 12
AXIS_ROOM = 54  # below the bars: category labels
MAX_CATEGORY_LABELS = 13
BAR_HEIGHT = 22  # horizontal bars
BAR_GAP = 14
BAR_WIDTH = 480  # horizontal bar charts: half a desktop page, a phone's width at ~0.7
LABEL_ROOM = 190  # left of horizontal bars: their names


def nice_maximum(value: float) -> float:
    """The smallest "round" number (1, 2, 2.5, 5 × 10^k) at or above ``value``; 1 for
    nothing to show, so an empty chart still has an axis."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9 * power:
            return step * power
    return 10 * power  # pragma: no cover  (the loop always returns)


def ticks(maximum: float, count: int = 5) -> list[float]:
    """Evenly spaced values from 0 to ``maximum`` (inclusive), ``count`` steps."""
    step = maximum / count
    return [round(step * n, 10) for n in range(count + 1)]


def integer_axis(value: float) -> tuple[float, list[float]]:
    """A nice maximum and its ticks for counts: whole numbers only (3 bookings → 0…3, not
    0, 0.6, 1.2 …)."""
    top = nice_maximum(value)
    if top <= 5:
        top = max(1.0, math.ceil(value))
        return top, [float(n) for n in range(int(top) + 1)]
    count = 5 if top % 5 == 0 else 4
    return top, ticks(top, count)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: int  # index of the series (its colour class and legend entry)
    value: float
    category: int


@dataclass(frozen=True)
class Tick:
    position: float  # y for a vertical value axis, x for a horizontal one
    value: float


@dataclass(frozen=True)
class CategoryLabel:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class ColumnChart:
    """Stacked columns: one per category, a segment per series."""

    width: float
    height: float
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    rects: list[Rect]
    ticks: list[Tick]
    labels: list[CategoryLabel]
    maximum: float


def stacked_columns(
    categories: Sequence[str],
    series: Sequence[Sequence[float]],
    *,
    width: float = WIDTH,
    height: float = 300,
    maximum: float | None = None,
) -> ColumnChart:
    """Columns for ``categories``, each stacked from ``series`` (``series[s][c]`` is the
    value of series ``s`` in category ``c``, bottom first). Zero segments are left out."""
    left, top = PLOT_LEFT, PLOT_TOP
    right, bottom = width - PLOT_RIGHT, height - AXIS_ROOM
    totals = [sum(values[c] for values in series) for c in range(len(categories))]
    if maximum is None:
        maximum, tick_values = integer_axis(max(totals, default=0))
    else:
        tick_values = ticks(maximum)
    span = bottom - top
    slot = (right - left) / max(1, len(categories))
    bar = slot * 0.7
    rects: list[Rect] = []
    for c in range(len(categories)):
        x = left + slot * c + (slot - bar) / 2
        base = bottom
        for s, values in enumerate(series):
            value = values[c]
            if value <= 0:
                continue
            h = span * value / maximum
            base -= h
            rects.append(Rect(round(x, 2), round(base, 2), round(bar, 2), round(h, 2), s, value, c))
    every = max(1, math.ceil(len(categories) / MAX_CATEGORY_LABELS))
    labels = [
        CategoryLabel(round(left + slot * c + slot / 2, 2), bottom + 8, text)
        for c, text in enumerate(categories)
        if c % every == 0
    ]
    return ColumnChart(
        width=width,
        height=height,
        plot=(left, top, right, bottom),
        rects=rects,
        ticks=[Tick(round(bottom - span * v / maximum, 2), v) for v in tick_values],
        labels=labels,
        maximum=maximum,
    )


def columns(
    categories: Sequence[str], values: Sequence[float], **options: float | None
) -> ColumnChart:
    """Plain columns: a stack of one series."""
    return stacked_columns(categories, [values], **options)


@dataclass(frozen=True)
class Row:
    y: float  # top of the bar
    width: float
    value: float
    label: str
    series: int


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one a row, names on the left and values at the end of each bar."""

    width: float
    height: float
    left: float
    right: float
    bar_height: float
    rows: list[Row]
    ticks: list[Tick]
    maximum: float


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: float = BAR_WIDTH,
    maximum: float | None = None,
    whole: bool = True,
    series: Sequence[int] | None = None,
) -> BarChart:
    """Bars for ``labels``/``values`` in the given order. ``maximum`` fixes the scale (e.g.
    1.0 for shares); else a nice maximum of the values, whole numbers when ``whole``.
    ``series`` gives each row's colour index (default: all 0)."""
    left, right = LABEL_ROOM, width - 64  # room at the end for the value
    if maximum is None:
        largest = max(values, default=0)
        maximum, tick_values = integer_axis(largest) if whole else _nice(largest)
    else:
        tick_values = ticks(maximum, 4)
    span = right - left
    rows = [
        Row(
            y=PLOT_TOP + n * (BAR_HEIGHT + BAR_GAP),
            width=round(span * min(value, maximum) / maximum, 2) if value > 0 else 0,
            value=value,
            label=label,
            series=series[n] if series is not None else 0,
        )
        for n, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    height = PLOT_TOP + len(rows) * (BAR_HEIGHT + BAR_GAP) + 24
    return BarChart(
        width=width,
        height=max(height, 60),
        left=left,
        right=right,
        bar_height=BAR_HEIGHT,
        rows=rows,
        ticks=[Tick(round(left + span * v / maximum, 2), v) for v in tick_values],
        maximum=maximum,
    )


def _nice(value: float) -> tuple[float, list[float]]:
    top = nice_maximum(value)
    return top, ticks(top, 4)
