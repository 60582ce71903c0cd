"""Full-text search over article titles and text: DuckDB's fts extension (BM25) in its own file beside the lake.

The fts index cannot live in the lake (`PRAGMA create_fts_index` fails on a DuckLake table), so it is a plain
DuckDB file (`LakeLocation.search_path`) holding a copy of each article's id, title and text plus the index
tables (schema fts_main_articles) that PRAGMA create_fts_index fills once and never updates. Rebuilding costs
about 0.2 ms per article, so `refresh_search_index` adds only the articles changed since the lake snapshot the
index was last brought to (from the lake's own change feed), with the extension's tokenize macro, stopwords and
stemmer (search_add.sql). A test checks that the incremental index scores exactly like a fresh build.

Nobody waits for a refresh: it copies the current file, updates the copy and renames it over the original, so
`oversight search` keeps reading the previous version meanwhile and landing never touches the file; a killed
refresh leaves the previous index whole (and a stray copy that the next refresh overwrites). Two refreshes at
once: the second sees the first's lock and leaves the work to it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from schemas.settings import LakeLocation
from warehouse import lake
from warehouse.db import reader, sql
from warehouse.duckfile import quote_literal

log = logging.getLogger(__name__)

FTS_SCHEMA = "fts_main_articles"
ALIAS = "search"


class SearchIndexMissing(RuntimeError):
    """The warehouse has no full-text index yet."""


@dataclass(frozen=True)
class SearchHit:
    """One article matching a search, with its tags."""

    score: float
    article_id: str
    published: datetime | None
    outlet: str | None
    title: str | None
    url: str
    entities: list[str]
    technologies: list[str]


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from the duckdb-extension-fts wheel; never from the network."""
    lake.load_extension(con, "duckdb_extension_fts", "fts")


def has_index(con: duckdb.DuckDBPyConnection, database: str = ALIAS) -> bool:
    """Whether the attached search file holds the full-text index."""
    found = con.execute("SELECT count(*) FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?",
                        [database, FTS_SCHEMA]).fetchall()
    return bool(found[0][0])


def _current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute(f"SELECT id FROM {lake.ALIAS}.current_snapshot()").fetchall()[0][0])


def _indexed_snapshot(con: duckdb.DuckDBPyConnection) -> int | None:
    found = con.execute(f"SELECT max(indexed_snapshot) FROM {ALIAS}.search_index_state").fetchall()[0][0]
    return None if found is None else int(found)


def pending_articles(con: duckdb.DuckDBPyConnection) -> int:
    """Articles landed or re-landed since the last refresh (all of them when there is no index).

    `con` has the lake attached and the search file attached as `search` (see `searching`).
    """
    if not has_index(con):
        return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])
    upto, now = _indexed_snapshot(con), _current_snapshot(con)
    if upto is None or upto >= now:
        return 0
    return int(con.execute(sql("search_changed"), [upto + 1, now]).fetchall()[0][0])


@contextmanager
def searching(location: LakeLocation) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the lake with the current search index attached as `search`."""
    if not location.search_path.exists():
        raise SearchIndexMissing("no full-text index yet: it is built when articles land (or run `oversight search`"
                                 " again once a run has landed articles)")
    with reader(location, shared=False) as con:  # the attached file is this connection's alone
        load_fts(con)
        con.execute(f"ATTACH {quote_literal(str(location.search_path))} AS {ALIAS} (READ_ONLY)")
        yield con


def refresh_search_index(location: LakeLocation) -> int:
    """Bring the full-text index up to date with the lake; return how many articles were (re)indexed.

    It costs one small query when no article changed, and otherwise a copy of the index file plus time
    proportional to the changed articles. Returns 0 at once if another process is refreshing.
    """
    location.search_path.parent.mkdir(parents=True, exist_ok=True)
    with open(location.search_path.with_name(location.search_path.name + ".lock"), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("the search index is being refreshed by another process; leaving it to that one")
            return 0
        return _refresh_locked(location)


def _refresh_locked(location: LakeLocation) -> int:
    current, nxt = location.search_path, location.search_path.with_name(location.search_path.name + ".next")
    if current.exists():
        with searching(location) as con:
            if has_index(con) and not pending_articles(con):
                return 0  # nothing to add: no copy, no rename
    for stale in (nxt, nxt.with_name(nxt.name + ".wal")):
        stale.unlink(missing_ok=True)  # a killed refresh's copy (and its log): never replay it onto a new copy
    if current.exists():
        shutil.copyfile(current, nxt)
    with reader(location, shared=False) as con:
        load_fts(con)
        con.execute(f"ATTACH {quote_literal(str(nxt))} AS {ALIAS}")
        con.execute(sql("search_index_state"))
        snapshot = _current_snapshot(con)
        upto = _indexed_snapshot(con) if has_index(con) else None
        if upto is not None and upto >= snapshot:
            count = 0
        else:
            con.execute(f"USE {ALIAS}")
            count = _build(con, snapshot) if upto is None else _add_pending(con, upto, snapshot)
        con.execute(f"CHECKPOINT {ALIAS}")  # the index's DDL must not wait in a write-ahead log (see duckfile)
        con.execute(f"USE {lake.ALIAS}")
        con.execute(f"DETACH {ALIAS}")
    if count or not current.exists():
        _publish(nxt, current)
    else:
        nxt.unlink()
    return count


def _publish(nxt: Path, current: Path) -> None:
    with open(nxt, "rb") as f:
        os.fsync(f.fileno())
    os.replace(nxt, current)
    dir_fd = os.open(current.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _build(con: duckdb.DuckDBPyConnection, snapshot: int) -> int:
    con.execute("BEGIN")
    try:
        con.execute(sql("search_copy_all"), [snapshot])
        con.execute("PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', overwrite=1)")
        con.execute(sql("search_state"), [snapshot])
        count = int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    log.info("built the full-text index over %d article(s)", count)
    return count


def _add_pending(con: duckdb.DuckDBPyConnection, upto: int, snapshot: int) -> int:
    con.execute("BEGIN")
    try:
        con.execute(sql("search_pending"), [upto + 1, snapshot])
        count = int(con.execute("SELECT count(*) FROM fts_pending").fetchall()[0][0])
        if count:
            con.execute("CREATE OR REPLACE TEMP TABLE fts_df_delta (termid BIGINT, delta BIGINT)")
            relanded = con.execute(sql("search_relanded")).fetchall()[0][0]
            if relanded:  # the forget step scans every term, so only pay for it when an article came back
                con.execute(sql("search_forget"))
            con.execute(sql("search_add"))
        con.execute(sql("search_state"), [snapshot])
        con.execute("DROP TABLE IF EXISTS fts_pending")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return count


def search(
    con: duckdb.DuckDBPyConnection, terms: str, since: date | None = None, limit: int = 20
) -> list[SearchHit]:
    """Articles matching `terms` by BM25, best first, optionally published on or after `since`.

    `con` comes from `searching`: the lake with the search file attached.
    """
    if not has_index(con):
        raise SearchIndexMissing("the full-text index is empty: it is built when articles land")
    rows = con.execute(sql("search_articles"), {"query": terms, "since": since, "limit": limit}).fetchall()
    return [_hit(row) for row in rows]


def _hit(row: tuple[Any, ...]) -> SearchHit:
    score, article_id, published, outlet, title, url, entities, technologies = row
    return SearchHit(float(score), article_id, published, outlet, title, url, list(entities), list(technologies))
