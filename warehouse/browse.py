"""What the review pages and feeds read: the filtered events list, one event with its article marked up."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from oversight.warehouse.db import sql
from oversight.warehouse.review import ACTIONS

PAGE_SIZE = 50
MAX_PAGE = 2000  # deep offsets cost a scan each; a filter is the way further in
SORTS = ("date", "confidence", "confidence_asc")
REVIEW_STATES = ("needs", "unreviewed", "reviewed", "confirmed", "corrected", "rejected")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_STATE = re.compile(r"^[A-Z]{2}$")


class BadFilter(ValueError):
    """A filter value that cannot be used: the message names it."""


@dataclass(frozen=True)
class Filters:
    """The list's filters (None: any), sort and page; `from_query` checks values taken from a URL."""

    technology: str | None = None
    state: str | None = None
    agency: str | None = None
    vendor: str | None = None
    action: str | None = None
    week: str | None = None
    review: str | None = None
    sort: str = "date"
    page: int = 1

    @classmethod
    def from_query(cls, params: dict[str, str]) -> Filters:
        """Filters from query parameters; empty values mean no filter, anything else is checked."""
        got = {k: (params.get(k) or "").strip()[:200] or None for k in
               ("technology", "state", "agency", "vendor", "action", "week", "review", "sort")}
        if got["state"]:
            got["state"] = got["state"].upper()
            if not _STATE.match(got["state"]):
                raise BadFilter(f"state {got['state']!r} is not a two-letter code like TX")
        if got["week"] and not _WEEK.match(got["week"].upper()):
            raise BadFilter(f"week {got['week']!r} is not an ISO week like 2026-W09")
        if got["action"] and got["action"] not in (*ACTIONS, "adoption"):
            raise BadFilter(f"action {got['action']!r} is not one of adoption, {', '.join(ACTIONS)}")
        if got["review"] and got["review"] not in REVIEW_STATES:
            raise BadFilter(f"review {got['review']!r} is not one of {', '.join(REVIEW_STATES)}")
        sort = got.pop("sort") or "date"
        if sort not in SORTS:
            raise BadFilter(f"sort {sort!r} is not one of {', '.join(SORTS)}")
        try:
            page = min(MAX_PAGE, max(1, int(params.get("page") or 1)))
        except ValueError as exc:
            raise BadFilter(f"page {params.get('page')!r} is not a number") from exc
        return cls(**got, sort=sort, page=page)

    def query(self, **changes: Any) -> dict[str, str]:
        """The filters as query parameters (defaults left out), with changes applied: for links."""
        values = asdict(replace(self, **changes))
        return {k: str(v) for k, v in values.items()
                if v is not None and not (k == "sort" and v == "date") and not (k == "page" and v == 1)}

    def week_start(self) -> date | None:
        if not self.week:
            return None
        year, num = _WEEK.match(self.week.upper()).groups()  # type: ignore[union-attr]
        try:
            return date.fromisocalendar(int(year), int(num), 1)
        except ValueError as exc:
            raise BadFilter(f"week {self.week!r} does not exist") from exc


def _ids(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, str | None]:
    """Agency and vendor filters given by id or exact name, as ids (an unknown one matches nothing)."""
    out: dict[str, str | None] = {"agency_id": None, "vendor_id": None}
    for kind in ("agency", "vendor"):
        value = getattr(filters, kind)
        if value:
            found = [i for k, i in con.execute(sql("review_choices"), {"value": value}).fetchall() if k == kind]
            out[f"{kind}_id"] = str(found[0]) if found else value
    return out


def list_events(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = PAGE_SIZE,
                offset: int | None = None) -> list[dict[str, Any]]:
    """One page of the filtered, sorted events (one more than `limit` when a next page exists)."""
    start = (filters.page - 1) * limit if offset is None else offset
    week = filters.week_start()
    params: dict[str, Any] = {
        "technology": filters.technology, "state": filters.state, "action": filters.action,
        "week_from": datetime(week.year, week.month, week.day, tzinfo=UTC) if week else None,
        "week_to": datetime(week.year, week.month, week.day, tzinfo=UTC) + timedelta(days=7) if week else None,
        "review": filters.review or "", "sort": filters.sort, "limit": limit + 1, "offset": start,
        **_ids(con, filters),
    }
    return _dicts(con.execute(sql("web_events"), params))


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@dataclass
class Region:
    """A stretch of the article: inside the evidence sentence or not, as (text, mention label or None) parts."""

    evidence: bool
    parts: list[tuple[str, str | None, str | None]] = field(default_factory=list)


