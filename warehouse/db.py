"""Opening the DuckDB warehouse: ordered migrations, lock-aware writer, read-only readers, named SQL."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse import duckfile

log = logging.getLogger(__name__)



class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or queried; the message names the file and what to do."""


class WarehouseLocked(WarehouseError):
    """Another process holds the DuckDB file."""


def sql(name: str) -> str:
    """The text of `warehouse/sql/<name>.sql`."""
    return _read_sql(name)


@cache
def _read_sql(name: str) -> str:
    return resources.files("warehouse").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every file in warehouse/migrations, in order."""
    found = []
    for item in resources.files("warehouse").joinpath("migrations").iterdir():
        if item.name.endswith(".sql"):
            version = int(item.name.split("_", 1)[0])
            found.append((version, item.name.removesuffix(".sql"), item.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations, each in its own transaction; return the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, text in migrations():
        if version in done:
            continue
        con.execute("BEGIN")
        try:
            con.execute(text)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {name} failed: {exc}") from exc
        # DDL must not wait in the write-ahead log: DuckDB 1.5.5 cannot replay COMMENT ON after a crash.
        con.execute("CHECKPOINT")
        applied.append(name)
    return applied


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckfile.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        if _is_lock_error(exc):
            raise WarehouseLocked(
                f"warehouse {path} is locked by another process ({exc}); close the other "
                "connection (a DuckDB UI or notebook) or wait for the landing stage to finish"
            ) from exc
        raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc


@contextmanager
def writer(path: Path, wait_s: float = 300.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection, migrated; waits with backoff while another process holds the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    delay, deadline = 0.1, time.monotonic() + wait_s
    while True:
        try:
            con = _connect(path, read_only=False)
            break
        except WarehouseLocked:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("warehouse %s is locked; retrying in %.1f s", path, delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    try:
        migrate(con)
        yield con
    finally:
        con.close()


@contextmanager
def reader(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; the warehouse must exist."""
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path} yet: run `oversight run` (or --sample) first")
    con = _connect(path, read_only=True)
    try:
        yield con
    finally:
        con.close()


def write_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pa.Table], names: list[str]) -> None:
    """Register Arrow tables under their names and run the named SQL files in one transaction."""
    for view, table in tables.items():
        con.register(view, table)
    con.execute("BEGIN")
    try:
        for name in names:
            con.execute(sql(name))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for view in tables:
            con.unregister(view)
