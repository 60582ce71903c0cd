"""Turns at writing the lake: the land workers of one lake, on one machine or many, take a lock around each
landing transaction, so they wait for one another instead of all doing a batch's work at once and all but one
redoing it after a commit conflict (which is what the write fence alone makes them do).

The lock only saves work; correctness stays with the fence (`db.transaction`): a writer that does not get its
turn in time, or cannot reach the lock, goes ahead and the fence sorts it out (and tries the lock again a
minute later). With a SQLite catalog (one machine) the lock is a file beside the catalog; with a PostgreSQL
catalog (many machines) it is a session advisory lock in that database, on a connection of its own (direct or
session-pooled: a transaction pooler would hand the lock's session to others). Either is released when its
holder dies; TCP keepalives end the session of a holder whose machine vanished within about a minute.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from oversight.schemas.settings import LakeLocation, hide_password
from oversight.warehouse.lake import sqlite_catalog

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("oversight.warehouse")
FILE_POLL_S = 0.01
RETRY_AFTER_S = 60.0  # after the lock could not be reached, write without it this long, then try again


class LockUnreachable(Exception):
    """The lock file or the PostgreSQL server could not be used."""


class WriteTurns:
    """The lake's write turn, for one writer (a landing run, a land worker's life); close it when done."""

    def __init__(self, location: LakeLocation, wait_s: float = 120.0) -> None:
        self.location = location
        self.wait_s = wait_s
        catalog = sqlite_catalog(location)
        self._path: Path | None = catalog.with_name(catalog.name + ".turns") if catalog else None
        self._conninfo = location.catalog.partition(":")[2]
        # Two lakes whose catalogs share a PostgreSQL database do not wait for each other.
        digest = hashlib.sha256(f"oversight lake writes {location.data_path}".encode()).digest()
        self._key = int.from_bytes(digest[:8], "big", signed=True)
        self._file: IO[bytes] | None = None
        self._pg: psycopg.Connection[tuple[object, ...]] | None = None
        self._skip_until = 0.0  # the lock could not be reached: write without turns until then

    @contextmanager
    def turn(self) -> Iterator[bool]:
        """Hold the write turn for the block; yields whether it is held (False: going ahead without it)."""
        held = self._acquire()
        try:
            yield held
        finally:
            if held:
                self._release()

    def _acquire(self) -> bool:
        if time.monotonic() < self._skip_until:
            return False
        try:
            held = self._lock_file() if self._path else self._lock_postgres()
        except LockUnreachable as exc:  # the lock's own failure must never stop a landing
            log.warning("cannot take turns at writing the lake %s (%s): writing without them for %.0f s",
                        self.location.shown, exc, RETRY_AFTER_S)
            self._skip_until = time.monotonic() + RETRY_AFTER_S
            self.close()
            return False
        if not held:
            log.info("another writer of the lake held its turn for %.0f s: going ahead (a conflict is retried)",
                     self.wait_s)
        return held

    def _lock_file(self) -> bool:
        assert self._path is not None
        deadline = time.monotonic() + self.wait_s
        try:
            if self._file is None:
                self._file = self._path.open("ab")
            while True:
                try:
                    fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        return False
                    time.sleep(FILE_POLL_S)
        except OSError as exc:
            raise LockUnreachable(f"{self._path}: {exc}") from exc

    def _lock_postgres(self) -> bool:
        try:
            import psycopg
            from psycopg import errors
        except ImportError as exc:
            raise LockUnreachable(f"psycopg cannot be imported: {exc}") from exc
        try:
            if self._pg is None or self._pg.closed:
                self._pg = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10,
                                           application_name="oversight write turns", keepalives=1,
                                           keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
                self._pg.execute("SET statement_timeout = 0")
            # Waits in the server (woken as soon as the holder lets go), up to lock_timeout (0 would mean forever).
            self._pg.execute(f"SET lock_timeout = '{max(1, int(self.wait_s * 1000))}ms'")
            self._pg.execute("SELECT pg_advisory_lock(%s)", [self._key])
            return True
        except (errors.LockNotAvailable, errors.QueryCanceled):
            return False
        except psycopg.Error as exc:
            raise LockUnreachable(hide_password(str(exc))) from exc

    def _release(self) -> None:
        if self._file is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_UN)
            except OSError as exc:  # closing the file lets go of the lock too
                self._hand_back_failed(str(exc))
        elif self._pg is not None:
            import psycopg

            try:
                released = self._pg.execute("SELECT pg_advisory_unlock(%s)", [self._key]).fetchone()
            except psycopg.Error as exc:  # closing the connection lets go of the lock too
                self._hand_back_failed(hide_password(str(exc)))
                return
            if not (released and released[0]):  # the session changed under us: end it, whatever it holds
                self._hand_back_failed("the lock was not held by this session any more")

    def _hand_back_failed(self, why: str) -> None:
        log.warning("could not hand back the turn at writing the lake (%s): closing it", why)
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._pg is not None:
            self._pg.close()
            self._pg = None

    def __enter__(self) -> WriteTurns:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
