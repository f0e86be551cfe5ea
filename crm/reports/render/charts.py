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
# Widths of 14 px GDS Transport, a little generous, so that labels placed apart by them never overlap.
CHARACTER, BOLD_CHARACTER = 7.5, 8.5
LINE = 13  # between the two lines of a wrapped label


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
            _wrapped_label(bar.label, LABEL_WIDTH - 8, y + BAR * 0.68) +
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{COLOURS[index % 2]}"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR * 0.68:.1f}" class="hearth-chart__value">'
            f'{escape(text)}</text>')
    return _svg(title, WIDTH, height, "".join(rows))


def _wrapped_label(label: str, x: float, y: float) -> str:
    """A bar's label ending at x, on two lines when it is too long for the label column (then cut short with an
    ellipsis, the whole label in its title), so that it never runs into the chart or off its left edge."""
    fits = int((x - 4) / CHARACTER)
    lines, line = [], ""
    for word in label.split():
        if line and len(line) + 1 + len(word) > fits:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if len(lines) > 2 or any(len(text) > fits for text in lines):
        lines = [*lines[:1], " ".join(lines[1:])][:2]
        lines = [text if len(text) <= fits else text[:fits - 1] + "\u2026" for text in lines]
    if len(lines) == 1:
        return f'<text x="{x}" y="{y:.1f}" text-anchor="end" class="hearth-chart__label">{escape(label)}</text>'
    spans = "".join(f'<tspan x="{x}" y="{y - LINE / 2 + index * LINE - 2:.1f}">{escape(text)}</tspan>'
                    for index, text in enumerate(lines))
    return (f'<text text-anchor="end" class="hearth-chart__label"><title>{escape(label)}</title>{spans}</text>')


def columns(bars: list[Bar], title: str) -> str:
    """Vertical bars in order: a trend by month or quarter. Where the bars are too narrow for their labels, the
    labels slant and the values stand upright, so that no two overlap."""
    values = [number(bar.value) for bar in bars]
    label_room = CHARACTER * max((len(bar.label) for bar in bars), default=0)
    value_room = BOLD_CHARACTER * max((len(value) for value in values), default=0)
    slanted = label_room > (WIDTH - 40) / max(len(bars), 1) - 4
    left = 20 + (min(label_room * 0.71, 160) if slanted else 0)  # room for the first slanted label
    step = (WIDTH - left - 20) / max(len(bars), 1)
    width = max(4.0, step * 0.7)
    upright = value_room > step - 2
    headroom = value_room + 8 if upright else 30
    base = 30 + 190 + headroom - 30
    height = base + (label_room * 0.71 + 16 if slanted else 26)
    top = max((b.value for b in bars), default=0) or 1
    parts = [f'<line x1="{left:.1f}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#0b0c0c"/>']
    for index, bar in enumerate(bars):
        x = left + index * step + (step - width) / 2
        middle, h = x + width / 2, (base - headroom) * bar.value / top
        value_at = (f'transform="translate({middle + 5:.1f} {base - h - 4:.1f}) rotate(-90)" text-anchor="start"'
                    if upright else f'x="{middle:.1f}" y="{base - h - 4:.1f}" text-anchor="middle"')
        label_at = (f'transform="translate({middle + 4:.1f} {base + 12}) rotate(-45)" text-anchor="end"'
                    if slanted else f'x="{middle:.1f}" y="{base + 16}" text-anchor="middle"')
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{width:.1f}" height="{h:.1f}" fill="{COLOURS[0]}"/>'
            f'<text {value_at} class="hearth-chart__value">{values[index]}</text>'
            f'<text {label_at} class="hearth-chart__label">{escape(bar.label)}</text>')
    return _svg(title, WIDTH, round(height), "".join(parts))


def _svg(title: str, width: int, height: int, body: str) -> str:
    return (f'<svg class="hearth-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            f'{body}</svg>')


