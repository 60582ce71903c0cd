"""The digest as one self-contained HTML page: inline CSS and SVG, no scripts, fonts or remote assets."""

from __future__ import annotations

from html import escape
from typing import Any

from warehouse.digest import ADOPTION_COLUMNS, UNCONFIRMED_NOTE, UNCONFIRMED_TITLE, Digest, Row, event_header
from warehouse.digest_charts import bar_chart, state_map, trend_chart

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } .empty { color: #666; font-style: italic; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; }
.volume { font-size: 1.1em; }
"""

ADOPTION_HEADER = ADOPTION_COLUMNS


def render_html(digest: Digest) -> str:
    """The whole page."""
    title = f"oversight weekly digest, {digest.week}"
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>')
    intro = f"<h1>{escape(title)}</h1><p>{digest.week_start} to {digest.week_end}</p>"
    provenance = f'<p class="provenance">{escape(digest.provenance)}</p>' if digest.provenance else ""
    if digest.is_empty:
        return f'{head}<body>{intro}<p class="empty">Nothing was collected this week: no articles and no events.</p>' \
               f"{provenance}</body></html>\n"
    return f"{head}<body>{intro}{''.join(_sections(digest))}{provenance}</body></html>\n"


def _sections(digest: Digest) -> list[str]:
    v = digest.volume
    states = {str(s): int(n) for s, n in digest.states}
    vendors = [(str(r[0]), int(r[1])) for r in digest.vendors]
    events_header = event_header(ADOPTION_HEADER, digest)
    return [
        _section("New adoptions", _table(events_header, digest.new_adoptions,
                                         "No confident row: no agency adopted a technology for the first time, "
                                         "or every such row needs review.")
                 + _figure(state_map(states), "New adoptions per state (tile map).")),
        _section(UNCONFIRMED_TITLE, f"<p>{escape(UNCONFIRMED_NOTE)}</p>"
                 + _table(events_header, digest.unconfirmed, "No unconfirmed adoption.")),
        _section("Bans and cancellations", _table(events_header, digest.bans, "No bans, endings or rejections.")),
        _section("Rising technologies", _table(["technology", "stories this week", "weekly mean, 12 weeks before"],
                                               digest.rising, "No technology rose above its 12-week mean.")
                 + _figure(trend_chart(digest.trend, digest.trend_weeks),
                           "Stories per technology, the 12 weeks to this one (syndicated copies count once).")),
        _section("Most active vendors", _figure(bar_chart(vendors, "Events naming each vendor"), "Events naming "
                                                "each vendor this week.")
                 + _table(["vendor", "events", "agencies", "technologies"], digest.vendors,
                          "No vendor was named in an event.")),
        _section("Most covered agencies", _table(["agency", "state", "stories", "events", "technologies"],
                                                 digest.agencies, "No agency was in an event.")),
        _section("The week's volume", f'<p class="volume">{v["articles"]} articles from {v["outlets"]} outlets '
                 f'({v["syndicated_copies"]} syndicated copies, {v["stories"]} distinct stories); {v["events"]} '
                 f'events in {v["stories_with_events"]} stories.</p>'),
    ]


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _table(header: list[str], rows: list[Row], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(h, v) for h, v in zip(header, row, strict=True)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "<td></td>"
    if column in ("article", "page"):
        text = "source" if column == "article" else "review"
        return f'<td><a href="{escape(str(value))}">{text}</a></td>'
    if isinstance(value, float):
        return f"<td>{value:.2f}</td>"
    return f"<td>{escape(str(value))}</td>"
