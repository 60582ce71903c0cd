"""Reading what survives of a damaged embedded log, page by page, without SQLite's b-tree walk.

SQLite refuses a file once a page it walks through is damaged, and a WITHOUT ROWID table keeps messages in its
interior pages too, so one bad page can hide thousands of intact ones. Here every page of the file and of its
write-ahead log is parsed on its own (the record format of https://sqlite.org/fileformat2.html), and a message is
kept only when its CRC-32C still matches: a damaged or stale copy can never pass for the message.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_INDEX_INTERIOR, _INDEX_LEAF = 0x02, 0x0A
_WAL_HEADER, _FRAME_HEADER = 32, 24
_MAX_OVERFLOW_PAGES = 1 << 16  # a loop in a damaged overflow chain ends here


@dataclass(frozen=True)
class Row:
    """One stored message as found on a page."""

    key: str | None
    value: bytes
    produced_at: float
    crc: int | None


@dataclass
class Salvage:
    """What a damaged log still holds: messages by (topic, offset), and each group's newest commit."""

    messages: dict[tuple[str, int], Row] = field(default_factory=dict)
    commits: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    lost: set[tuple[str, int, int, str]] = field(default_factory=set)  # ranges an earlier repair recorded
    rejected: int = 0  # message records found whose checksum failed


def salvage(path: Path, checksum: Callable[[str, int, str | None, bytes], int]) -> Salvage:
    """Every message on any page of `path` and its `-wal` whose checksum holds, and the commits found."""
    pages = _Pages(path)
    found = Salvage()
    for page in pages.versions():
        for record in _records(page, pages):
            _keep(found, record, checksum)
    return found


def _keep(found: Salvage, record: list[object], checksum: Callable[[str, int, str | None, bytes], int]) -> None:
    match record:
        case [str(topic), int(offset), str() | None as key, bytes() | str() as value, float() | int() as at,
              *rest] if rest in ([], [None]) or (len(rest) == 1 and isinstance(rest[0], int)):
            crc = rest[0] if rest and isinstance(rest[0], int) else None  # older records of an older log
            raw = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
            if crc is not None and checksum(topic, offset, key, raw) != crc:
                found.rejected += 1
                return
            found.messages.setdefault((topic, offset), Row(key, raw, float(at), crc))
        case [str(group), str(topic), int(offset), float() | int() as at]:
            # Commits only move forward, so the highest version of a group's row is its latest.
            if offset >= found.commits.get((group, topic), (-1, 0.0))[0]:
                found.commits[(group, topic)] = (offset, float(at))
        case [str(topic), int(first), int(last), str(why)]:
            found.lost.add((topic, first, last, why))


class _Pages:
    """The pages of a database file and of its write-ahead log (every frame: a stale one is harmless)."""

    def __init__(self, path: Path) -> None:
        data = path.read_bytes() if path.exists() else b""
        wal = Path(f"{path}-wal")
        raw = wal.read_bytes() if wal.exists() else b""
        if data.startswith(b"SQLite format 3\x00"):
            size, reserved = struct.unpack(">H", data[16:18])[0], data[20]
        else:  # a destroyed header: the write-ahead log's says the page size, or SQLite's default
            size, reserved = (struct.unpack(">I", raw[8:12])[0] if len(raw) >= _WAL_HEADER else 4096), 0
        self.size = 65536 if size == 1 else size if 512 <= size <= 65536 and size & (size - 1) == 0 else 4096
        self.usable = self.size - reserved
        self.main = {n + 1: data[n * self.size:(n + 1) * self.size] for n in range(len(data) // self.size)}
        self.wal: dict[int, list[bytes]] = {}
        frame = _FRAME_HEADER + self.size
        for start in range(_WAL_HEADER, len(raw) - frame + 1, frame):
            number = struct.unpack(">I", raw[start:start + 4])[0]
            self.wal.setdefault(number, []).insert(0, raw[start + _FRAME_HEADER:start + frame])

    def versions(self) -> Iterator[bytes]:
        yield from self.main.values()
        for copies in self.wal.values():
            yield from copies

    def get(self, number: int) -> bytes | None:
        """The newest copy of a page (an overflow page is read where its chain points)."""
        copies = self.wal.get(number)
        return copies[0] if copies else self.main.get(number)


def _records(page: bytes, pages: _Pages) -> Iterator[list[object]]:
    """The records in the cells of an index b-tree page (a WITHOUT ROWID table's), skipping damaged cells."""
    for offset in (100, 0):  # page 1 starts with the file header
        kind = page[offset] if len(page) > offset else 0
        if kind in (_INDEX_INTERIOR, _INDEX_LEAF):
            break
    else:
        return
    header = 12 if kind == _INDEX_INTERIOR else 8
    cells = struct.unpack(">H", page[offset + 3:offset + 5])[0]
    for i in range(min(cells, pages.size // 2)):
        try:
            start = struct.unpack(">H", page[offset + header + 2 * i:offset + header + 2 * i + 2])[0]
            if kind == _INDEX_INTERIOR:
                start += 4
            yield _decode(_payload(page, start, pages))
        except (IndexError, ValueError, struct.error, UnicodeDecodeError):
            continue


def _payload(page: bytes, start: int, pages: _Pages) -> bytes:
    size, start = _varint(page, start)
    u = pages.usable
    most, least = (u - 12) * 64 // 255 - 23, (u - 12) * 32 // 255 - 23
    local = size if size <= most else least + (size - least) % (u - 4)
    if local > most:
        local = least
    out = bytearray(page[start:start + local])
    following = struct.unpack(">I", page[start + local:start + local + 4])[0] if local < size else 0
    for _ in range(_MAX_OVERFLOW_PAGES):
        if len(out) >= size or following == 0:
            break
        over = pages.get(following)
        if over is None:
            raise ValueError("an overflow page is missing")
        following = struct.unpack(">I", over[:4])[0]
        out += over[4:u]
    if len(out) < size:
        raise ValueError("the payload is cut short")
    return bytes(out[:size])


def _decode(payload: bytes) -> list[object]:
    """A record's values (https://sqlite.org/fileformat2.html#record_format)."""
    header_size, pos = _varint(payload, 0)
    types = []
    while pos < header_size:
        kind, pos = _varint(payload, pos)
        types.append(kind)
    body, values = header_size, []
    for kind in types:
        width = _width(kind)
        chunk = payload[body:body + width]
        if len(chunk) != width:
            raise ValueError("a value runs past its record")
        body += width
        values.append(_value(kind, chunk))
    return values


def _width(kind: int) -> int:
    if kind >= 12:
        return (kind - 12 - (kind & 1)) // 2
    return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0)[kind] if kind < 10 else _reject(kind)


def _value(kind: int, chunk: bytes) -> object:
    if kind == 0:
        return None
    if kind in (8, 9):
        return kind - 8
    if kind == 7:
        return float(struct.unpack(">d", chunk)[0])
    if kind < 7:
        return int.from_bytes(chunk, "big", signed=True)
    return chunk if kind % 2 == 0 else chunk.decode("utf-8")


def _reject(kind: int) -> int:
    raise ValueError(f"serial type {kind} is reserved")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = data[pos + i]
        if i == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    raise ValueError("unreachable")  # pragma: no cover
