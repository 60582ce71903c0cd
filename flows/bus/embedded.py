"""The embedded bus: a durable local log in SQLite (WAL) that processes on one machine share.

Why SQLite: it gives atomic multi-process appends, crash safety and indexed offset reads
from the standard library, so a killed process loses nothing and redelivers its batch.
One partition per topic; a consumer group on a topic is served to one process at a time
(an flock lease), so two processes never work on the same batch.

A damaged file (truncated, overwritten, "malformed") is repaired in place the first time any command meets it:
a copy is kept beside it, every message whose checksum still holds is read back page by page
(`flows/bus/salvage.py`) and rewritten with the groups' commits, and the offsets that could not be read are
recorded as lost; a consumer reaching them gets one corrupt message per lost offset (a `corrupt_message` dead
letter), and producers continue after them, so a lost offset is never reused.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import crc32c

from oversight.flows.bus.base import BusError, GroupLag, Message, try_lease
from oversight.flows.bus.salvage import Salvage, salvage

T = TypeVar("T")

log = logging.getLogger("oversight.bus")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    topic TEXT NOT NULL, offset INTEGER NOT NULL, key TEXT, value BLOB NOT NULL,
    produced_at REAL NOT NULL, crc INTEGER, PRIMARY KEY (topic, offset)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commits (
    grp TEXT NOT NULL, topic TEXT NOT NULL, offset INTEGER NOT NULL,
    committed_at REAL NOT NULL, PRIMARY KEY (grp, topic)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lost (
    topic TEXT NOT NULL, first_offset INTEGER NOT NULL, last_offset INTEGER NOT NULL, why TEXT NOT NULL,
    PRIMARY KEY (topic, first_offset)) WITHOUT ROWID;
"""
_DAMAGED = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
_NEXT_OFFSET = """SELECT max(o) + 1 FROM (SELECT MAX(offset) AS o FROM messages WHERE topic = ?1
                                       UNION ALL SELECT MAX(last_offset) FROM lost WHERE topic = ?1)"""


