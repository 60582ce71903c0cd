"""Connecting to the warehouse, a DuckLake: an in-memory DuckDB with the lake attached as `lake`.

The catalog (a SQLite file by default, a PostgreSQL database when several machines share the lake) holds the tables' metadata and every commit as a snapshot; the data sit
in Parquet files under the data path. Any number of processes attach it at once: writers commit optimistically
(a conflicting commit fails and is retried by `warehouse.db`), readers see the last committed snapshot and
never wait for a writer or make one wait. Extensions are loaded from their PyPI wheels by path, never fetched.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from oversight.schemas.settings import LakeLocation
from oversight.warehouse import duckfile

ALIAS = "lake"
# A past state of the lake: a snapshot id, or a point in time (the snapshot current then); None is now.
AsOf = int | datetime | None
ATTACH_ATTEMPTS = 20
# The extension that speaks each kind of catalog database, loaded after ducklake itself.
_CATALOG_EXTENSIONS = {"sqlite": ("duckdb_extension_sqlite_scanner", "sqlite_scanner"),
                       "postgres": ("duckdb_extension_postgres_scanner", "postgres_scanner")}


class LakeError(RuntimeError):
    """The lake cannot be attached; the message names the catalog and what to do."""


def load_extension(con: duckdb.DuckDBPyConnection, package: str, name: str) -> None:
    """LOAD an extension from its duckdb-extension-* wheel; never from the network."""
    version = con.execute("PRAGMA version").fetchall()[0][0]
    path = resources.files(package).joinpath("extensions", str(version), f"{name}.duckdb_extension")
    if not path.is_file():
        raise LakeError(f"{name} extension for DuckDB {version} not found at {path}: "
                        f"install {package.replace('_', '-')}=={str(version).lstrip('v')}")
    con.execute("LOAD " + duckfile.quote_literal(str(path)))


def sqlite_catalog(location: LakeLocation) -> Path | None:
    """The catalog's SQLite file, or None for another kind of catalog."""
    kind, _, target = location.catalog.partition(":")
    return Path(target) if kind == "sqlite" else None


def exists(location: LakeLocation) -> bool:
    """Whether the lake's catalog has been created (only knowable without connecting for a SQLite file)."""
    path = sqlite_catalog(location)
    return path is None or path.exists()


def _prepare_sqlite(path: Path) -> None:
    # WAL journal: readers of the catalog never block its writer and the writer never blocks them (in the
    # default rollback journal a reader waited for every commit). The mode is stored in the file itself.
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    try:
        if db.execute("PRAGMA journal_mode").fetchone() != ("wal",):
            db.execute("PRAGMA journal_mode=WAL")
    finally:
        db.close()


def attach_sql(location: LakeLocation, read_only: bool, as_of: AsOf = None) -> str:
    """The ATTACH statement for this lake (a reader needs no data path: the catalog records it).

    `as_of` (read-only): the lake as it was at a snapshot id or a point in time; every table and view then
    reads that snapshot.
    """
    target = duckfile.quote_literal("ducklake:" + location.catalog)
    if read_only:
        when = ""
        if isinstance(as_of, int):
            when = f", SNAPSHOT_VERSION {as_of:d}"
        elif isinstance(as_of, datetime):
            when = f", SNAPSHOT_TIME {duckfile.quote_literal(as_of.astimezone(UTC).isoformat())}"
        return f"ATTACH {target} AS {ALIAS} (READ_ONLY{when})"
    if as_of is not None:
        raise LakeError("a past snapshot of the lake can only be read, not written")
    # No inlining of small inserts in the catalog: inlined rows live in catalog tables that maintenance flushes
    # and drops, and a reader attached before that (a notebook left open) then fails with "Table with name
    # ducklake_inlined_data_..." does not exist; maintenance merges the small files instead.
    return (f"ATTACH {target} AS {ALIAS} (DATA_PATH {duckfile.quote_literal(location.data_path)}, "
            "DATA_INLINING_ROW_LIMIT 0)")


def _is_creation_race(exc: duckdb.Error) -> bool:
    text = str(exc)
    return any(sign in text for sign in ("database is locked", "already exists", "duplicate key value",
                                         "could not serialize access"))


def _attach(con: duckdb.DuckDBPyConnection, location: LakeLocation, read_only: bool, as_of: AsOf) -> None:
    # Two processes creating a new lake at once race to initialise its catalog; the loser finds the catalog
    # locked (SQLite) or its tables already created (PostgreSQL) and attaches fine a moment later.
    for attempt in range(ATTACH_ATTEMPTS):
        try:
            con.execute(attach_sql(location, read_only, as_of))
            return
        except duckdb.Error as exc:
            if not _is_creation_race(exc):
                raise
            if attempt == ATTACH_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def connect(location: LakeLocation, read_only: bool, shared: bool = True,
            as_of: AsOf = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the lake attached as `lake` and made the default database.

    Loading the two extensions costs 0.1-0.4 s per DuckDB instance, so by default a process keeps one
    in-memory instance per lake and mode and hands out a cursor of it (its own transactions); close the
    cursor when done. `shared=False` gives an instance of its own (for settings that must not leak). `as_of`
    (read-only) attaches the lake as it was then: see `attach_sql`.
    """
    if not shared:
        return _instance(location, read_only, as_of)
    key = (os.getpid(), location.catalog, location.data_path, read_only, as_of)
    with _SHARED_LOCK:
        base = _SHARED.pop(key, None)
        if base is None:
            base = _instance(location, read_only, as_of)
        _SHARED[key] = base  # most recently used last
        while len(_SHARED) > _SHARED_MAX:
            _SHARED.pop(next(iter(_SHARED))).close()
        cursor = base.cursor()
    cursor.execute(f"USE {ALIAS}")
    return cursor


_SHARED: dict[tuple[int, str, str, bool, AsOf], duckdb.DuckDBPyConnection] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 4


def _instance(location: LakeLocation, read_only: bool, as_of: AsOf = None) -> duckdb.DuckDBPyConnection:
    kind = location.catalog.partition(":")[0]
    if kind not in _CATALOG_EXTENSIONS:
        raise LakeError(f"catalog {location.shown!r}: a DuckLake catalog is a SQLite file (a path) or a "
                        "PostgreSQL database (postgres:dbname=... host=... or postgresql://...); set "
                        "OVERSIGHT_CATALOG to one of those")
    path = sqlite_catalog(location)
    if path is not None and not read_only:
        _prepare_sqlite(path)
    con = duckdb.connect(config=duckfile.CONFIG)
    try:
        for package, name in (("duckdb_extension_ducklake", "ducklake"), _CATALOG_EXTENSIONS[kind]):
            load_extension(con, package, name)
        _attach(con, location, read_only, as_of)
        con.execute(f"USE {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con
