"""Researchers' reviews of events: confirm, reject or correct a field, kept in `corrections`; the gold export."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, get_args

import duckdb

from oversight.schemas.records import Action
from oversight.warehouse.db import sql, transaction

FIELDS = ("agency", "technology", "vendor", "action")
VERDICTS = ("confirmed", "rejected")
ACTIONS: tuple[str, ...] = get_args(Action)
MAX_NOTE = 2000
MAX_REVIEWER = 200


class ReviewError(ValueError):
    """A review that cannot be recorded: the message names the event or value and what to do."""


@dataclass(frozen=True)
class Correction:
    """One recorded correction."""

    correction_id: str
    article_id: str
    event_id: str | None
    field: str
    old_value: str | None
    new_value: str | None
    reviewer: str
    corrected_at: datetime
    note: str | None


def review_event(con: duckdb.DuckDBPyConnection, event_id: str, verdict: str, reviewer: str,
                 note: str | None = None) -> Correction:
    """Confirm or reject an event (in one transaction, retried if landing commits meanwhile)."""
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")

    def work() -> Correction:
        event = _event(con, event_id)
        return _add(con, event["article_id"], event_id, "review", event["review_state"], verdict, reviewer, note)

    return transaction(con, work, f"review of event {event_id}")


def correct_event(con: duckdb.DuckDBPyConnection, event_id: str, field: str, value: str | None, reviewer: str,
                  note: str | None = None) -> Correction:
    """Change an event's agency, technology, vendor (None or '' for no vendor) or action.

    Agencies, vendors and technologies are given by id or exact name and must be known to the warehouse.
    """
    if field not in FIELDS:
        raise ReviewError(f"field {field!r} cannot be corrected: one of {', '.join(FIELDS)}")
    value = (value or "").strip() or None

    def work() -> Correction:
        event = _event(con, event_id)
        new = _resolve(con, field, value)
        if field in ("agency", "technology"):
            _refuse_collision(con, event, field, new)
        old = event["agency_id" if field == "agency" else "vendor_id" if field == "vendor" else field]
        return _add(con, event["article_id"], event_id, field, old, new, reviewer, note)

    return transaction(con, work, f"correction of event {event_id}")


def review_article(con: duckdb.DuckDBPyConnection, article_id: str, verdict: str, reviewer: str,
                   note: str | None = None) -> Correction:
    """A verdict on every event of an article at once: rejected (it reports none), or confirmed (its events, even
    none, are right: a reviewed negative for the gold set)."""
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")

    def work() -> Correction:
        if not con.execute(sql("review_article_has"), {"article_id": article_id}).fetchall()[0][0]:
            raise ReviewError(f"no article {article_id!r} in the warehouse")
        return _add(con, article_id, None, "review", None, verdict, reviewer, note)

    return transaction(con, work, f"review of article {article_id}")


def _event(con: duckdb.DuckDBPyConnection, event_id: str) -> dict[str, Any]:
    cur = con.execute(sql("review_event"), {"event_id": event_id})
    row = cur.fetchone()
    if row is None:
        raise ReviewError(f"no event {event_id!r} in the warehouse (an event id is 32 hex characters; "
                          "`oversight query \"SELECT event_id, agency, technology FROM corrected_events\"` lists them)")
    return dict(zip([d[0] for d in cur.description or []], row, strict=True))


def _resolve(con: duckdb.DuckDBPyConnection, field: str, value: str | None) -> str | None:
    if field == "action":
        if value not in ACTIONS:
            raise ReviewError(f"action {value!r} is not one of {', '.join(ACTIONS)}")
        return value
    if value is None:
        if field == "vendor":
            return None
        raise ReviewError(f"an event needs a{'n' if field == 'agency' else ''} {field}: give one")
    found = [i for kind, i in con.execute(sql("review_choices"), {"value": value}).fetchall() if kind == field]
    if not found:
        raise ReviewError(f"{field} {value!r} is not known to the warehouse: give the id or exact name of one "
                          f"in the {'technologies' if field == 'technology' else field + 's'} table")
    if len(set(found)) > 1:
        raise ReviewError(f"{field} name {value!r} names {len(set(found))} {field}s: give the id instead "
                          f"({', '.join(sorted(set(found))[:5])})")
    return str(found[0])


def _refuse_collision(con: duckdb.DuckDBPyConnection, event: dict[str, Any], field: str, new: str | None) -> None:
    agency = new if field == "agency" else event["agency_id"]
    technology = new if field == "technology" else event["technology"]
    clash = con.execute(sql("review_collision"), {"article_id": event["article_id"], "event_id": event["event_id"],
                                                   "agency_id": agency, "technology": technology}).fetchall()
    if clash:
        raise ReviewError(f"the article already has event {clash[0][0]} for {agency} and {technology}: "
                          "confirm that one and reject this one instead")


def _add(con: duckdb.DuckDBPyConnection, article_id: str, event_id: str | None, field: str, old: str | None,
         new: str | None, reviewer: str, note: str | None) -> Correction:
    reviewer = reviewer.strip()
    if not reviewer or len(reviewer) > MAX_REVIEWER:
        raise ReviewError(f"a review needs a reviewer name of 1 to {MAX_REVIEWER} characters")
    note = (note or "").strip()[:MAX_NOTE] or None
    made = Correction(uuid.uuid4().hex, article_id, event_id, field, old, new, reviewer, datetime.now(UTC), note)
    con.execute(sql("review_add"), asdict(made))
    return made


def gold_documents(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The reviewed articles as documents of the evaluation contract (CONTRACT.md): id, title, text, published,
    gold. The gold holds the events that stand after review, and the agencies, vendors and technologies of those
    events; `url` and `reviewed` (review states) say where each came from."""
    articles = con.execute(sql("gold_articles")).fetchall()
    events: dict[str, list[tuple[Any, ...]]] = {}
    ids = [a[0] for a in articles]
    for row in con.execute(sql("gold_events"), {"article_ids": ids}).fetchall() if ids else []:
        events.setdefault(str(row[0]), []).append(row[1:])
    docs = []
    for article_id, url, title, text, published in articles:
        evs = events.get(str(article_id), [])
        docs.append({
            "id": article_id, "url": url, "title": title or "", "text": text or "", "published": published,
            "gold": {
                "agencies": [{"name": n, "state": s} for n, s in sorted({(e[0], e[1]) for e in evs},
                                                                      key=lambda p: (p[0], p[1] or ""))],
                "vendors": [{"name": v} for v in sorted({e[3] for e in evs if e[3]})],
                "technologies": sorted({e[2] for e in evs}),
                "events": [{"agency": e[0], "technology": e[2], "vendor": e[3], "action": e[4]} for e in evs],
            },
            "reviewed": sorted({e[5] for e in evs}) or ["no events"],
        })
    return docs
