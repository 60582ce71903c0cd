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

from oversight.warehouse.db import current_snapshot, sql
from oversight.warehouse.export import neutralise_cell

Row = tuple[Any, ...]
# The events CSV: every event of the week, each with the digest section that lists it and the article behind it.
EVENT_COLUMNS = ["section", "needs_review", "agency", "state", "technology", "vendor", "action", "date", "evidence",
                 "title", "outlet", "url"]
UNCONFIRMED_TITLE = "Unconfirmed adoptions (need review)"
UNCONFIRMED_NOTE = ("First reports whose event the tagger is not confident about (needs_review: a negation, "
                    "a plan or another agency may have been misread); check the evidence before citing them.")
PENDING_NOTE = ("Proposals and pilots reported this week: decisions still to come (a council vote, the end of a "
                "trial).")
SUMMARY_FIELDS = ["stories", "events", "agencies", "states", "new_adoptions", "pending", "ended", "articles",
                  "outlets", "syndicated_copies", "stories_with_events"]
# "Rising" is stated, not guessed: at least this many stories in the week, and at least RISING_RATIO times the
# technology's weekly mean over the 12 weeks before (a single story against a mean of 0 is not a trend).
RISING_MIN_STORIES = 3
RISING_RATIO = 2.0
RISING_RULE = (f"Rising: at least {RISING_MIN_STORIES} stories this week and at least {RISING_RATIO:g} times the "
               "technology's weekly mean over the 12 weeks before (syndicated copies count once).")
# Event columns each section shows; the last, `article`, is the story's title linked to it, with outlet and date.
ROW_COLUMNS = ["agency", "state", "technology", "vendor", "action", "evidence", "article"]
CHART_TECHNOLOGIES = 8


@dataclass(frozen=True)
class EventRow:
    """One event of the week as the digest lists it."""

    section: str  # new_adoption, pending, ended or continuing
    needs_review: bool
    agency: str
    state: str | None
    technology: str
    vendor: str | None
    action: str
    date: str
    evidence: str
    title: str | None
    outlet: str | None
    url: str | None
    page: str | None = None  # the event's review page, where `oversight web` serves

    def cells(self) -> list[Any]:
        return [self.agency, self.state, self.technology, self.vendor, self.action, self.evidence]

    def csv_row(self) -> list[Any]:
        return [self.section, str(self.needs_review).lower(), self.agency, self.state, self.technology, self.vendor,
                self.action, self.date, self.evidence, self.title, self.outlet, self.url,
                *([self.page] if self.page is not None else [])]


@dataclass
class Digest:
    """What one week's digest says; the writers only format it."""

    week: str
    week_start: date
    # Each SUMMARY_FIELDS number for the week, and its weekly mean over the 12 weeks before.
    volume: dict[str, int]
    prior_mean: dict[str, float] = field(default_factory=dict)
    events: list[EventRow] = field(default_factory=list)
    rising: list[Row] = field(default_factory=list)
    vendors: list[Row] = field(default_factory=list)
    agencies: list[Row] = field(default_factory=list)
    trend: dict[str, list[int]] = field(default_factory=dict)
    states: list[Row] = field(default_factory=list)
    # Where `oversight web` serves event pages: each event then links to its page.
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

    def section(self, name: str, needs_review: bool | None = None) -> list[EventRow]:
        return [e for e in self.events if e.section == name and needs_review in (None, e.needs_review)]

    @property
    def new_adoptions(self) -> list[EventRow]:
        return self.section("new_adoption", needs_review=False)

    @property
    def unconfirmed(self) -> list[EventRow]:
        return self.section("new_adoption", needs_review=True)

    @property
    def charted(self) -> dict[str, list[int]]:
        """The technologies the trend chart draws: every one the digest calls rising, then the most covered."""
        named = [str(r[0]) for r in self.rising if str(r[0]) in self.trend]
        rest = [t for t in self.trend if t not in named]
        return {t: self.trend[t] for t in [*named, *rest][:max(CHART_TECHNOLOGIES, len(named))]}


def plural(n: int | float, one: str, many: str | None = None) -> str:
    """'1 story', '3 stories', '0 events'."""
    word = one if n == 1 else many or one + "s"
    return f"{n:g} {word}" if isinstance(n, float) else f"{n} {word}"


