"""The digest as one self-contained HTML page: inline CSS and SVG, no scripts, fonts or remote assets.

It says what the Markdown says, section by section (the same summary, rows, rule and numbers), plus charts.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from oversight.warehouse.digest import (
    AGENCY_COLUMNS,
    RISING_COLUMNS,
    RISING_RULE,
    ROW_COLUMNS,
    VENDOR_COLUMNS,
    Digest,
    EventRow,
    Row,
    event_header,
    event_sections,
    summary,
    volume_sentence,
)
from oversight.warehouse.digest_charts import state_map, trend_chart, vendor_chart

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1040px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } .empty { color: #666; font-style: italic; } .note { color: #444; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; }
.summary { font-size: 1.1em; line-height: 1.5; background: #f6f8fa; padding: 0.8em 1em; border-left: 4px solid #0072B2; }
.source { color: #555; font-size: 0.9em; }
"""

_CODE = re.compile(r"`([^`<>]*)`")


def render_html(digest: Digest) -> str:
    """The whole page."""
    title = f"oversight weekly digest, {digest.week}"
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>')
    intro = f"<h1>{escape(title)}</h1><p>{digest.week_start} to {digest.week_end}</p>"
    # The sentence is Markdown: its `command` becomes <code> (it is built from a week and a number, not article text).
    sentence = _CODE.sub(r"<code>\1</code>", escape(digest.provenance))
    provenance = f'<p class="provenance">{sentence}</p>' if digest.provenance else ""
    if digest.is_empty:
        return f'{head}<body>{intro}<p class="empty">Nothing was collected this week: no articles and no events.</p>' \
               f"{provenance}</body></html>\n"
    opening = f'<p class="summary">{escape(summary(digest))}</p>'
    return f"{head}<body>{intro}{opening}{''.join(_sections(digest))}{provenance}</body></html>\n"


def _sections(digest: Digest) -> list[str]:
    states = {str(s): int(n) for s, n in digest.states}
    found = []
    for title, note, rows, empty in event_sections(digest):
        body = (f'<p class="note">{escape(note)}</p>' if note else "") + _event_table(
            rows, empty, event_header(ROW_COLUMNS, digest))
        if title == "New adoptions":
            body += _figure(state_map(states), "New adoptions per state (tile map).")
        found.append(_section(title, body))
    return [
        *found,
        _section("Rising technologies", f'<p class="note">{escape(RISING_RULE)}</p>'
                 + _table(RISING_COLUMNS, digest.rising, "No technology rose by this rule.")
                 + _figure(trend_chart(digest.charted, digest.trend_weeks),
                           "Stories per technology, the 12 weeks to this one (syndicated copies count once); "
                           "every technology named as rising is drawn.")),
        _section("Vendor activity", _figure(vendor_chart(digest.vendors), "Events naming each vendor this week: "
                                            "adoptions apart from proposals and pilots and from bans, ends and "
                                            "rejections.")
                 + _table(VENDOR_COLUMNS, digest.vendors, "No vendor was named in an event.")),
        _section("Most covered agencies", _table(AGENCY_COLUMNS, digest.agencies, "No agency was in an event.")),
        _section("The week's volume", f"<p>{escape(volume_sentence(digest))}</p>"),
    ]


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _event_table(rows: list[EventRow], empty: str, header: list[str]) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in e.cells()) + f"<td>{_article(e)}</td>" + _page(e) + "</tr>"
                   for e in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _page(e: EventRow) -> str:
    if e.page is None:
        return ""
    return f'<td><a href="{escape(e.page)}">review</a></td>' if e.page else "<td></td>"


def _article(e: EventRow) -> str:
    title = escape(e.title or "(untitled)")
    if e.url and e.url.startswith(("http://", "https://")):
        title = f'<a href="{escape(e.url)}">{title}</a>'
    return f'{title}<br><span class="source">{escape(e.outlet or "unknown outlet")}, {escape(e.date)}</span>'


def _table(header: list[str], rows: list[Row], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, float):
        return f"<td>{value:.2f}</td>"
    return f"<td>{escape(str(value))}</td>"