class EmbeddedBus:
    """A topic log and committed offsets in `<dir>/log.sqlite`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / "log.sqlite"
        self._db: sqlite3.Connection | None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._db = _open(self.path)
        except OSError as exc:  # the folder cannot be made (a file in its place, no permission, a full disk)
            raise BusError(f"cannot open the embedded bus at {self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            if not _damaged(exc):
                raise BusError(f"cannot open the embedded bus at {self.path}: {exc}") from exc
            self._db = None
            self._recover(exc)

    def produce(self, topic: str, items: Sequence[tuple[str | None, bytes]]) -> None:
        if not items:
            return
        now = time.time()

        def append(db: sqlite3.Connection) -> None:
            start = db.execute(_NEXT_OFFSET, (topic,)).fetchone()[0] or 0
            db.executemany(
                "INSERT INTO messages (topic, offset, key, value, produced_at, crc) VALUES (?, ?, ?, ?, ?, ?)",
                [(topic, start + i, key, value, now, _crc(topic, start + i, key, value))
                 for i, (key, value) in enumerate(items)],
            )
        self._run(f"producing {len(items)} message(s) to {topic}", append, write=True)

    def consumer(self, group: str, topic: str, bounded: bool = False) -> EmbeddedConsumer:
        return EmbeddedConsumer(self, group, topic)  # a file lease: nothing to coordinate either way

    def committed(self, group: str, topic: str) -> int:
        row = self._run(f"reading the committed offset of {group} on {topic}", lambda db: db.execute(
            "SELECT offset FROM commits WHERE grp = ? AND topic = ?", (group, topic)).fetchone())
        return int(row[0]) if row else 0

    def end_offset(self, topic: str) -> int:
        row = self._run(f"reading the end of {topic}", lambda db: db.execute(_NEXT_OFFSET, (topic,)).fetchone())
        return int(row[0] or 0)

    def lag(self, groups: dict[str, str]) -> list[GroupLag]:
        return [
            GroupLag(topic, 0, group, self.end_offset(topic), self.committed(group, topic))
            for group, topic in groups.items()
        ]

    def read(self, topic: str, after: int, limit: int) -> list[Message]:
        def fetch(db: sqlite3.Connection) -> tuple[list[tuple[int, str | None, bytes | str, int | None]],
                                                    list[tuple[int, int, str]]]:
            rows = db.execute("SELECT offset, key, value, crc FROM messages WHERE topic = ? AND offset >= ? "
                              "ORDER BY offset LIMIT ?", (topic, after, limit)).fetchall()
            gaps = db.execute("SELECT first_offset, last_offset, why FROM lost WHERE topic = ? AND last_offset >= ?"
                              " ORDER BY first_offset", (topic, after)).fetchall()
            return rows, gaps
        rows, gaps = self._run(f"reading {topic} from offset {after}", fetch)
        # A damaged row can come back as TEXT; its checksum then tells.
        found = [self._checked(topic, int(o), k, v.encode("utf-8", "surrogateescape") if isinstance(v, str)
                               else bytes(v), crc) for o, k, v, crc in rows]
        return _with_lost(topic, found, gaps, after, limit)

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
        self._run(f"committing offset {offset} of {group} on {topic}", lambda db: db.execute(
            "INSERT INTO commits (grp, topic, offset, committed_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (grp, topic) DO UPDATE SET offset = MAX(offset, excluded.offset), "
            "committed_at = excluded.committed_at",
            (group, topic, offset, time.time()),
        ), write=True)

    def prune(self, older_than_s: float) -> int:
        """Delete messages every known group has committed and that are older than `older_than_s`, and lost
        offsets every group has passed.

        The newest message of a topic is always kept: offsets continue from it.
        """
        cutoff = time.time() - older_than_s

        def delete(db: sqlite3.Connection) -> int:
            db.execute("DELETE FROM lost WHERE last_offset < (SELECT COALESCE(MIN(c.offset), 0) FROM commits c "
                       "WHERE c.topic = lost.topic) AND last_offset < (SELECT MAX(m.offset) FROM messages m "
                       "WHERE m.topic = lost.topic)")
            return db.execute(
                "DELETE FROM messages WHERE produced_at < ? AND offset < "
                "(SELECT COALESCE(MIN(c.offset), 0) FROM commits c WHERE c.topic = messages.topic) "
                "AND offset < (SELECT MAX(m.offset) FROM messages m WHERE m.topic = messages.topic)",
                (cutoff,),
            ).rowcount
        return self._run("pruning committed messages", delete, write=True)

    def _run(self, what: str, op: Callable[[sqlite3.Connection], T], write: bool = False) -> T:
        """Run `op` on the log. SQLite's errors (a locked, read-only or full disk) become BusError: the bus's
        trouble, a transient stage failure that leaves the batch uncommitted, never the message's fault. A
        damaged file is repaired once and `op` run again."""
        for attempt in (1, 2):
            try:
                if self._db is None:
                    self._db = _open(self.path)
                if not write:
                    return op(self._db)
                with _immediate(self._db):
                    return op(self._db)
            except sqlite3.Error as exc:
                if attempt == 1 and _damaged(exc):
                    self._recover(exc)
                    continue
                raise BusError(f"embedded bus {self.path}: {what} failed: {exc} (check the disk and the file; "
                               "the batch stays uncommitted and is retried)") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _recover(self, exc: sqlite3.Error) -> None:
        """Repair a damaged log in place, once across processes (the first to meet the damage does it)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        with _exclusive(self.directory / "recover.lock"):
            if _intact(self.path):
                return  # another process repaired it while this one waited
            kept = self.path.with_name(f"{self.path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}")
            for suffix in ("", "-wal"):
                if Path(f"{self.path}{suffix}").exists():
                    shutil.copyfile(f"{self.path}{suffix}", f"{kept}{suffix}")
            found = salvage(kept, _crc)
            lost = _lost_ranges(found, f"lost when {self.path} was damaged ({exc}); the damaged file is kept "
                                       f"as {kept}")
            _rewrite(self.path, found, lost)
        ends = {}
        for topic, offset in sorted(found.messages):
            ends[topic] = offset
        log.error("embedded bus %s was damaged (%s): kept a copy as %s; recovered %d message(s) and %d commit(s) "
                  "from its intact pages; %d message(s) could not be read (%s); %d damaged copies rejected by "
                  "their checksums. Consumers get one corrupt_message dead letter per lost offset. The newest "
                  "offset read per topic is %s: if the file's end was cut, messages after it are gone unseen.",
                  self.path, exc, kept, len(found.messages), len(found.commits),
                  sum(last - first + 1 for _, first, last, _ in lost),
                  ", ".join(f"{t}@{a}-{b}" for t, a, b, _ in lost) or "none", found.rejected,
                  ", ".join(f"{t}@{o}" for t, o in ends.items()) or "none")

    def close(self) -> None:
        if self._db is not None:
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
    try:
        db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (only an OS crash could drop the last commit).
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        if "crc" not in {row[1] for row in db.execute("PRAGMA table_info(messages)")}:  # a log from before crc
            db.execute("ALTER TABLE messages ADD COLUMN crc INTEGER")
    except BaseException:
        db.close()  # not left to the traceback, whose locks would hold up a repair
        raise
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
        if db.in_transaction:  # SQLite may have rolled back already (a damaged page, a full disk)
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _damaged(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _DAMAGED


def _intact(path: Path) -> bool:
    try:
        with _closing(sqlite3.connect(path, timeout=60)) as db:
            return db.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    except sqlite3.Error:
        return False


@contextmanager
def _closing(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield db
    finally:
        db.close()


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """An flock held while the block runs (waits for the process holding it)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _lost_ranges(found: Salvage, why: str) -> list[tuple[str, int, int, str]]:
    """Offsets that must have been in the log and were not recovered, as (topic, first, last, why) ranges: from
    the lowest commit of the topic's groups (below it every group is done) to the highest offset known, from a
    message or a commit. Ranges the damaged file already recorded as lost are kept as they were."""
    ranges = [r for r in found.lost if r[2] >= min((o for (_, t), (o, _) in found.commits.items() if t == r[0]),
                                                   default=0)]
    topics = {t for t, _ in found.messages} | {t for _, t in found.commits} | {r[0] for r in ranges}
    for topic in sorted(topics):
        commits = [o for (_, t), (o, _) in found.commits.items() if t == topic]
        known = {o for t, o in found.messages if t == topic}
        known |= {o for t, a, b, _ in ranges if t == topic for o in range(a, b + 1)}
        top = max([*known, *(c - 1 for c in commits), -1])
        start = None
        for offset in range(min(commits, default=0), top + 2):
            if offset not in known and offset <= top:
                start = offset if start is None else start
            elif start is not None:
                ranges.append((topic, start, offset - 1, why))
                start = None
    return sorted(ranges)


def _rewrite(path: Path, found: Salvage, lost: list[tuple[str, int, int, str]]) -> None:
    """Replace the log's content with what was recovered, through SQLite's backup (other processes' open
    connections follow)."""
    with _closing(sqlite3.connect(":memory:", isolation_level=None)) as fresh:
        fresh.executescript(_SCHEMA)
        fresh.execute("BEGIN")
        fresh.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)", (
            (t, o, r.key, r.value, r.produced_at, r.crc) for (t, o), r in sorted(found.messages.items())))
        fresh.executemany("INSERT INTO commits VALUES (?, ?, ?, ?)",
                          ((g, t, o, at) for (g, t), (o, at) in found.commits.items()))
        fresh.executemany("INSERT INTO lost VALUES (?, ?, ?, ?)", lost)
        fresh.execute("COMMIT")
        try:
            _restore(fresh, path)
        except sqlite3.Error:
            _overwrite(fresh, path)


def _overwrite(fresh: sqlite3.Connection, path: Path) -> None:
    """Write the recovered log over a file SQLite cannot open or back up into (a cut tail, a destroyed header):
    a WAL-mode image, so the connections other processes hold stay in WAL mode, with the write-ahead log emptied
    and its shared index zeroed, so that each of them rebuilds its view of the file on its next read."""
    image = path.with_name(f"{path.name}.repair")
    for stale in (image, Path(f"{image}-wal"), Path(f"{image}-shm")):
        stale.unlink(missing_ok=True)
    with _closing(sqlite3.connect(image, isolation_level=None)) as target:
        fresh.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    with open(path, "r+b") as out:
        out.write(image.read_bytes())
        out.truncate()
        os.fsync(out.fileno())
    image.unlink()
    if Path(f"{path}-wal").exists():
        os.truncate(f"{path}-wal", 0)
    if Path(f"{path}-shm").exists():
        with open(f"{path}-shm", "r+b") as shm:
            shm.write(bytes(136))


def _restore(source: sqlite3.Connection, path: Path) -> None:
    deadline = time.monotonic() + 60

    def waited(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise sqlite3.OperationalError(f"{path} stayed locked for 60 s")  # the backup would retry forever

    with _closing(sqlite3.connect(path, timeout=60)) as target:
        source.backup(target, progress=waited)


def _with_lost(topic: str, found: list[Message], gaps: list[tuple[int, int, str]], after: int,
               limit: int) -> list[Message]:
    """The messages read, with one corrupt message for each lost offset among them, in offset order."""
    if not gaps:
        return found
    upper = found[-1].offset if len(found) >= limit else None
    marks = [Message(topic, 0, o, None, b"", corrupt=f"embedded bus message {topic}[0]@{o} was {why}")
             for first, last, why in gaps
             for o in range(max(first, after), min(last if upper is None else min(last, upper),
                                                   max(first, after) + limit - 1) + 1)]
    return sorted(found + marks, key=lambda m: m.offset)[:limit]