def summary(digest: Digest) -> str:
    """The paragraph that opens the digest: the week's numbers, then the same numbers' weekly means over the
    12 weeks before, then what is rising."""
    v, m = digest.volume, digest.prior_mean
    words = {"stories": ("story", "stories"), "events": ("event", None), "agencies": ("agency", "agencies"),
             "states": ("state", None), "new_adoptions": ("new adoption", None),
             "pending": ("pending decision", None), "ended": ("ban, end or rejection", "bans, ends and rejections")}

    def n(key: str, number: int | float) -> str:
        one, many = words[key]
        return plural(number, one, many) if isinstance(number, int) else f"{number:.1f} {many or one + 's'}"

    unconfirmed = len(digest.unconfirmed)
    to_check = f" ({unconfirmed} unconfirmed)" if unconfirmed else ""
    week = (f"This week oversight read {n('stories', v['stories'])} from {plural(v['outlets'], 'outlet')}, with "
            f"{n('events', v['events'])} involving {n('agencies', v['agencies'])} in {n('states', v['states'])}: "
            f"{n('new_adoptions', v['new_adoptions'])}{to_check}, {n('pending', v['pending'])} (proposals and "
            f"pilots) and {n('ended', v['ended'])}.")
    means = "; ".join(n(key, m.get(key, 0.0)) for key in words)
    return f"{week} Weekly means over the 12 weeks before: {means}. {rising_sentence(digest)}"


def rising_sentence(digest: Digest) -> str:
    if not digest.rising:
        return "No technology was rising by the digest's rule."
    names = ", ".join(f"{r[0]} ({plural(int(r[1]), 'story', 'stories')})" for r in digest.rising)
    return f"Rising: {names}."


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
    """Query the views for one ISO week; with `web_url`, each event links to its review page."""
    monday = parse_week(week)
    label = week_label(monday)

    def rows(name: str, **extra: Any) -> list[Row]:
        return [tuple(r) for r in con.execute(sql(name), {"week": monday, **extra}).fetchall()]

    weeks = [dict(zip(SUMMARY_FIELDS, (int(v) for v in r[1:]), strict=True)) for r in rows("digest_summary")]
    volume, before = weeks[0], weeks[1:]
    prior_mean = {key: sum(w[key] for w in before) / len(before) for key in SUMMARY_FIELDS}
    trend: dict[str, list[int]] = {}
    for technology, _, articles in rows("digest_trend"):
        trend.setdefault(technology, []).append(int(articles))
    events = [_event(r, web_url) for r in rows("digest_events")]
    return Digest(label, monday, volume, prior_mean, events,
                  rows("digest_rising", min_stories=RISING_MIN_STORIES, ratio=RISING_RATIO),
                  rows("digest_vendors"), rows("digest_agencies"), trend, rows("digest_states"), web_url,
                  current_snapshot(con))


def _event(row: Row, web_url: str | None) -> EventRow:
    section, needs_review, agency, state, technology, vendor, action, day, evidence, title, outlet, url, event_id = row
    # With a web address every event links to its review page ("" when it has no id to link).
    page = (f"{web_url}/events/{event_id}" if event_id else "") if web_url else None
    return EventRow(section, bool(needs_review), agency, state, technology, vendor, action, day, evidence, title,
                    outlet, url, page)


def write_digest(con: duckdb.DuckDBPyConnection, week: str | None, out_dir: Path,
                 web_url: str | None = None) -> list[Path]:
    """Write digest-<week>.md, digest-<week>.html and events-<week>.csv; return their paths. With `web_url`
    (where `oversight web` serves), every event links to its review page."""
    from oversight.warehouse.digest_html import render_html

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
    """Every event of the week, one row each, with the section that lists it and its article: the rows of the
    Markdown and HTML digests, and the events they leave out (`continuing`: use already reported before)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(event_header(EVENT_COLUMNS, digest))
    writer.writerows(["" if v is None else neutralise_cell(v) if isinstance(v, str) else v for v in e.csv_row()]
                     for e in digest.events)
    return buf.getvalue()


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown (also published as the Prefect artifact)."""
    lines = [f"# oversight weekly digest, {digest.week} ({digest.week_start} to {digest.week_end})", ""]
    provenance = [f"_{digest.provenance}_", ""] if digest.provenance else []
    if digest.is_empty:
        return "\n".join([*lines, "Nothing was collected this week: no articles and no events.", "", *provenance])
    lines += [_md_cell(summary(digest)), ""]
    for title, body in sections(digest):
        lines += [f"## {title}", "", *body, ""]
    return "\n".join([*lines, *provenance])


