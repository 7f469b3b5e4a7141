"""The dashboard's chart geometry: scales, ticks and bars, as plain numbers."""

from __future__ import annotations

import pytest

from app.admin import charts


@pytest.mark.parametrize(
    ("value", "maximum"),
    [(0, 1), (-3, 1), (0.07, 0.1), (0.3, 0.5), (1, 1), (3, 5), (7, 10), (11, 20), (23, 25),
     (26, 50), (480, 500), (1234, 2000), (float("nan"), 1)],
)  # fmt: skip
def test_nice_maximum_rounds_up_to_a_readable_number(value, maximum):
    assert charts.nice_maximum(value) == pytest.approx(maximum)


def test_ticks_split_the_axis_evenly():
    assert charts.ticks(20, 4) == [0, 5, 10, 15, 20]
    assert charts.ticks(0.1, 4) == [0, 0.025, 0.05, 0.075, 0.1]


def test_count_axes_use_whole_numbers():
    assert charts.integer_axis(3) == (3, [0, 1, 2, 3])
    assert charts.integer_axis(0) == (1, [0, 1])
    top, values = charts.integer_axis(42)
    assert top == 50 and values == [0, 10, 20, 30, 40, 50]
    assert all(v == int(v) for v in charts.integer_axis(230)[1])


def test_stacked_columns_stack_from_the_bottom_and_skip_zeros():
    chart = charts.stacked_columns(["1", "2"], [[2, 0], [1, 3]], width=200, height=150)
    left, top, right, bottom = chart.plot
    assert chart.maximum == 3
    first = [r for r in chart.rects if r.category == 0]
    assert [(r.series, r.value) for r in first] == [(0, 2), (1, 1)]
    # the lower segment sits on the axis, the next on top of it; heights add up to the total
    assert first[0].y + first[0].height == pytest.approx(bottom)
    assert first[1].y + first[1].height == pytest.approx(first[0].y)
    assert sum(r.height for r in first) == pytest.approx(bottom - top)
    second = [r for r in chart.rects if r.category == 1]
    assert [(r.series, r.value) for r in second] == [(1, 3)]
    assert all(left <= r.x and r.x + r.width <= right for r in chart.rects)
    assert chart.ticks[0].position == bottom and chart.ticks[-1].position == top


def test_many_categories_label_only_some():
    chart = charts.columns([str(n) for n in range(52)], [1] * 52)
    assert len(chart.labels) <= charts.MAX_CATEGORY_LABELS
    assert chart.labels[0].text == "0"


def test_empty_columns_still_have_an_axis():
    chart = charts.columns([], [])
    assert chart.rects == [] and chart.maximum == 1 and chart.ticks


def test_horizontal_bars_scale_to_the_maximum():
    chart = charts.horizontal_bars(["A", "B", "C"], [0.5, 1.2, 0], maximum=1.0, whole=False)
    span = chart.right - chart.left
    assert [row.width for row in chart.rows] == [pytest.approx(span / 2), span, 0]
    assert [row.label for row in chart.rows] == ["A", "B", "C"]
    assert chart.rows[1].y > chart.rows[0].y
    assert chart.height > chart.rows[-1].y + chart.bar_height
    assert [t.value for t in chart.ticks] == [0, 0.25, 0.5, 0.75, 1.0]


def test_horizontal_bars_pick_a_nice_whole_scale_and_colours():
    chart = charts.horizontal_bars(["x", "y"], [7, 3], series=[3, 4])
    assert chart.maximum == 10 and [r.series for r in chart.rows] == [3, 4]
    shares = charts.horizontal_bars(["x"], [0.07], whole=False)
    assert shares.maximum == pytest.approx(0.1)
