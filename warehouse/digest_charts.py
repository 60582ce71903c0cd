"""Inline SVG charts for the digest, written by hand: no plotting library, no fonts or scripts to fetch.

Hand-written SVG (instead of matplotlib) keeps the output byte-stable across runs and versions and keeps
the page self-contained; the charts are simple enough that a library would add weight, not clarity.
"""

from __future__ import annotations

from datetime import date
from html import escape

# Okabe & Ito's palette for colour-blind readers (deuteranopia, protanopia, tritanopia), in an order where
# neighbours differ in lightness too; its yellow is left out (it vanishes on white). Lines also get a dash
# pattern of their own and a direct label, so no reading depends on colour alone.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9", "#882255"]
DASHES = ["", "6 3", "2 2", "8 3 2 3", "", "6 3", "2 2", "8 3 2 3"]
# Vendor activity: adoptions, proposals and pilots, bans/ends/rejections.
KIND_COLOURS = ("#0072B2", "#E69F00", "#D55E00")
KIND_LABELS = ("adoptions", "proposals and pilots", "bans, ends and rejections")

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


def trend_chart(series: dict[str, list[int]], weeks: list[date]) -> str:
    """Lines of weekly stories per technology over the weeks given, each labelled at its end (no legend)."""
    width, height, left, right, top_pad, bottom = 760, 320, 40, 210, 16, 36
    chosen = list(series.items())
    peak = max([1, *(v for _, values in chosen for v in values)])
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / max(1, len(weeks) - 1)

    def y_of(v: int) -> float:
        return top_pad + plot_h - v / peak * plot_h

    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" '
            'stroke="#888"/>',
            f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" font-size="11">{peak}</text>',
            f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="11">0</text>']
    for i, week in enumerate(weeks):
        if i % 3 == 0 or i == len(weeks) - 1:
            body.append(f'<text x="{left + i * step:.1f}" y="{height - 14}" text-anchor="middle" '
                        f'font-size="10">{week.strftime("%m-%d")}</text>')
    label_ys = _spread([y_of(values[-1]) for _, values in chosen], 13, top_pad + 4, top_pad + plot_h + 4)
    for n, ((technology, values), label_y) in enumerate(zip(chosen, label_ys, strict=True)):
        colour, dash = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)]
        points = " ".join(f"{left + i * step:.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        end_x, end_y = left + (len(values) - 1) * step, y_of(values[-1])
        body.append(f'<polyline class="series" data-technology="{escape(technology)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2.5"{dashed} points="{points}"/>'
                    f'<line x1="{end_x + 2:.1f}" y1="{end_y:.1f}" x2="{end_x + 10:.1f}" y2="{label_y - 4:.1f}" '
                    f'stroke="{colour}"/>'
                    f'<text class="label" x="{end_x + 12:.1f}" y="{label_y:.1f}" font-size="12" fill="{colour}">'
                    f'{escape(technology)} ({values[-1]})</text>')
    if not chosen:
        body.append(f'<text x="{left + 10}" y="{height / 2:.0f}" font-size="13">No technology mentioned '
                    "in these 12 weeks.</text>")
    return _svg(width, height, "Stories per technology, last 12 weeks", body)


def _spread(ys: list[float], gap: float, low: float, high: float) -> list[float]:
    """Label positions near `ys`, in the same order, at least `gap` apart and within [low, high] when they fit."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed: dict[int, float] = {}
    last = low - gap
    for i in order:
        placed[i] = max(ys[i] + 4, last + gap)
        last = placed[i]
    overflow = last - high
    if overflow > 0:  # push the stack back up, never above the top
        shift = min(overflow, min(placed.values(), default=low) - low)
        placed = {i: y - shift for i, y in placed.items()}
    return [placed[i] for i in range(len(ys))]


def vendor_chart(vendors: list[tuple[object, ...]]) -> str:
    """Horizontal bars per vendor, split into adoptions, proposals and pilots, and bans, ends and rejections;
    each part carries its count and a key names the parts (vendor rows: name, adoptions, pending, ended, ...)."""
    width, bar_h, left, top = 760, 24, 190, 30
    height = max(70, top + 8 + bar_h * len(vendors))
    peak = max([1, *(int(str(r[1])) + int(str(r[2])) + int(str(r[3])) for r in vendors)])
    scale = (width - left - 60) / peak
    body, x = [], 8.0
    for colour, label in zip(KIND_COLOURS, KIND_LABELS, strict=True):
        body.append(f'<rect x="{x:.0f}" y="6" width="12" height="12" fill="{colour}"/>'
                    f'<text x="{x + 16:.0f}" y="16" font-size="12">{label}</text>')
        x += 28 + 7 * len(label)
    for i, row in enumerate(vendors):
        y, at = top + i * bar_h, float(left)
        body.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" font-size="12">{escape(str(row[0]))}</text>')
        for colour, count in zip(KIND_COLOURS, (int(str(v)) for v in row[1:4]), strict=True):
            if not count:
                continue
            w = count * scale
            ink = "#fff" if colour != "#E69F00" else "#000"
            body.append(f'<rect x="{at:.1f}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{colour}"/>'
                        f'<text x="{at + w / 2:.1f}" y="{y + 16}" text-anchor="middle" font-size="11" '
                        f'fill="{ink}">{count}</text>')
            at += w
    if not vendors:
        body.append(f'<text x="16" y="{top + 20}" font-size="13">No vendor was named in an event this week.</text>')
    return _svg(width, height, "Vendor activity this week", body)


def state_map(counts: dict[str, int]) -> str:
    """A tile map of the US shaded by the count of each state (e.g. new adoptions)."""
    size, gap = 44, 4
    width, height = 12 * (size + gap) + 8, 8 * (size + gap) + 8
    peak = max([1, *counts.values()])
    body = []
    for state, (row, col) in sorted(STATE_TILES.items()):
        n = counts.get(state, 0)
        shade = "#eeeeee" if n == 0 else f"rgba(0,114,178,{0.25 + 0.75 * n / peak:.2f})"
        x, y = 4 + col * (size + gap), 4 + row * (size + gap)
        ink = "#fff" if n and n / peak > 0.5 else "#222"  # dark tiles get light text
        body.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="4" fill="{shade}">'
                    f"<title>{state}: {n}</title></rect>"
                    f'<text x="{x + size / 2:.0f}" y="{y + 20}" text-anchor="middle" font-size="12" '
                    f'fill="{ink}">{state}</text>'
                    f'<text x="{x + size / 2:.0f}" y="{y + 36}" text-anchor="middle" font-size="11" fill="{ink}">'
                    f'{n if n else ""}</text>')
    return _svg(width, height, "New adoptions per state", body)
