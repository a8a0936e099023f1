"""A certificate's balance over time as an SVG drawn on the server: no script, no network."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape

from ecert_edi.domain.quantities import quantity_text

WIDTH, HEIGHT, MARGIN = 720, 260, 48
LEFT = 96  # room for the allowance's figure beside the axis
MOST = 2_000  # points drawn: a longer history is drawn at every n-th activity, and its last
MARKED = 200  # a history this short gets a dot, with its figures, at each activity


def balance_chart(allowance: int, activities: Iterable[tuple[dt.date, int]],
                  issued: dt.date | None = None) -> str:
    """The balance after each activity, from the allowance at issue, as a step line."""
    points = [(issued, allowance)] + list(activities)
    if len(points) > MOST:
        step = -(-len(points) // MOST)
        points = points[::step] + ([points[-1]] if (len(points) - 1) % step else [])
    top = max([allowance, 1] + [b for _, b in points])
    span = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (WIDTH - LEFT - MARGIN) * i / span

    def y(balance: int) -> float:
        return HEIGHT - MARGIN + (2 * MARGIN - HEIGHT) * balance / top

    steps = [f"{x(0):.1f},{y(points[0][1]):.1f}"]
    for i in range(1, len(points)):
        steps += [f"{x(i):.1f},{y(points[i - 1][1]):.1f}", f"{x(i):.1f},{y(points[i][1]):.1f}"]
    dots = "" if len(points) > MARKED else "".join(
        f'<circle class="point" cx="{x(i):.1f}" cy="{y(b):.1f}" r="3" data-balance="{b}">'
        f"<title>{escape(_when(d))}: {escape(quantity_text(b))}</title></circle>"
        for i, (d, b) in enumerate(points))
    first, last = _when(points[0][0]), _when(points[-1][0])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="balance-chart" role="img"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f' data-points="{len(points)}" aria-label="Balance after each activity">'
        f"<title>Balance after each activity</title>"
        f'<line x1="{LEFT}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}"'
        f' y2="{HEIGHT - MARGIN}" stroke="#888"/>'
        f'<line x1="{LEFT}" y1="{MARGIN}" x2="{LEFT}" y2="{HEIGHT - MARGIN}" stroke="#888"/>'
        f'<line x1="{LEFT}" y1="{y(allowance):.1f}" x2="{WIDTH - MARGIN}"'
        f' y2="{y(allowance):.1f}" stroke="#bbb" stroke-dasharray="4 4"/>'
        f'<text x="{LEFT - 4}" y="{y(allowance) + 4:.1f}" text-anchor="end"'
        f' font-size="11">{escape(quantity_text(allowance))}</text>'
        f'<text x="{LEFT - 4}" y="{HEIGHT - MARGIN + 4}" text-anchor="end"'
        f' font-size="11">0</text>'
        f'<text x="{LEFT}" y="{HEIGHT - MARGIN + 18}" font-size="11">{escape(first)}</text>'
        f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - MARGIN + 18}" text-anchor="end"'
        f' font-size="11">{escape(last)}</text>'
        f'<polyline fill="none" stroke="#16324f" stroke-width="2"'
        f' points="{" ".join(steps)}"/>{dots}</svg>')


def _when(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "issued"
