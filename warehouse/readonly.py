"""Researchers' SQL (`oversight query`), run so that it can only read.

Three fences, each enough for most attacks and together for all we know of: the lake is attached READ_ONLY
(no INSERT, UPDATE, DDL, or catalog maintenance); the text must be exactly one SELECT (or EXPLAIN), so COPY,
ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL and EXPORT are refused before anything runs; and the connection then
loses file system and network access outside the lake's data files (`enable_external_access = false`) and
locks its configuration, so nothing inside the query can re-open them.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from oversight.schemas.settings import LakeLocation
from oversight.warehouse import lake
from oversight.warehouse.db import WarehouseError, missing_lake, open_lake

_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


class NotReadOnly(WarehouseError):
    """The SQL is not a single read-only statement."""


def check_read_only(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Raise NotReadOnly unless `text` is exactly one SELECT or EXPLAIN statement (syntax errors pass through)."""
    statements = con.extract_statements(text)
    if len(statements) != 1:
        raise NotReadOnly(f"one SQL statement at a time, not {len(statements)}")
    kind = statements[0].type
    if kind not in _ALLOWED:
        raise NotReadOnly(f"only SELECT (or EXPLAIN) statements run here, not {kind.name}: the warehouse is "
                          "read-only for queries")


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the connection to the lake's own data files: no other file, no network, no setting changes."""
    data = con.execute("SELECT value FROM ducklake_options('lake') WHERE option_name = 'data_path'").fetchall()
    con.execute("SET allowed_directories = ?", [[row[0] for row in data]])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def run_query(location: LakeLocation, text: str, as_of: lake.AsOf = None) -> pa.Table:
    """The result of one read-only statement on the lake (as it was at `as_of`, if given), as Arrow."""
    if not lake.exists(location):
        raise missing_lake(location)
    # An instance of its own: the lock-down is instance-wide and must not reach the process's other connections.
    con = open_lake(location, read_only=True, shared=False, as_of=as_of)
    try:
        lock_down(con)
        check_read_only(con, text)
        return con.execute(text).to_arrow_table()
    finally:
        con.close()
