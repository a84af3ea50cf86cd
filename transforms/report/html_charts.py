"""report.html's drawing kit: escaping (the one way data reaches the page), numbers, colours and
the inline SVG charts (bars, histograms, the token histogram against the model's limit)."""
from __future__ import annotations

import html
import math

from tuneprep.transforms.steps.progress import compact
from tuneprep.transforms.steps.stats import NEAR_LIMIT, TOKEN_BUCKETS

GREEN, RED, BLUE, AMBER, GREY = "#2e7d4f", "#c0392b", "#3b6fb6", "#d98e04", "#9aa5b1"
# records left out by the user's own choice (--sample-to-quota, --records-with/-without), not
# refused: a neutral colour, never the dead letters' red
CHOSEN = "#8e9aaf"


def e(value) -> str:
    """Escaped text of any value: the one way data reaches the page."""
    return html.escape("" if value is None else str(value), quote=True)


def number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else e(value)


def pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "–"


# ---------------------------------------------------------------- charts (inline SVG)

def hbar_chart(rows: list[tuple[str, int, str]], width: int = 640, bar: int = 20,
               label_width: int = 170) -> str:
    """Horizontal bars: (label, value, colour) per row, the value printed after the bar."""
    if not rows:
        return '<p class="muted">nothing to show</p>'
    top = max(v for _, v, _ in rows) or 1
    room = width - label_width - 70
    height = len(rows) * (bar + 6) + 4
    out = [svg_open(width, height)]
    for i, (label, value, colour) in enumerate(rows):
        y = i * (bar + 6) + 2
        w = max(1.0, room * value / top) if value else 0
        short = label if len(label) <= 26 else label[:25] + "…"
        out.append(f'<text x="{label_width - 6}" y="{y + bar * 0.72:.1f}" text-anchor="end" '
                   f'font-size="12" fill="#1f2933">{e(short)}<title>{e(label)}</title></text>'
                   f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar}" rx="3" '
                   f'fill="{colour}"><title>{e(label)}: {value:,}</title></rect>'
                   f'<text x="{label_width + w + 6:.1f}" y="{y + bar * 0.72:.1f}" font-size="12" '
                   f'fill="#52606d">{value:,}</text>')
    out.append("</svg>")
    return "".join(out)


def vbar_chart(rows: list[tuple[str, int, str]], width: int = 520, height: int = 200,
               marker: tuple[float, str] | None = None, top: int | None = None) -> str:
    """Vertical bars (a histogram): (bucket label, count, colour). `marker` = (position in bars,
    label) draws a dashed vertical line, e.g. the model's limit between two buckets. top: the
    count of a full bar (charts drawn side by side share it), else the largest."""
    if not rows:
        return '<p class="muted">nothing to show</p>'
    top = max(top or 0, *(v for _, v, _ in rows)) or 1
    left, bottom, head = 8, 34, (34 if marker is not None else 18)
    plot_h = height - bottom - head
    step = (width - 2 * left) / len(rows)
    bar = step * 0.78
    out = [svg_open(width, height),
           f'<line x1="{left}" y1="{head + plot_h}" x2="{width - left}" y2="{head + plot_h}" '
           f'stroke="{GREY}"/>']
    for i, (label, value, colour) in enumerate(rows):
        x = left + i * step + (step - bar) / 2
        h = plot_h * value / top if value else 0
        if value and h < 1.5:
            h = 1.5
        y = head + plot_h - h
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" rx="2" '
                   f'fill="{colour}"><title>{e(label)}: {value:,}</title></rect>')
        if value:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                       f'font-size="11" fill="#52606d">{compact(value, thousands_digits=0)}</text>')
        out.append(f'<text x="{x + bar / 2:.1f}" y="{head + plot_h + 14}" text-anchor="middle" '
                   f'font-size="{10 if len(rows) > 9 else 11}" fill="#1f2933">{e(label)}</text>')
    if marker is not None:
        pos, text = marker
        x = left + pos * step
        anchor = "end" if pos > len(rows) * 0.6 else "start"
        dx = -4 if anchor == "end" else 4
        out.append(f'<line x1="{x:.1f}" y1="{head - 14}" x2="{x:.1f}" y2="{head + plot_h}" '
                   f'stroke="{RED}" stroke-width="2" stroke-dasharray="5 3"/>'
                   f'<text x="{x + dx:.1f}" y="{head - 18}" text-anchor="{anchor}" font-size="11" '
                   f'fill="{RED}">{e(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def svg_open(width: int, height: int) -> str:
    """A chart that shrinks with its column and never grows past its drawn size."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" style="max-width:{width}px;height:auto" role="img">')


def stacked_bar(parts: list[tuple[int, str]], width: int = 160, height: int = 12) -> str:
    total = sum(v for v, _ in parts)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">',
           f'<rect width="{width}" height="{height}" rx="2" fill="#e4e7eb"/>']
    x = 0.0
    for value, colour in parts:
        if total and value:
            w = width * value / total
            out.append(f'<rect x="{x:.1f}" width="{w:.1f}" height="{height}" fill="{colour}"/>')
            x += w
    out.append("</svg>")
    return "".join(out)


def _bound_label(n: int) -> str:
    """Token bucket bounds are powers of two: 1024 reads better as 1k than as 1,024."""
    return f"{n // 1024}k" if n >= 1024 and n % 1024 == 0 else f"{n:,}"




# ---------------------------------------------------------------- token histogram

def _bucket_bound(label: str) -> float:
    return float(label[2:]) if label.startswith("<=") else math.inf


def token_rows(histogram: dict, limit_tokens: int | None,
               beside: dict | None = None) -> tuple[list, tuple | None]:
    """Every bucket from the first to the last non-empty one (and up to the limit), coloured by
    whether it is under, near or over the limit; plus the limit marker's position. beside: a
    histogram drawn next to this one (chosen and rejected), whose buckets are spanned too so
    both charts line up."""
    labels = [f"<={b}" for b in TOKEN_BUCKETS] + [f">{TOKEN_BUCKETS[-1]}"]
    beside = beside or {}
    used = [i for i, label in enumerate(labels) if histogram.get(label) or beside.get(label)]
    if not used:
        return [], None
    first, last = used[0], used[-1]
    limit_index = None
    if limit_tokens:
        limit_index = next((i for i, b in enumerate(TOKEN_BUCKETS) if limit_tokens <= b),
                           len(TOKEN_BUCKETS))
        last = max(last, min(limit_index + 1, len(labels) - 1))
        first = min(first, limit_index)
    rows = []
    for i in range(first, last + 1):
        label = labels[i]
        colour = BLUE
        if limit_tokens:
            upper = _bucket_bound(label)
            lower = 0 if i == 0 else TOKEN_BUCKETS[i - 1]
            if lower >= limit_tokens:
                colour = RED
            elif upper > NEAR_LIMIT * limit_tokens:
                colour = AMBER
        rows.append(("≤" + _bound_label(int(label[2:])) if label.startswith("<=")
                     else ">" + _bound_label(TOKEN_BUCKETS[-1]), histogram.get(label, 0), colour))
    marker = None
    if limit_tokens and limit_index is not None:
        lower = 0 if limit_index == 0 else TOKEN_BUCKETS[limit_index - 1]
        upper = TOKEN_BUCKETS[limit_index] if limit_index < len(TOKEN_BUCKETS) else lower * 2
        pos = (limit_index - first) + (limit_tokens - lower) / (upper - lower)
        marker = (pos, f"model limit {limit_tokens:,} tokens")
    return rows, marker
