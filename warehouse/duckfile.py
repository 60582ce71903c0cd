"""Opening a plain DuckDB file (the search index, a pre-lake warehouse) so that a crash never bricks it.

DuckDB 1.5.5 cannot replay a write-ahead log that holds a `COMMENT ON` (duckdb issues 19712 and 22044):
`duckdb.connect(path)` then fails for ever with "Failure while replaying WAL file ... GetDefaultDatabase".
The same file replays fine when ATTACHed to an in-memory database, and a CHECKPOINT there folds the log into
the file, after which it opens directly again. `connect` does that recovery; `checkpoint` after DDL keeps the
log free of DDL in the first place.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

# Never reach for the network to install or autoload an extension: every extension is loaded by path.
CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False, "autoload_known_extensions": False,
}


def quote_literal(text: str) -> str:
    """A SQL string literal, for the few statements (ATTACH, LOAD) that take no prepared parameters."""
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """A SQL identifier (a table or column name read from the catalog), quoted whatever it holds."""
    return '"' + name.replace('"', '""') + '"'


def is_wal_replay_failure(exc: BaseException) -> bool:
    """Whether `exc` is DuckDB's refusal to replay a write-ahead log (the bug recovered here)."""
    return isinstance(exc, duckdb.Error) and "replaying WAL" in str(exc)


def recover_wal(path: Path) -> None:
    """Replay `path`'s write-ahead log through an in-memory database and checkpoint it into the file."""
    con = duckdb.connect(config=CONFIG)
    try:
        con.execute(f"ATTACH {quote_literal(str(path))} AS recovering")
        con.execute("CHECKPOINT recovering")
    finally:
        con.close()
    log.warning("recovered %s: replayed its write-ahead log through ATTACH and checkpointed it", path)


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect(path)` offline, recovering a write-ahead log that DuckDB cannot replay directly."""
    try:
        return duckdb.connect(str(path), read_only=read_only, config=CONFIG)
    except duckdb.Error as exc:
        if not is_wal_replay_failure(exc):
            raise
        log.warning("%s: %s; recovering", path, str(exc).splitlines()[0])
    recover_wal(path)
    return duckdb.connect(str(path), read_only=read_only, config=CONFIG)
