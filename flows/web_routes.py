"""The pages of `oversight web`: events list, event page, review, queue navigation, saved filters and the Atom
feeds."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

import duckdb
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from oversight.flows.web import REVIEWER_COOKIE, FormRefused, csrf_token, trusted_form
from oversight.schemas.settings import Settings
from oversight.warehouse import db
from oversight.warehouse.browse import (
    PAGE_SIZE,
    REVIEW_STATES,
    SORTS,
    BadFilter,
    Filters,
    choice_lists,
    event_page,
    list_events,
)
from oversight.warehouse.review import ACTIONS, FIELDS, ReviewError, correct_event, review_event
from oversight.warehouse.saved_filters import (
    SavedFilterError,
    check_name,
    delete_filter,
    find_filter,
    save_filter,
    saved_filters,
)

T = TypeVar("T")
FEED_ENTRIES = 50


class Pages:
    """Request handlers over one lake; reads use the shared read-only instance, writes a writer per review."""

    def __init__(self, settings: Settings, env: Environment) -> None:
        self.settings = settings
        self.lake = settings.lake
        self.env = env

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        page = self.env.get_template(template).render(csrf=csrf_token(request), actions=ACTIONS,
                                                      review_states=REVIEW_STATES, sorts=SORTS, **context)
        return HTMLResponse(page, status)

    def failure(self, request: Request, status: int, message: str) -> Response:
        return self.render(request, "error.html", status, message=message)

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One snapshot for all of a page's queries."""
        with db.snapshot_reader(self.lake) as con:
            yield con

    def _read(self, request: Request, work: Callable[[duckdb.DuckDBPyConnection], Response]) -> Response:
        try:
            with self.reading() as con:
                return work(con)
        except BadFilter as exc:
            return self.failure(request, 400, str(exc))
        except db.WarehouseError as exc:
            return self.failure(request, 503, str(exc))

    def events_list(self, request: Request) -> Response:
        def work(con: duckdb.DuckDBPyConnection) -> Response:
            filters = Filters.from_query(dict(request.query_params))
            rows = list_events(con, filters)
            technologies = choice_lists(con).get("technology", [])
            return self.render(request, "list.html", filters=filters, rows=rows[:PAGE_SIZE],
                               has_next=len(rows) > PAGE_SIZE, first=(filters.page - 1) * PAGE_SIZE,
                               technologies=technologies, saved=saved_filters(con),
                               message=request.query_params.get("message"))

        return self._read(request, work)

    def event(self, request: Request) -> Response:
        def work(con: duckdb.DuckDBPyConnection) -> Response:
            queue, pos = _queue(request.query_params.get("q")), _pos(request.query_params.get("pos"))
            page = event_page(con, request.path_params["event_id"][:64])
            if page is None:
                return self.failure(request, 404, "no such event (it may have been re-tagged away)")
            return self.render(request, "event.html", page=page, ev=page.event, queue=queue, pos=pos,
                               reviewer=self._reviewer(request), saved=request.query_params.get("saved"))

        return self._read(request, work)

    def queue(self, request: Request) -> Response:
        """The event at `pos` of a filtered list (the one after `from` when that one is still there)."""
        def work(con: duckdb.DuckDBPyConnection) -> Response:
            query = request.query_params.get("q") or ""
            filters = Filters.from_query(dict(parse_qsl(query)))
            return RedirectResponse(self._next_url(con, filters, query, _pos(request.query_params.get("pos")) or 0,
                                                   request.query_params.get("from")), 303)

        return self._read(request, work)

    def _next_url(self, con: duckdb.DuckDBPyConnection, filters: Filters, query: str, pos: int,
                  after: str | None) -> str:
        rows = list_events(con, filters, limit=1, offset=max(0, pos))
        if rows and after and rows[0]["event_id"] == after:
            rows, pos = rows[1:], pos + 1
        if not rows:
            return "/?" + urlencode({**dict(parse_qsl(query)), "message": "end of the queue"})
        return f"/events/{rows[0]['event_id']}?" + urlencode({"q": query, "pos": pos})

    async def review(self, request: Request) -> Response:
        event_id = request.path_params["event_id"][:64]
        try:
            form = await trusted_form(request)
        except FormRefused as exc:
            return self.failure(request, 403, f"refused: {exc}")
        reviewer = (form.get("reviewer") or "").strip()
        try:
            response = await run_in_threadpool(self._apply_review, event_id, form, reviewer)
        except ReviewError as exc:
            return self.failure(request, 400, f"not recorded: {exc}")
        except db.WarehouseError as exc:
            return self.failure(request, 503, f"not recorded: {exc}")
        if reviewer:
            response.set_cookie(REVIEWER_COOKIE, reviewer[:200], httponly=True, samesite="strict")
        return response

    def _apply_review(self, event_id: str, form: dict[str, str], reviewer: str) -> Response:
        verb, note, query = form.get("do", ""), form.get("note"), _queue(form.get("q"))
        pos = _pos(form.get("pos"))
        with db.writer(self.lake) as con:
            if verb in ("confirm", "reject"):
                review_event(con, event_id, "confirmed" if verb == "confirm" else "rejected", reviewer, note)
            elif verb == "correct":
                changed = self._corrections(con, event_id, form, reviewer, note)
                return RedirectResponse(f"/events/{event_id}?" + urlencode(
                    {"q": query, "pos": "" if pos is None else pos, "saved": changed or "nothing changed"}), 303)
            else:
                raise ReviewError(f"unknown review {verb!r}: confirm, reject or correct")
        if pos is None:
            return RedirectResponse(f"/events/{event_id}?saved={verb}ed", 303)
        with self.reading() as con:
            filters = Filters.from_query(dict(parse_qsl(query)))
            return RedirectResponse(self._next_url(con, filters, query, pos, event_id), 303)

    def _corrections(self, con: duckdb.DuckDBPyConnection, event_id: str, form: dict[str, str], reviewer: str,
                     note: str | None) -> str:
        """Record a correction for each field the form changed; say which."""
        current = con.execute(db.sql("review_event"), {"event_id": event_id}).fetchone()
        if current is None:
            raise ReviewError(f"no event {event_id!r} in the warehouse")
        _, _, agency_id, agency, technology, vendor_id, vendor, action, _ = current
        same = {"agency": (agency_id, agency), "technology": (technology,), "vendor": (vendor_id, vendor or ""),
                "action": (action,)}
        done = []
        for name in FIELDS:
            value = (form.get("set_" + name) or "").strip()
            if ("set_" + name) in form and value not in same[name]:
                made = correct_event(con, event_id, name, value, reviewer, note)
                done.append(f"{name} {made.old_value or '-'} -> {made.new_value or '-'}")
        return "; ".join(done)

    def feed(self, request: Request) -> Response:
        def work(con: duckdb.DuckDBPyConnection) -> Response:
            params = {k: v for k, v in request.query_params.items() if k not in ("page", "sort", "token")}
            filters = Filters.from_query(params)
            return self._atom(con, request, filters, "/feed.atom?" + urlencode(filters.query()), _feed_title(filters))

        return self._read(request, work)

    def _atom(self, con: duckdb.DuckDBPyConnection, request: Request, filters: Filters, path: str,
              title: str) -> Response:
        """The newest events of `filters` as an Atom feed whose id and self link are `path` on this site."""
        filters = replace(filters, sort="date", page=1)
        rows = list_events(con, filters, limit=FEED_ENTRIES)[:FEED_ENTRIES]
        base = str(request.base_url).rstrip("/")
        body = self.env.get_template("feed.xml").render(
            rows=rows, base=base, self_url=base + path, list_url=base + "/?" + urlencode(filters.query()),
            title=title)
        return Response(body, 200, media_type="application/atom+xml; charset=utf-8")

    async def save(self, request: Request) -> Response:
        """Save the list's filters (form field q) under a name (form field name); then show them."""
        try:
            form = await trusted_form(request)
            filters = Filters.from_query(dict(parse_qsl(form.get("q") or "")))
            name = check_name((form.get("name") or "").strip())
        except FormRefused as exc:
            return self.failure(request, 403, f"refused: {exc}")
        except (BadFilter, SavedFilterError) as exc:
            return self.failure(request, 400, f"not saved: {exc}")

        def work() -> None:
            with db.writer(self.lake) as con:
                save_filter(con, name, filters, self._reviewer(request))

        try:
            await run_in_threadpool(work)
        except db.WarehouseError as exc:
            return self.failure(request, 503, f"not saved: {exc}")
        return RedirectResponse(f"/saved/{name}", 303)

    async def delete_saved(self, request: Request) -> Response:
        """Forget a saved filter (its URLs then answer 404); back to the list with a message."""
        name = request.path_params["name"][:80]
        try:
            await trusted_form(request)
        except FormRefused as exc:
            return self.failure(request, 403, f"refused: {exc}")

        def work() -> bool:
            with db.writer(self.lake) as con:
                return delete_filter(con, name)

        try:
            deleted = await run_in_threadpool(work)
        except db.WarehouseError as exc:
            return self.failure(request, 503, f"not deleted: {exc}")
        message = f"deleted the saved filter {name}" if deleted else f"no saved filter named {name}"
        return RedirectResponse("/?" + urlencode({"message": message}), 303)

    def saved_list(self, request: Request) -> Response:
        """/saved/NAME: the events list of a saved filter (a stable link to whatever the name holds now)."""
        def work(con: duckdb.DuckDBPyConnection) -> Response:
            found = find_filter(con, request.path_params["name"][:80])
            if found is None:
                return self.failure(request, 404, "no saved filter of that name (it may have been deleted)")
            return RedirectResponse("/?" + urlencode(found.filters().query()), 303)

        return self._read(request, work)

    def saved_feed(self, request: Request) -> Response:
        """/saved/NAME.atom: the Atom feed of a saved filter, at a URL that stays when its filters change."""
        def work(con: duckdb.DuckDBPyConnection) -> Response:
            found = find_filter(con, request.path_params["name"][:80])
            if found is None:
                return self.failure(request, 404, "no saved filter of that name (it may have been deleted)")
            filters = replace(found.filters(), sort="date")
            return self._atom(con, request, filters, f"/saved/{found.name}.atom", _feed_title(filters, found.name))

        return self._read(request, work)

    def _reviewer(self, request: Request) -> str:
        return request.cookies.get(REVIEWER_COOKIE) or self.settings.reviewer or getpass.getuser()


def _feed_title(filters: Filters, name: str | None = None) -> str:
    said = ", ".join(f"{k} {v}" for k, v in filters.query().items())
    if name:
        return f"oversight: {name}" + (f" ({said})" if said else "")
    return "oversight events" + (f": {said}" if said else "")


def _queue(value: str | None) -> str:
    """The list query a page was opened from, kept to its known filter names."""
    keep = ("technology", "state", "agency", "vendor", "action", "week", "review", "sort")
    return urlencode([(k, v) for k, v in parse_qsl(value or "")[:20] if k in keep])


def _pos(value: str | None) -> int | None:
    try:
        return max(0, min(int(value or ""), 10_000_000))
    except ValueError:
        return None
