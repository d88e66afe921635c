"""Charts drawn on the server as SVG: a bar per day, the figure in each bar's tooltip and
in a table beside it for screen readers. No chart library reaches the browser
(docs/decisions/0004-console-stack.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 920, 220
LEFT, RIGHT, BOTTOM, TOP = 44, 24, 24, 12


def _nice_top(peak: int) -> int:
    """The y axis's top: 1, 2 or 5 times a power of ten, at or above the peak."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= peak:
                return step * factor
        step *= 10


def daily_bars(points: Sequence[tuple[date, int]], label: str) -> Markup:
    """One bar per day, oldest left; the y axis from zero to a round top."""
    top = _nice_top(max((count for _, count in points), default=0) or 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(points), 1)
    base = TOP + plot_h
    parts = [f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>']
    for fraction in (0.5, 1.0):
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{round(top * fraction)}</text>"
        )
    parts.append(
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + plot_h + 4}" text-anchor="end">0</text>'
    )
    for n, (day, count) in enumerate(points):
        height = plot_h * count / top
        x = LEFT + n * slot + slot * 0.15
        parts.append(
            f'<rect class="day" x="{x:.1f}" y="{TOP + plot_h - height:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{height:.1f}">'
            f"<title>{day.isoformat()}: {count}</title></rect>"
        )
        if n % 7 == (len(points) - 1) % 7:  # label today and every week back from it
            parts.append(
                f'<text class="tick" x="{x + slot * 0.35:.1f}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{day.strftime("%b %d")}</text>'
            )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">' + "".join(parts) + "</svg>"
    )
