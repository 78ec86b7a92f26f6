"""The dashboard's charts as SVG made on the server: no script library, nothing for the
browser to compute, and within the console's Content-Security-Policy (presentation
attributes, no inline style). Each chart is an image with a text alternative; its figures
are also in the tables beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 640, 200, 28
COLOURS = ("#1f5fa8", "#c0561d")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _scale(series: Sequence[Series]) -> float:
    top = max((v for s in series for v in s.values), default=0.0)
    return top if top > 0 else 1.0


def bars(labels: Sequence[str], series: Sequence[Series], title: str, unit: str = "") -> Markup:
    """Grouped vertical bars, one group per label (hours, buckets), one bar per series."""
    top = _scale(series)
    groups = max(len(labels), 1)
    slot = (WIDTH - 2 * PAD) / groups
    bar = max(slot / (len(series) + 1), 1.0)
    parts = [_frame(title)]
    for i, label in enumerate(labels):
        x0 = PAD + i * slot
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else 0
            height = (HEIGHT - 2 * PAD) * value / top
            x, y = x0 + j * bar + bar / 2, HEIGHT - PAD - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(s.name)} {escape(label)}: '
                f"{value:g}{escape(unit)}</title></rect>"
            )
        if groups <= 12 or i % max(groups // 12, 1) == 0:
            parts.append(
                f'<text x="{x0 + slot / 2:.1f}" y="{HEIGHT - 8}" font-size="10" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(_axis_top(top, unit))
    parts.append(_legend(series))
    parts.append("</svg>")
    return Markup("".join(parts))


def _frame(title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#555"/>'
    )


def _axis_top(top: float, unit: str) -> str:
    return (
        f'<text x="{PAD}" y="{PAD - 10}" font-size="10">max {top:g}{escape(unit)}</text>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{WIDTH - PAD}" y2="{PAD}" stroke="#ccc" '
        'stroke-dasharray="4 4"/>'
    )


def _legend(series: Sequence[Series]) -> str:
    parts = []
    for j, s in enumerate(series):
        x = WIDTH - PAD - 150 * (len(series) - j)
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[j % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="13" font-size="11">{escape(s.name)}</text>'
        )
    return "".join(parts)
