"""Named filters of the review pages: a researcher saves the events list's filters under a name and follows
them at a stable URL (the list and its Atom feed), even after the filters behind the name change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

import duckdb

from oversight.warehouse.browse import Filters
from oversight.warehouse.db import sql, transaction

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


class SavedFilterError(ValueError):
    """A name or filter that cannot be saved: the message names it."""


@dataclass(frozen=True)
class SavedFilter:
    name: str
    query: str  # URL query parameters, as Filters.query() gives them
    saved_by: str | None
    saved_at: datetime

    def filters(self) -> Filters:
        """The saved filters, checked again (a rule may have tightened since they were saved)."""
        return Filters.from_query(dict(parse_qsl(self.query)))


def check_name(name: str) -> str:
    """The name if it can be part of a URL path as it is, else SavedFilterError naming it."""
    if not _NAME.fullmatch(name):
        raise SavedFilterError(f"filter name {name[:80]!r}: use lower-case letters, digits and hyphens "
                               "(at most 60, starting with a letter or digit), e.g. face-recognition-wa")
    return name


def save_filter(con: duckdb.DuckDBPyConnection, name: str, filters: Filters, saved_by: str | None) -> SavedFilter:
    """Save `filters` (page left out) under `name`, replacing what the name held, in one transaction."""
    params = {"name": check_name(name), "query": urlencode(filters.query(page=1)), "saved_by": saved_by}

    def work() -> None:
        con.execute(sql("saved_filter_forget"), {"name": name})
        con.execute(sql("saved_filter_add"), params)

    transaction(con, work, f"saving filter {name}")
    found = find_filter(con, name)
    assert found is not None  # committed just above
    return found


def delete_filter(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Forget the filter of that name; whether there was one."""
    def work() -> bool:
        return bool(con.execute(sql("saved_filter_forget"), {"name": name}).fetchall()[0][0])

    return transaction(con, work, f"deleting filter {name}")


def saved_filters(con: duckdb.DuckDBPyConnection, name: str | None = None) -> list[SavedFilter]:
    """Every saved filter (or the one named), by name."""
    return [SavedFilter(*row) for row in con.execute(sql("saved_filters"), {"name": name}).fetchall()]


def find_filter(con: duckdb.DuckDBPyConnection, name: str) -> SavedFilter | None:
    found = saved_filters(con, name)
    return found[0] if found else None
