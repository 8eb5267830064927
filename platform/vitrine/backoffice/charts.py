"""Charts drawn on the server as inline SVG: geometry here, markup in backoffice/_chart_*.html, colours in
backoffice/dashboard.css (classes only: the CSP forbids inline styles). Every chart has its table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 400, 180, 16, 24, 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # the bar's value in words (an SVG <title>: a tooltip, read by screen readers)


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    peak: str  # the highest value, in words, written at the top left


def column_chart(
    values: Sequence[Decimal | int], labels: Sequence[str], titles: Sequence[str], *, peak: str
) -> ColumnChart:
    """Vertical bars, one per value (days), scaled to the highest; a few labels under the axis."""
    count = max(len(values), 1)
    top = max([Decimal(v) for v in values] + [Decimal(0)])
    room = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT) / count
    gap = min(step * 0.2, 4)
    bars = []
    for index, (value, title) in enumerate(zip(values, titles)):
        height = float(Decimal(value) / top * room) if top else 0.0
        bars.append(
            Bar(
                round(LEFT + index * step + gap / 2, 1),
                round(TOP + room - height, 1),
                round(step - gap, 1),
                round(height, 1),
                title,
            )
        )
    every = max(1, -(-count // 5))  # at most five labels under the axis
    ticks = [Tick(round(LEFT + i * step + step / 2, 1), labels[i]) for i in range(0, len(labels), every)]
    return ColumnChart(WIDTH, HEIGHT, float(TOP + room), bars, ticks, peak)


@dataclass(frozen=True)
class Row:
    y: float
    width: float
    label: str
    value: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    rows: list[Row]


def bar_chart(items: Sequence[tuple[str, int]], *, label_width: int = 150) -> BarChart:
    """Horizontal bars, one per (label, count), longest first as given."""
    top = max([count for _, count in items] + [0])
    room = WIDTH - label_width - 40
    rows = [
        Row(
            i * 26 + 4,
            round(count / top * room, 1) if top else 0.0,
            label if len(label) <= 22 else label[:21] + "…",
            str(count),
        )
        for i, (label, count) in enumerate(items)
    ]
    return BarChart(WIDTH, len(items) * 26 + 8, label_width, rows)
