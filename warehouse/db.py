"""The warehouse's connections: writers (migrated, conflicts retried) and readers of the lake, named SQL."""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TypeVar

import duckdb
import pyarrow as pa

from oversight.schemas.settings import LakeLocation, hide_password
from oversight.warehouse import lake

log = logging.getLogger(__name__)

T = TypeVar("T")
COMMIT_ATTEMPTS = 8
# Commits of this process retried after a conflict with another writer, per kind of write (benchmarks read it).
CONFLICTS: Counter[str] = Counter()


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or queried; the message names the catalog and what to do."""


class WarehouseLocked(WarehouseError):
    """Another process holds a plain DuckDB file the warehouse needs (a pre-lake warehouse being moved)."""


def sql(name: str) -> str:
    """The text of `warehouse/sql/<name>.sql`."""
    return _read_sql(name)


@cache
def _read_sql(name: str) -> str:
    return resources.files("oversight.warehouse").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every file in warehouse/migrations, in order."""
    found = []
    for item in resources.files("oversight.warehouse").joinpath("migrations").iterdir():
        if item.name.endswith(".sql"):
            version = int(item.name.split("_", 1)[0])
            found.append((version, item.name.removesuffix(".sql"), item.read_text(encoding="utf-8")))
    return sorted(found)


def is_commit_conflict(exc: BaseException) -> bool:
    """A commit that lost against another writer of the catalog (retry the whole transaction)."""
    text = str(exc)
    if "either make changes OR perform compaction" in text:
        return False  # a mistake in the transaction, not a lost race: rerunning it fails the same way
    return isinstance(exc, duckdb.Error) and (
        "Failed to commit DuckLake transaction" in text or "database is locked" in text
        or "Transaction conflict" in text or "write-write conflict" in text.lower())


def transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], T], what: str = "write",
                fenced: bool = True) -> T:
    """Run `work` in one transaction; a commit that conflicts with another writer reruns it from the start,
    anything else rolls it back and is raised. For the lake, and for a plain DuckDB file such as the search
    index's (unfenced).

    `fenced` (all lake writes but migrations, which run before the fence exists, and compaction): the
    transaction also updates the one row of the lake's `write_fence`, so that of two concurrent writers the
    later always conflicts and reruns, seeing the earlier's rows; DuckLake alone lets concurrent appends (two
    MERGEs inserting one id) both commit.
    """
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        con.execute("BEGIN")
        try:
            if fenced:
                con.execute(sql("bump_write_fence"))
            result = work()
            con.execute("COMMIT")
            return result
        except BaseException as exc:
            _rollback(con)
            if not is_commit_conflict(exc):
                raise
            if attempt == COMMIT_ATTEMPTS:
                raise WarehouseError(f"{what} still conflicted with other writers of the warehouse after "
                                     f"{attempt} attempts (a transient error: the batch is retried): {exc}") from exc
            CONFLICTS[what] += 1
            delay = min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random())
            log.info("%s conflicted with another writer of the warehouse (%s); retry %d in %.2f s",
                     what, str(exc).splitlines()[-1][:120], attempt, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a failed COMMIT has already ended the transaction: nothing is left to roll back


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations in order, all in one transaction; return the names applied.

    One transaction, not one per migration: each lake commit costs a catalog write, and a new lake (every
    `run --sample`, every test) would pay it ten times over. Two processes migrating a new lake at once both
    try; the loser's commit conflicts, and on its retry every version is already recorded, so it skips them.
    """
    transaction(con, lambda: con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"), "schema_migrations",
        fenced=False)

    def apply() -> list[str]:
        done = {int(v) for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
        applied = []
        for version, name, text in migrations():
            if version in done:
                continue
            try:
                con.execute(text)
            except duckdb.Error as exc:
                if is_commit_conflict(exc):
                    raise  # another process is migrating too: the transaction reruns
                raise WarehouseError(f"migration {name} failed (none of this run's migrations is applied): "
                                     f"{exc}") from exc
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
            applied.append(name)
        return applied

    return transaction(con, apply, "migrations", fenced=False)


def open_lake(location: LakeLocation, read_only: bool, shared: bool = True,
              as_of: lake.AsOf = None) -> duckdb.DuckDBPyConnection:
    """`lake.connect` with its failures as WarehouseError naming the catalog (never its password)."""
    try:
        return lake.connect(location, read_only, shared, as_of)
    except lake.LakeError as exc:
        raise WarehouseError(str(exc)) from exc
    except duckdb.Error as exc:
        if read_only and "creating a new DuckLake is explicitly disabled" in str(exc):
            raise missing_lake(location) from exc  # a catalog database with no lake in it yet
        if as_of is not None and "No snapshot found" in str(exc):
            raise WarehouseError(f"the warehouse {location.shown} has no {as_of_text(as_of)} (before "
                                 "the lake began, or expired by maintenance): `oversight warehouse snapshots` "
                                 "lists the ones kept") from exc
        raise WarehouseError(f"cannot attach the warehouse's catalog {location.shown}: "
                             f"{hide_password(str(exc))}") from exc


_MIGRATED: set[str] = set()


def missing_lake(location: LakeLocation) -> WarehouseError:
    """The error for a lake that does not exist yet, pointing at `warehouse move` when an old warehouse waits."""
    legacy = location.legacy_path
    if legacy is not None and legacy.exists():
        return WarehouseError(f"{legacy} is a warehouse from before the lake, and the lake {location.shown} "
                              "does not exist yet: run `oversight warehouse move` once to bring it in")
    return WarehouseError(f"no warehouse at {location.shown} yet: run `oversight run` (or --sample) first")


@contextmanager
def writer(location: LakeLocation, shared: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the lake, migrated. It waits for no one: conflicts surface at commit."""
    legacy = location.legacy_path
    if not lake.exists(location) and legacy is not None and legacy.exists():
        raise missing_lake(location)
    con = open_lake(location, read_only=False, shared=shared)
    try:
        if location.catalog not in _MIGRATED:  # once per process: a new migration ships with new code
            migrate(con)
            _MIGRATED.add(location.catalog)
        yield con
    finally:
        con.close()


@contextmanager
def reader(location: LakeLocation, shared: bool = True, as_of: lake.AsOf = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the lake with its views and macros; the warehouse must exist.

    `shared=False`: a DuckDB instance of its own, for a caller that attaches or sets instance-wide things.
    `as_of`: the lake as it was at that snapshot id or time.
    """
    if not lake.exists(location):
        raise missing_lake(location)
    con = open_lake(location, read_only=True, shared=shared, as_of=as_of)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def snapshot_reader(location: LakeLocation, as_of: lake.AsOf = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection whose statements share one transaction: a digest or an export reads one
    snapshot of the lake throughout, however many batches land meanwhile (`current_snapshot` names it)."""
    with reader(location, as_of=as_of) as con:
        con.execute("BEGIN")
        try:
            yield con
        finally:
            con.execute("ROLLBACK")


def run_with_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pa.Table], names: list[str]) -> None:
    """Register Arrow tables under their names and run the named SQL files (in the caller's transaction)."""
    for view, table in tables.items():
        con.register(view, table)
    try:
        for name in names:
            con.execute(sql(name))
    finally:
        for view in tables:
            con.unregister(view)


def write_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pa.Table], names: list[str]) -> None:
    """`run_with_tables` in a transaction of its own (retried on a conflict)."""
    transaction(con, lambda: run_with_tables(con, tables, names), "+".join(names))


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """The id of the lake snapshot this connection's transaction reads."""
    return int(con.execute(sql("current_snapshot")).fetchall()[0][0])


def as_of_text(as_of: lake.AsOf) -> str:
    """How a snapshot id or time is written in messages and in `--as-of`."""
    return f"snapshot at {as_of.isoformat()}" if isinstance(as_of, datetime) else f"snapshot {as_of}"


def parse_as_of(text: str) -> int | datetime:
    """`--as-of`: a snapshot id (digits) or an ISO date-time (UTC unless it names its zone)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise WarehouseError(f"--as-of {text!r} is neither a snapshot id (like 42) nor a date-time "
                             "(like 2026-03-16T09:00:00Z)") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)
