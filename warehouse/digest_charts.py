"""Inline SVG charts for the digest, written by hand: no plotting library, no fonts or scripts to fetch.

Hand-written SVG (instead of matplotlib) keeps the output byte-stable across runs and versions and keeps
the page self-contained; the charts are simple enough that a library would add weight, not clarity.
"""

from __future__ import annotations

from datetime import date
from html import escape

PALETTE = ["#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8e6c8a", "#30638e", "#a05195"]

# A tile grid of the US: (row, column) of each state, so a state map needs no geometry files.
STATE_TILES = {
    "AK": (0, 0), "ME": (0, 11), "VT": (1, 10), "NH": (1, 11),
    "WA": (2, 1), "ID": (2, 2), "MT": (2, 3), "ND": (2, 4), "MN": (2, 5), "IL": (2, 6), "WI": (2, 7),
    "MI": (2, 8), "NY": (2, 9), "RI": (2, 10), "MA": (2, 11),
    "OR": (3, 1), "NV": (3, 2), "WY": (3, 3), "SD": (3, 4), "IA": (3, 5), "IN": (3, 6), "OH": (3, 7),
    "PA": (3, 8), "NJ": (3, 9), "CT": (3, 10),
    "CA": (4, 1), "UT": (4, 2), "CO": (4, 3), "NE": (4, 4), "MO": (4, 5), "KY": (4, 6), "WV": (4, 7),
    "VA": (4, 8), "MD": (4, 9), "DE": (4, 10),
    "AZ": (5, 2), "NM": (5, 3), "KS": (5, 4), "AR": (5, 5), "TN": (5, 6), "NC": (5, 7), "SC": (5, 8),
    "DC": (5, 9),
    "OK": (6, 4), "LA": (6, 5), "MS": (6, 6), "AL": (6, 7), "GA": (6, 8),
    "HI": (7, 0), "TX": (7, 4), "FL": (7, 9),
}


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
            f"<title>{escape(label)}</title>" + "".join(body) + "</svg>")


def trend_chart(series: dict[str, list[int]], weeks: list[date], top: int = 6) -> str:
    """Lines of weekly stories per technology over the weeks given (the most mentioned `top` technologies)."""
    width, height, left, right, top_pad, bottom = 640, 300, 40, 170, 16, 36
    chosen = list(series.items())[:top]
    peak = max([1, *(v for _, values in chosen for v in values)])
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / max(1, len(weeks) - 1)

    def xy(i: int, v: int) -> str:
        return f"{left + i * step:.1f},{top_pad + plot_h - v / peak * plot_h:.1f}"

    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" '
            'stroke="#888"/>',
            f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" font-size="11">{peak}</text>',
            f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="11">0</text>']
    for i, week in enumerate(weeks):
        if i % 3 == 0 or i == len(weeks) - 1:
            body.append(f'<text x="{left + i * step:.1f}" y="{height - 14}" text-anchor="middle" '
                        f'font-size="10">{week.strftime("%m-%d")}</text>')
    for n, (technology, values) in enumerate(chosen):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(xy(i, v) for i, v in enumerate(values))
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        y = top_pad + 12 + n * 18
        body.append(f'<rect x="{width - right + 12}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{width - right + 28}" y="{y}" font-size="11">{escape(technology)}</text>')
    if not chosen:
        body.append(f'<text x="{left + 10}" y="{height / 2:.0f}" font-size="13">No technology mentioned '
                    "in these 12 weeks.</text>")
    return _svg(width, height, "Stories per technology, last 12 weeks", body)


def bar_chart(items: list[tuple[str, int]], label: str) -> str:
    """Horizontal bars, largest first."""
    width, bar_h, left = 640, 22, 190
    height = max(60, 16 + bar_h * len(items))
    peak = max([1, *(v for _, v in items)])
    body = []
    for i, (name, value) in enumerate(items):
        y = 8 + i * bar_h
        w = (width - left - 60) * value / peak
        body.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" font-size="12">{escape(name)}</text>'
                    f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{PALETTE[0]}"/>'
                    f'<text x="{left + w + 6:.1f}" y="{y + 14}" font-size="12">{value}</text>')
    if not items:
        body.append('<text x="16" y="34" font-size="13">Nothing to chart this week.</text>')
    return _svg(width, height, label, body)


def state_map(counts: dict[str, int]) -> str:
    """A tile map of the US shaded by the count of each state (e.g. new adoptions)."""
    size, gap = 44, 4
    width, height = 12 * (size + gap) + 8, 8 * (size + gap) + 8
    peak = max([1, *counts.values()])
    body = []
    for state, (row, col) in sorted(STATE_TILES.items()):
        n = counts.get(state, 0)
        shade = "#eeeeee" if n == 0 else f"rgba(209,73,91,{0.25 + 0.75 * n / peak:.2f})"
        x, y = 4 + col * (size + gap), 4 + row * (size + gap)
        body.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="4" fill="{shade}">'
                    f"<title>{state}: {n}</title></rect>"
                    f'<text x="{x + size / 2:.0f}" y="{y + 20}" text-anchor="middle" font-size="12">{state}</text>'
                    f'<text x="{x + size / 2:.0f}" y="{y + 36}" text-anchor="middle" font-size="11">'
                    f'{n if n else ""}</text>')
    return _svg(width, height, "New adoptions per state", body)
