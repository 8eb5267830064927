"""Charts drawn on the server as inline SVG: geometry here, markup in backoffice/_chart_*.html, colours in
backoffice/dashboard.css (classes only: the CSP forbids inline styles). Every chart has its table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

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


# --- Markup: written here rather than in a template loop, which costs ~1 ms per ten bars (365 days:
# 0.5 s of template rendering). Every text is escaped; numbers are written with a dot whatever the language.


def _n(value: float) -> str:
    return f"{value:g}"


def column_chart_svg(chart: ColumnChart, *, id: str, caption: str, tone: str) -> SafeString:
    parts = [
        f'<svg class="chart-svg" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{escape(id)}-title" focusable="false">',
        f'<title id="{escape(id)}-title">{escape(caption)} ({escape(chart.peak)})</title>',
        f'<line class="chart-axis" x1="0" y1="{_n(chart.baseline)}" x2="{chart.width}" y2="{_n(chart.baseline)}"/>',
    ]
    parts += [
        f'<rect class="chart-bar {escape(tone)}" x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.width)}" '
        f'height="{_n(b.height)}"><title>{escape(b.title)}</title></rect>'
        for b in chart.bars
    ]
    parts += [
        f'<text class="chart-label" x="{_n(max(t.x, LEFT))}" y="{chart.height - 8}" '
        f'text-anchor="{"start" if t.x < 20 else "middle"}">{escape(t.label)}</text>'
        for t in chart.ticks
    ]
    parts.append(f'<text class="chart-label" x="4" y="11">{escape(chart.peak)}</text></svg>')
    return mark_safe("".join(parts))  # noqa: S308 (built above, every text escaped)


def bar_chart_svg(chart: BarChart, *, id: str, caption: str, tone: str) -> SafeString:
    parts = [
        f'<svg class="chart-svg" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{escape(id)}-title" focusable="false">',
        f'<title id="{escape(id)}-title">{escape(caption)}</title>',
    ]
    for row in chart.rows:
        parts.append(
            f'<text class="chart-label" x="{chart.label_width - 6}" y="{_n(row.y + 15)}" text-anchor="end">'
            f"{escape(row.label)}</text>"
            f'<rect class="chart-bar {escape(tone)}" x="{chart.label_width}" y="{_n(row.y)}" width="{_n(row.width)}" '
            f'height="20"><title>{escape(row.label)} : {escape(row.value)}</title></rect>'
            f'<text class="chart-value" x="{_n(chart.label_width + row.width + 6)}" y="{_n(row.y + 15)}">'
            f"{escape(row.value)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (built above, every text escaped)
