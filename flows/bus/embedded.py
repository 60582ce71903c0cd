"""The embedded bus: a durable local log in SQLite (WAL) that processes on one machine share.

Why SQLite: it gives atomic multi-process appends, crash safety and indexed offset reads
from the standard library, so a killed process loses nothing and redelivers its batch.
One partition per topic; a consumer group on a topic is served to one process at a time
(an flock lease), so two processes never work on the same batch.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import crc32c

from flows.bus.base import BusError, GroupLag, Message, try_lease

log = logging.getLogger("oversight.bus")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    topic TEXT NOT NULL, offset INTEGER NOT NULL, key TEXT, value BLOB NOT NULL,
    produced_at REAL NOT NULL, crc INTEGER, PRIMARY KEY (topic, offset)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commits (
    grp TEXT NOT NULL, topic TEXT NOT NULL, offset INTEGER NOT NULL,
    committed_at REAL NOT NULL, PRIMARY KEY (grp, topic)) WITHOUT ROWID;
"""


class EmbeddedBus:
    """A topic log and committed offsets in `<dir>/log.sqlite`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / "log.sqlite"
        try:
            self._db = _open(self.path)
        except sqlite3.Error as exc:
            raise BusError(f"cannot open the embedded bus at {self.path}: {exc}") from exc

    def produce(self, topic: str, items: Sequence[tuple[str | None, bytes]]) -> None:
        if not items:
            return
        now = time.time()
        with self._guard(f"producing {len(items)} message(s) to {topic}"), _immediate(self._db):
            row = self._db.execute("SELECT MAX(offset) FROM messages WHERE topic = ?", (topic,)).fetchone()
            start = (row[0] if row[0] is not None else -1) + 1
            self._db.executemany(
                "INSERT INTO messages (topic, offset, key, value, produced_at, crc) VALUES (?, ?, ?, ?, ?, ?)",
                [(topic, start + i, key, value, now, _crc(topic, start + i, key, value))
                 for i, (key, value) in enumerate(items)],
            )

    def consumer(self, group: str, topic: str, bounded: bool = False) -> EmbeddedConsumer:
        return EmbeddedConsumer(self, group, topic)  # a file lease: nothing to coordinate either way

    def committed(self, group: str, topic: str) -> int:
        with self._guard(f"reading the committed offset of {group} on {topic}"):
            row = self._db.execute(
                "SELECT offset FROM commits WHERE grp = ? AND topic = ?", (group, topic)
            ).fetchone()
        return int(row[0]) if row else 0

    def end_offset(self, topic: str) -> int:
        with self._guard(f"reading the end of {topic}"):
            row = self._db.execute("SELECT MAX(offset) FROM messages WHERE topic = ?", (topic,)).fetchone()
        return int(row[0]) + 1 if row[0] is not None else 0

    def lag(self, groups: dict[str, str]) -> list[GroupLag]:
        return [
            GroupLag(topic, 0, group, self.end_offset(topic), self.committed(group, topic))
            for group, topic in groups.items()
        ]

    def read(self, topic: str, after: int, limit: int) -> list[Message]:
        with self._guard(f"reading {topic} from offset {after}"):
            rows = self._db.execute(
                "SELECT offset, key, value, crc FROM messages WHERE topic = ? AND offset >= ? ORDER BY offset "
                "LIMIT ?", (topic, after, limit),
            ).fetchall()
        # A damaged row can come back as TEXT; its checksum then tells.
        return [self._checked(topic, int(o), k, v.encode("utf-8", "surrogateescape") if isinstance(v, str) else bytes(v),
                              crc) for o, k, v, crc in rows]

    def _checked(self, topic: str, offset: int, key: str | None, value: bytes, crc: int | None) -> Message:
        """A message whose stored checksum does not match is still delivered (its offset must be passed), marked
        corrupt and reported; the messages around it flow on. Messages from before checksums have none."""
        actual = _crc(topic, offset, key, value)
        if crc is None or crc == actual:
            return Message(topic, 0, offset, key, value)
        why = (f"embedded bus {self.path}: message {topic}[0]@{offset} (key {key}) failed its checksum "
               f"(stored {crc:08x}, computed {actual:08x}): the file was damaged")
        log.error("%s", why)
        return Message(topic, 0, offset, key, value, corrupt=why)

    def commit_offset(self, group: str, topic: str, offset: int) -> None:
        with self._guard(f"committing offset {offset} of {group} on {topic}"), _immediate(self._db):
            self._db.execute(
                "INSERT INTO commits (grp, topic, offset, committed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (grp, topic) DO UPDATE SET offset = MAX(offset, excluded.offset), "
                "committed_at = excluded.committed_at",
                (group, topic, offset, time.time()),
            )

    def prune(self, older_than_s: float) -> int:
        """Delete messages every known group has committed and that are older than `older_than_s`.

        The newest message of a topic is always kept: offsets continue from it.
        """
        cutoff = time.time() - older_than_s
        with self._guard("pruning committed messages"), _immediate(self._db):
            cur = self._db.execute(
                "DELETE FROM messages WHERE produced_at < ? AND offset < "
                "(SELECT COALESCE(MIN(c.offset), 0) FROM commits c WHERE c.topic = messages.topic) "
                "AND offset < (SELECT MAX(m.offset) FROM messages m WHERE m.topic = messages.topic)",
                (cutoff,),
            )
        return cur.rowcount

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """SQLite's errors (a locked, read-only or full disk, a damaged file) as BusError: the bus's trouble, a
        transient stage failure that leaves the batch uncommitted, never the message's fault."""
        try:
            yield
        except sqlite3.Error as exc:
            raise BusError(f"embedded bus {self.path}: {what} failed: {exc} (check the disk and the file; "
                           "the batch stays uncommitted and is retried)") from exc

    def close(self) -> None:
        self._db.close()


class EmbeddedConsumer:
    """A group's reader of one topic; holds the group's lease on the topic while open."""

    def __init__(self, bus: EmbeddedBus, group: str, topic: str) -> None:
        self.bus, self.group, self.topic = bus, group, topic
        self._lease: int | None = None
        self._position: int | None = None

    def poll(self, max_records: int, timeout: float = 0.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while True:
            if self._acquire_lease():
                if self._position is None:
                    self._position = self.bus.committed(self.group, self.topic)
                batch = self.bus.read(self.topic, self._position, max_records)
                if batch:
                    self._position = batch[-1].offset + 1
                    return batch
            if time.monotonic() >= deadline:
                return []
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def commit(self, messages: Sequence[Message]) -> None:
        if messages:
            self.bus.commit_offset(self.group, self.topic, max(m.offset for m in messages) + 1)

    def close(self) -> None:
        if self._lease is not None:
            os.close(self._lease)  # closing the descriptor releases the flock
            self._lease = None
        self._position = None

    def _acquire_lease(self) -> bool:
        if self._lease is None:
            self._lease = try_lease(self.bus.directory / f"lease.{self.group}.{self.topic}")
        return self._lease is not None


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a killed process (only an OS crash could drop the last commit).
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    if "crc" not in {row[1] for row in db.execute("PRAGMA table_info(messages)")}:  # a log from before checksums
        db.execute("ALTER TABLE messages ADD COLUMN crc INTEGER")
    return db


def _crc(topic: str, offset: int, key: str | None, value: bytes) -> int:
    """CRC-32C of a message's place, key and value: SQLite checks its pages' structure, not what they hold."""
    return crc32c.crc32c(value, crc32c.crc32c(f"{topic}\x00{offset}\x00{key}".encode()))


@contextmanager
def _immediate(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