@dataclass
class EventPage:
    """Everything the event page shows."""

    event: dict[str, Any]
    document: list[Region]
    article_events: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    corrections: list[dict[str, Any]]
    choices: dict[str, list[tuple[str, str]]]


def event_page(con: duckdb.DuckDBPyConnection, event_id: str, timeline_limit: int = 50) -> EventPage | None:
    """The event, its article marked up, the article's other events, the agency's timeline, its corrections."""
    article_events = _dicts(con.execute(sql("web_article_events"), {"event_id": event_id}))
    found = [e for e in article_events if e["event_id"] == event_id]
    if not found:
        return None
    article = {"article_id": found[0]["article_id"]}
    texts = _dicts(con.execute(sql("web_article"), article))
    event = {**found[0], **(texts[0] if texts else {"url": None, "outlet": None, "title": None, "text": None,
                                                     "duplicate_of": None})}
    mentions = con.execute(sql("web_article_mentions"), article).fetchall()
    choices = choice_lists(con)
    choices["agency"] = sorted({(str(i), str(n)) for label, _, _, i, n in mentions if label == "agency"},
                               key=lambda c: c[1])
    return EventPage(
        event=event,
        document=mark_up(_document(event), event["evidence"], event["evidence_start"], event["evidence_end"],
                         [(int(s), int(e), str(label), str(name)) for label, s, e, _, name in mentions]),
        article_events=article_events,
        timeline=_timeline(con, event["agency_id"], timeline_limit),
        corrections=_dicts(con.execute(sql("web_event_corrections"), {"event_id": event_id, **article})),
        choices=choices,
    )


def choice_lists(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """(id, name) of every technology and vendor, by kind."""
    choices: dict[str, list[tuple[str, str]]] = {}
    for kind, ident, name in con.execute(sql("web_choices")).fetchall():
        choices.setdefault(str(kind), []).append((str(ident), str(name)))
    return choices


def _timeline(con: duckdb.DuckDBPyConnection, agency_id: str, limit: int) -> list[dict[str, Any]]:
    """The agency's latest events with their articles' titles; syndicated copies left out."""
    rows = _dicts(con.execute(sql("web_agency_timeline"), {"agency_id": agency_id, "limit": limit}))
    moved = [r[0] for r in con.execute(sql("web_agency_moved_ids"), {"agency_id": agency_id}).fetchall()]
    if moved:  # events a correction gave the agency: newest first with the rest
        rows += _dicts(con.execute(sql("web_agency_moved"), {"agency_id": agency_id, "event_ids": moved,
                                                             "limit": limit}))
        rows = sorted(sorted(rows, key=lambda r: r["event_id"]), key=lambda r: r["published"], reverse=True)[:limit]
    ids = sorted({r["article_id"] for r in rows})
    titles = {r["article_id"]: r for r in _dicts(con.execute(sql("web_article_titles"), {"article_ids": ids}))} \
        if ids else {}
    none = {"title": None, "outlet": None, "is_copy": False}
    return [{**r, **titles.get(r["article_id"], none)} for r in rows
            if not titles.get(r["article_id"], none)["is_copy"]]


def _document(event: dict[str, Any]) -> str:
    title = (event["title"] or "").strip()
    text = event["text"] or ""
    return f"{title}\n\n{text}" if title else text


def mark_up(document: str, evidence: str | None, start: int | None, end: int | None,
            mentions: list[tuple[int, int, str, str]]) -> list[Region]:
    """Split the document into regions (before, inside, after the evidence sentence), each with its mentions
    marked; spans outside the document or crossing a region's edge are clipped to it."""
    n = len(document)
    if start is None or end is None or not (0 <= start < end <= n):
        where = document.find(evidence) if evidence else -1
        start, end = (where, where + len(evidence or "")) if where >= 0 else (n, n)
    bounds = [(0, start, False), (start, end, True), (end, n, False)]
    regions = []
    for lo, hi, is_evidence in bounds:
        if hi <= lo:
            continue
        region, pos = Region(is_evidence), lo
        for s, e, label, name in sorted(mentions):
            s, e = max(s, pos, lo), min(e, hi)
            if s >= e:
                continue
            if s > pos:
                region.parts.append((document[pos:s], None, None))
            region.parts.append((document[s:e], label, name))
            pos = e
        if pos < hi:
            region.parts.append((document[pos:hi], None, None))
        regions.append(region)
    return regions
