"""Moving a pre-lake DuckDB warehouse (warehouse.duckdb) into the lake, in one transaction."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from oversight.schemas.settings import LakeLocation
from oversight.warehouse import duckfile
from oversight.warehouse.db import WarehouseError, WarehouseLocked, transaction, writer
from oversight.warehouse.lake import ALIAS

log = logging.getLogger(__name__)

# Tables whose rows move; technologies and schema_migrations are the lake's own, search_index_state is rebuilt.
MOVED = ("feeds", "entries", "articles", "mentions", "events", "agencies", "vendors", "dead_letters")
SOURCE = "old_warehouse"


def move_into_lake(old: Path, location: LakeLocation) -> dict[str, int]:
    """Copy every table of the DuckDB file `old` into the (empty) lake; rename `old` to `<old>.moved`.

    A write-ahead log DuckDB cannot replay is recovered first. The copy is one lake transaction, so a move
    that is killed leaves the lake as it was (and perhaps orphaned data files, which are harmless); run it
    again. Returns the rows moved per table.
    """
    if not old.exists():
        raise WarehouseError(f"no pre-lake warehouse at {old} to move")
    try:
        duckfile.connect(old).close()  # recovers the file if a crash left it unopenable
    except duckdb.IOException as exc:
        raise WarehouseLocked(f"cannot open {old} to move it ({exc}): close the program holding it and retry") from exc
    with writer(LakeLocation(location.catalog, location.data_path, location.search_path), shared=False) as con:
        con.execute(f"ATTACH {duckfile.quote_literal(str(old))} AS {SOURCE} (READ_ONLY)")
        try:
            busy = [t for t in MOVED if con.execute(f"SELECT count(*) FROM {ALIAS}.{t}").fetchall()[0][0]]
            if busy:
                raise WarehouseError(f"the lake {location.shown} already holds rows in {', '.join(busy)}: "
                                     "a warehouse is only moved into an empty lake")
            moved = transaction(con, lambda: {t: _copy(con, t) for t in MOVED}, "move")
        finally:
            con.execute(f"USE {ALIAS}")
            con.execute(f"DETACH {SOURCE}")
    old.rename(old.with_name(old.name + ".moved"))
    log.info("moved %s into %s: %s", old, location.shown, moved)
    return moved


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' "
                       "AND table_name = ? ORDER BY column_index", [database, table]).fetchall()
    return [str(r[0]) for r in rows]


def _copy(con: duckdb.DuckDBPyConnection, table: str) -> int:
    old_columns = set(_columns(con, SOURCE, table))
    # Columns the old file lacks (added by a later migration) stay null; names come from the catalogs.
    columns = ", ".join(duckfile.quote_identifier(c) for c in _columns(con, ALIAS, table) if c in old_columns)
    con.execute(f"INSERT INTO {ALIAS}.{table} ({columns}) SELECT {columns} FROM {SOURCE}.{table}")
    return int(con.execute(f"SELECT count(*) FROM {SOURCE}.{table}").fetchall()[0][0])
