"""The bus interface both backends implement: keyed messages, batch consume, explicit commit."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class BusError(RuntimeError):
    """The bus cannot be reached or used; the message says which one and what to do."""


def try_lease(path: Path) -> int | None:
    """Take an exclusive flock on `path` without waiting: the open descriptor (close it to release), or None
    when another process holds it. The kernel drops the lock when the holder dies, however it dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@dataclass(frozen=True)
class Message:
    """One consumed message; (topic, partition, offset) locates it for commits and dead letters."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    # Why the backend cannot vouch for this message (a checksum mismatch), or None: the stage dead-letters it.
    corrupt: str | None = None

    @property
    def position(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


@dataclass(frozen=True)
class GroupLag:
    """End offset, committed offset and lag of one consumer group on one topic partition."""

    topic: str
    partition: int
    group: str
    end_offset: int
    committed: int

    @property
    def lag(self) -> int:
        return max(0, self.end_offset - self.committed)


class Consumer(Protocol):
    def poll(self, max_records: int, timeout: float = 0.0) -> list[Message]:
        """Next batch after what this consumer has already seen (not necessarily committed)."""
        ...

    def commit(self, messages: Sequence[Message]) -> None:
        """Mark everything up to and including these messages as done for the group."""
        ...

    def close(self) -> None: ...


class Bus(Protocol):
    """What the stages need from a message bus; the embedded log and Kafka both keep it
    (tests/test_bus_contract.py). Every method raises BusError for the backend's own trouble (a broker out of
    reach, a locked or damaged log file, a full disk), never the backend library's exception types."""

    def produce(self, topic: str, items: Sequence[tuple[str | None, bytes]]) -> None:
        """Append keyed messages; when it returns they are durable."""
        ...

    def consumer(self, group: str, topic: str, bounded: bool = False) -> Consumer:
        """A member of `group` on `topic`. `bounded`: for a run that drains what is there and stops; a
        backend may then skip group coordination when no other member is active (Kafka's ~3 s join)."""
        ...

    def lag(self, groups: dict[str, str]) -> list[GroupLag]:
        """Per topic partition and group ({group: topic}): end offset, committed offset."""
        ...

    def prune(self, older_than_s: float) -> int:
        """Drop messages every group has committed, once older than `older_than_s`; return how many went.
        A backend whose broker keeps its own retention (Kafka's retention.ms) drops none here."""
        ...

    def close(self) -> None: ...