# (title, note, rows or None, empty text) of each event section, in reading order.
def event_sections(digest: Digest) -> list[tuple[str, str, list[EventRow], str]]:
    return [
        ("New adoptions", "", digest.new_adoptions,
         "No confident row: no agency was first reported using or buying a technology, or every such row needs "
         "review."),
        (UNCONFIRMED_TITLE, UNCONFIRMED_NOTE, digest.unconfirmed, "No unconfirmed adoption."),
        ("Pending decisions", PENDING_NOTE, digest.section("pending"), "No proposal or pilot."),
        ("Bans, ends and rejections", "", digest.section("ended"), "No ban, end or rejection."),
    ]


VENDOR_COLUMNS = ["vendor", "adoptions", "proposals and pilots", "bans, ends and rejections", "agencies",
                  "technologies"]
AGENCY_COLUMNS = ["agency", "state", "stories", "events", "technologies"]
RISING_COLUMNS = ["technology", "stories this week", "weekly mean, 12 weeks before"]


def volume_sentence(digest: Digest) -> str:
    v = digest.volume
    return (f"{plural(v['articles'], 'article')} from {plural(v['outlets'], 'outlet')} "
            f"({plural(v['syndicated_copies'], 'syndicated copy', 'syndicated copies')}, "
            f"{plural(v['stories'], 'distinct story', 'distinct stories')}); {plural(v['events'], 'event')} in "
            f"{plural(v['stories_with_events'], 'story', 'stories')}.")


def sections(digest: Digest) -> list[tuple[str, list[str]]]:
    """(title, Markdown lines) of each section, in reading order."""
    found: list[tuple[str, list[str]]] = []
    for title, note, rows, empty in event_sections(digest):
        found.append((title, [*([note, ""] if note else []),
                              *_event_table(rows, empty, event_header(ROW_COLUMNS, digest))]))
    return [
        *found,
        ("Rising technologies", [RISING_RULE, "", *_table(RISING_COLUMNS, digest.rising,
                                                          "No technology rose by this rule.")]),
        ("Vendor activity", _table(VENDOR_COLUMNS, digest.vendors, "No vendor was named in an event.")),
        ("Most covered agencies", _table(AGENCY_COLUMNS, digest.agencies, "No agency was in an event.")),
        ("The week's volume", [volume_sentence(digest)]),
    ]


def event_header(header: list[str], digest: Digest) -> list[str]:
    """The columns of a table of events: with a web address, a last `page` column links each to its page."""
    return [*header, "page"] if digest.web_url else header


def _event_table(rows: list[EventRow], empty: str, header: list[str]) -> list[str]:
    if not rows:
        return [f"_{empty}_"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for e in rows:
        page = [_md_link(e.page, "review") if e.page else ""] if e.page is not None else []
        lines.append("| " + " | ".join([*(_md_cell(v) for v in e.cells()), _md_article(e), *page]) + " |")
    return lines


def _md_link(url: str, text: str) -> str:
    """A link; only http(s), with the characters that could end the link or the cell escaped."""
    if not url.startswith(("http://", "https://")):
        return _md_cell(text)
    return f"[{_md_cell(text)}]({quote(url, safe=_URL_SAFE)})"


def _md_article(e: EventRow) -> str:
    return f"{_md_link(e.url or '', e.title or '(untitled)')}, {_md_cell(e.outlet or 'unknown outlet')}, {e.date}"


def _table(header: list[str], rows: list[Row], empty: str) -> list[str]:
    if not rows:
        return [f"_{empty}_"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return lines


def _md_cell(value: Any) -> str:
    """A table cell as Markdown text: article text can hold HTML or Markdown links, which must stay text."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).translate(_MD_ESCAPES)


# Raw HTML (`<script>`, `<img onerror>`, autolinks) and Markdown link and image syntax from article text are
# escaped; a table cell stays on one line. (Emphasis is left alone: it cannot run or link anything.)
_MD_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "<": "&lt;", ">": "&gt;",
                             "&": "&amp;", "\n": " ", "\r": " "})
# URL characters kept as they are; parentheses, brackets, spaces, quotes and angle brackets are %-escaped.
_URL_SAFE = ":/?#@!$&'*+,;=%~-._"
