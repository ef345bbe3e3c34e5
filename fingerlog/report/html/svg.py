"""Inline SVG charts: no script, no network, readable without colour.

Series are told apart by pattern as well as colour, every bar carries a
``<title>`` (a tooltip and what a screen reader says), and each chart comes
with its numbers as a table elsewhere on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH, HEIGHT = 720, 220
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 44, 36, 12

PATTERNS = """<defs>
<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="6" height="6" class="s-success"/><line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern>
</defs>"""


@dataclass(frozen=True, slots=True)
class Series:
    """One stacked series: a label, a CSS class (colour) and a fill (pattern)."""

    label: str
    css: str
    fill: str | None = None


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if factor * step >= value:
            return factor * step
    return 10 * step


def stacked_bars(days: list[date], values: list[list[int]], series: list[Series], *, title: str) -> str:
    """Bars per day, one stacked segment per series; ``values[s][d]`` is series s on day d."""
    totals = [sum(col) for col in zip(*values)] if values else []
    top = _nice_max(max(max(totals, default=0), 4))  # at least 4, so the ticks are whole builds
    plot_w, plot_h = WIDTH - MARGIN_LEFT - 8, HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_w / max(len(days), 1)
    bar_w = max(min(slot * 0.8, 40), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        PATTERNS,
        _y_axis(top, plot_h),
    ]
    for d, day in enumerate(days):
        x = MARGIN_LEFT + d * slot + (slot - bar_w) / 2
        base = 0
        for s, info in enumerate(series):
            count = values[s][d]
            if count <= 0:
                continue
            h = count / top * plot_h
            y = MARGIN_TOP + plot_h - (base + count) / top * plot_h
            fill = f' fill="url(#{info.fill})"' if info.fill else ""
            parts.append(
                f'<rect class="bar {info.css}"{fill} x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'data-day="{day.isoformat()}" data-series="{escape(info.label)}" data-value="{count}">'
                f"<title>{day.isoformat()}: {count} {escape(info.label)}</title></rect>"
            )
            base += count
    parts.append(_x_labels(days, slot))
    parts.append(_legend(series))
    parts.append("</svg>")
    return "".join(parts)


def rate_line(days: list[date], rates: list[float | None], *, title: str) -> str:
    """A 0-100 % line over days; days without a rate leave a gap."""
    plot_w, plot_h = WIDTH - MARGIN_LEFT - 8, HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_w / max(len(days), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _y_axis(100, plot_h, suffix="%"),
    ]
    segment: list[str] = []
    segments: list[list[str]] = []
    for d, (day, rate) in enumerate(zip(days, rates)):
        if rate is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        x = MARGIN_LEFT + d * slot + slot / 2
        y = MARGIN_TOP + plot_h - rate * plot_h
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" data-day="{day.isoformat()}" data-value="{rate:.4f}">'
            f"<title>{day.isoformat()}: {rate:.0%} classified</title></circle>"
        )
    if segment:
        segments.append(segment)
    parts.extend(f'<polyline class="line" points="{" ".join(points)}"/>' for points in segments)
    parts.append(_x_labels(days, slot))
    parts.append("</svg>")
    return "".join(parts)


def _y_axis(top: float, plot_h: float, *, suffix: str = "") -> str:
    ticks = []
    for i in range(5):
        value = top * i / 4
        y = MARGIN_TOP + plot_h - i / 4 * plot_h
        label = f"{value:g}{suffix}"
        ticks.append(
            f'<line class="grid" x1="{MARGIN_LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    return "".join(ticks)


def _x_labels(days: list[date], slot: float) -> str:
    every = max(1, len(days) // 8)
    y = HEIGHT - MARGIN_BOTTOM + 16
    return "".join(
        f'<text class="tick" x="{MARGIN_LEFT + d * slot + slot / 2:.1f}" y="{y}" text-anchor="middle">'
        f'{day.strftime("%m-%d")}</text>'
        for d, day in enumerate(days)
        if d % every == 0
    )


def _legend(series: list[Series]) -> str:
    items = []
    for i, info in enumerate(series):
        x = MARGIN_LEFT + i * 160
        fill = f' fill="url(#{info.fill})"' if info.fill else ""
        items.append(
            f'<rect class="{info.css}"{fill} x="{x}" y="{HEIGHT - 14}" width="12" height="12"/>'
            f'<text class="legend" x="{x + 16}" y="{HEIGHT - 4}">{escape(info.label)}</text>'
        )
    return "".join(items)
