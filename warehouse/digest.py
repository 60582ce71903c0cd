"""The weekly digest: Markdown, self-contained HTML with inline SVG charts, and the week's events as CSV.

Everything in the files comes from the warehouse and the week asked for (no generation time), and every
list has a total order, so re-running a week on the same data writes byte-identical files.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb

from warehouse.db import current_snapshot, sql
from warehouse.export import neutralise_cell

Row = tuple[Any, ...]
EVENT_COLUMNS = ["agency", "state", "technology", "vendor", "action", "date", "evidence", "url"]
ADOPTION_COLUMNS = ["agency", "state", "technology", "vendor", "action", "date", "evidence", "article"]
UNCONFIRMED_TITLE = "Unconfirmed adoptions (need review)"
UNCONFIRMED_NOTE = ("First reports whose event the tagger is not confident about (needs_review: a negation, "
                    "a plan or another agency may have been misread); check the evidence before citing them.")
VOLUME_FIELDS = ["articles", "outlets", "syndicated_copies", "stories", "stories_with_events", "events"]


@dataclass
class Digest:
    """What one week's digest says; the writers only format it."""

    week: str
    week_start: date
    volume: dict[str, int]
    new_adoptions: list[Row] = field(default_factory=list)
    bans: list[Row] = field(default_factory=list)
    rising: list[Row] = field(default_factory=list)
    vendors: list[Row] = field(default_factory=list)
    agencies: list[Row] = field(default_factory=list)
    trend: dict[str, list[int]] = field(default_factory=dict)
    states: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    # New adoptions whose event needs review (confidence below the tagger's threshold), listed apart.
    unconfirmed: list[Row] = field(default_factory=list)
    # Where `oversight web` serves event pages: event rows then end with the link to their page.
    web_url: str | None = None
    # The lake snapshot it was built from: `oversight digest --as-of` with it rebuilds these very bytes.
    snapshot: int | None = None

    @property
    def provenance(self) -> str:
        """The sentence that says which snapshot the digest read and how to rebuild it ("" if not known)."""
        if self.snapshot is None:
            return ""
        return (f"Built from snapshot {self.snapshot} of the warehouse; `oversight digest --week {self.week} "
                f"--as-of {self.snapshot}` rebuilds exactly this digest.")

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def trend_weeks(self) -> list[date]:
        return [self.week_start - timedelta(weeks=11 - i) for i in range(12)]

    @property
    def is_empty(self) -> bool:
        return not self.events and not self.volume["articles"]


def parse_week(week: str) -> date:
    """Monday of an ISO week written 'YYYY-Www' (e.g. 2026-W09)."""
    try:
        year, num = week.upper().split("-W")
        return date.fromisocalendar(int(year), int(num), 1)
    except ValueError as exc:
        raise ValueError(f"week {week!r} is not an ISO week like 2026-W09") from exc


def week_label(monday: date) -> str:
    """'YYYY-Www' of the ISO week containing a date."""
    year, num, _ = monday.isocalendar()
    return f"{year}-W{num:02d}"


def last_complete_week(today: date | None = None) -> str:
    """The ISO week before the current one (UTC)."""
    today = today or datetime.now(UTC).date()
    return week_label(today - timedelta(days=today.weekday() + 7))


def build_digest(con: duckdb.DuckDBPyConnection, week: str, web_url: str | None = None) -> Digest:
    """Query the views for one ISO week; with `web_url`, each event row ends with the link to its page."""
    monday = parse_week(week)
    label = week_label(monday)

    def rows(name: str) -> list[Row]:
        found = [tuple(r) for r in con.execute(sql(name), {"week": monday}).fetchall()]
        if name not in _EVENT_QUERIES:
            return found
        # The event's id (last column) becomes the link to its review page, or goes when there is no web address.
        return [(*r[:-1], f"{web_url}/events/{r[-1]}" if r[-1] else "") if web_url else r[:-1] for r in found]

    volume = dict(zip(VOLUME_FIELDS, (int(v) for v in rows("digest_volume")[0]), strict=True))
    trend: dict[str, list[int]] = {}
    for technology, _, articles in rows("digest_trend"):
        trend.setdefault(technology, []).append(int(articles))
    adoptions = rows("digest_new_adoptions")
    return Digest(label, monday, volume, [r[1:] for r in adoptions if not r[0]], rows("digest_bans"),
                  rows("digest_rising"), rows("digest_vendors"), rows("digest_agencies"), trend, rows("digest_states"),
                  rows("digest_events"), unconfirmed=[r[1:] for r in adoptions if r[0]], web_url=web_url,
                  snapshot=current_snapshot(con))


