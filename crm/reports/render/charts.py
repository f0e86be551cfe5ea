"""Charts drawn on the server as SVG (no CDN, no script), each beside the table it is drawn from.

Each chart is a figure with a table beside it on the page, so the numbers are readable without the picture (and by
screen readers).
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from crm.formatting import number

WIDTH = 640
BAR = 26
GAP = 8
LABEL_WIDTH = 210
COLOURS = ("#1d70b8", "#003078")  # GOV.UK blue and dark blue, alternating


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""  # e.g. the drop-off from the bar before
    text: str = ""  # the value as written beside the bar, when not the plain number (e.g. "£818.18")


def funnel(bars: list[Bar], title: str) -> str:
    """Horizontal bars, widest first: a stage-by-stage funnel, each bar labelled with its value and drop-off."""
    height = len(bars) * (BAR + GAP) + GAP
    top = max((b.value for b in bars), default=0) or 1
    texts = [f"{bar.text or number(bar.value)}{'  ' + bar.note if bar.note else ''}" for bar in bars]
    # Room after the longest bar for its value and note (about 7.5 px a character in bold 14 px type).
    room = min(WIDTH - LABEL_WIDTH - 100, 12 + 7.5 * max((len(text) for text in texts), default=0))
    plot = WIDTH - LABEL_WIDTH - room
    rows = []
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR + GAP)
        width = max(1.0, plot * bar.value / top) if bar.value else 0
        text = texts[index]
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR * 0.68:.1f}" text-anchor="end" class="hearth-chart__label">'
            f'{escape(bar.label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{COLOURS[index % 2]}"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR * 0.68:.1f}" class="hearth-chart__value">'
            f'{escape(text)}</text>')
    return _svg(title, WIDTH, height, "".join(rows))


def columns(bars: list[Bar], title: str) -> str:
    """Vertical bars in order: a trend by month or quarter."""
    height, base = 260, 220
    top = max((b.value for b in bars), default=0) or 1
    step = (WIDTH - 40) / max(len(bars), 1)
    width = max(4.0, step * 0.7)
    parts = [f'<line x1="20" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#0b0c0c"/>']
    for index, bar in enumerate(bars):
        x = 20 + index * step + (step - width) / 2
        h = (base - 30) * bar.value / top
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{width:.1f}" height="{h:.1f}" fill="{COLOURS[0]}"/>'
            f'<text x="{x + width / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" class="hearth-chart__value">'
            f'{number(bar.value)}</text>'
            f'<text x="{x + width / 2:.1f}" y="{base + 16}" text-anchor="middle" class="hearth-chart__label">'
            f'{escape(bar.label)}</text>')
    return _svg(title, WIDTH, height, "".join(parts))


def _svg(title: str, width: int, height: int, body: str) -> str:
    return (f'<svg class="hearth-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            f'{body}</svg>')