_EVENT_QUERIES = ("digest_new_adoptions", "digest_bans", "digest_events")


def event_header(header: list[str], digest: Digest) -> list[str]:
    """The columns of a table of events: with a web address, a last `page` column links each to its page."""
    return [*header, "page"] if digest.web_url else header


def write_digest(con: duckdb.DuckDBPyConnection, week: str | None, out_dir: Path,
                 web_url: str | None = None) -> list[Path]:
    """Write digest-<week>.md, digest-<week>.html and events-<week>.csv; return their paths. With `web_url`
    (where `oversight web` serves), every event links to its review page."""
    from warehouse.digest_html import render_html

    digest = build_digest(con, week or last_complete_week(), web_url)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        out_dir / f"digest-{digest.week}.md": render_markdown(digest),
        out_dir / f"digest-{digest.week}.html": render_html(digest),
        out_dir / f"events-{digest.week}.csv": render_csv(digest),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8", newline="")
    return list(files)


def render_csv(digest: Digest) -> str:
    """Every event of the week, one row each."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(event_header(EVENT_COLUMNS, digest))
    writer.writerows(["" if v is None else neutralise_cell(v) if isinstance(v, str) else v for v in row]
                     for row in digest.events)
    return buf.getvalue()


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown (also published as the Prefect artifact)."""
    lines = [f"# oversight weekly digest, {digest.week} ({digest.week_start} to {digest.week_end})", ""]
    provenance = [f"_{digest.provenance}_", ""] if digest.provenance else []
    if digest.is_empty:
        return "\n".join([*lines, "Nothing was collected this week: no articles and no events.", "", *provenance])
    for title, body in sections(digest):
        lines += [f"## {title}", "", *body, ""]
    return "\n".join([*lines, *provenance])


def sections(digest: Digest) -> list[tuple[str, list[str]]]:
    """(title, Markdown lines) of each section, in reading order."""
    v = digest.volume
    volume = [f"{v['articles']} articles from {v['outlets']} outlets ({v['syndicated_copies']} syndicated copies, "
              f"{v['stories']} distinct stories); {v['events']} events in {v['stories_with_events']} stories."]
    return [
        ("New adoptions", _table(event_header(ADOPTION_COLUMNS, digest), digest.new_adoptions,
                                 "No confident row: no agency adopted a technology for the first time, "
                                 "or every such row needs review.")),
        (UNCONFIRMED_TITLE, [UNCONFIRMED_NOTE, "", *_table(event_header(ADOPTION_COLUMNS, digest), digest.unconfirmed,
                                                         "No unconfirmed adoption.")]),
        ("Bans and cancellations", _table(event_header(ADOPTION_COLUMNS, digest), digest.bans,
                                          "No bans, endings or rejections.")),
        ("Rising technologies", _table(["technology", "stories this week", "weekly mean, 12 weeks before"],
                                       digest.rising, "No technology rose above its 12-week mean.")),
        ("Most active vendors", _table(["vendor", "events", "agencies", "technologies"], digest.vendors,
                                       "No vendor was named in an event.")),
        ("Most covered agencies", _table(["agency", "state", "stories", "events", "technologies"], digest.agencies,
                                         "No agency was in an event.")),
        ("The week's volume", volume),
    ]


def _table(header: list[str], rows: list[Row], empty: str) -> list[str]:
    if not rows:
        return [f"_{empty}_"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [_md_link(str(v)) if h in ("article", "page") and v else _md_cell(v)
                 for h, v in zip(header, row, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _md_cell(value: Any) -> str:
    """A table cell as Markdown text: article text can hold HTML or Markdown links, which must stay text."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).translate(_MD_ESCAPES)


def _md_link(url: str) -> str:
    """A link to an article; only http(s), with the characters that could end the link or the cell escaped."""
    if not url.startswith(("http://", "https://")):
        return _md_cell(url)
    return f"[link]({quote(url, safe=_URL_SAFE)})"


# Raw HTML (`<script>`, `<img onerror>`, autolinks) and Markdown link and image syntax from article text are
# escaped; a table cell stays on one line. (Emphasis is left alone: it cannot run or link anything.)
_MD_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "<": "&lt;", ">": "&gt;",
                             "&": "&amp;", "\n": " ", "\r": " "})
# URL characters kept as they are; parentheses, brackets, spaces, quotes and angle brackets are %-escaped.
_URL_SAFE = ":/?#@!$&'*+,;=%~-._"
