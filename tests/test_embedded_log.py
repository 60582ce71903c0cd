"""The embedded bus: durable, shared by processes, redelivers what was not committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from oversight.flows.bus.embedded import EmbeddedBus

ROOT = Path(__file__).resolve().parents[1]


def test_consume_commit_and_resume(tmp_path: Path) -> None:
    bus = EmbeddedBus(tmp_path)
    bus.produce("t", [(f"k{i}", f"v{i}".encode()) for i in range(10)])
    first = bus.consumer("g", "t")
    batch = first.poll(4)
    assert [m.value for m in batch] == [b"v0", b"v1", b"v2", b"v3"]
    assert [m.key for m in batch] == ["k0", "k1", "k2", "k3"]
    first.commit(batch)
    assert len(first.poll(100)) == 6  # position moves on without a commit...
    first.close()
    again = bus.consumer("g", "t")
    assert [m.offset for m in again.poll(100)] == list(range(4, 10))  # ...but only commits survive a close
    assert bus.lag({"g": "t"})[0].lag == 6
    assert bus.consumer("other", "t").poll(1)[0].offset == 0  # groups are independent


def test_a_group_is_served_to_one_consumer_at_a_time(tmp_path: Path) -> None:
    bus = EmbeddedBus(tmp_path)
    bus.produce("t", [(None, b"x")])
    holder = bus.consumer("g", "t")
    assert holder.poll(10)
    assert bus.consumer("g", "t").poll(10) == []  # the lease is held
    holder.close()
    assert [m.value for m in bus.consumer("g", "t").poll(10)] == [b"x"]


def test_offsets_continue_across_processes_and_reopen(tmp_path: Path) -> None:
    code = "import sys; from oversight.flows.bus.embedded import EmbeddedBus; EmbeddedBus(sys.argv[1]).produce('t', [(None, b'p')] * 50)"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT) for _ in range(3)]
    assert all(p.wait(60) == 0 for p in procs)
    reopened = EmbeddedBus(tmp_path)
    assert [m.offset for m in reopened.consumer("g", "t").poll(1000)] == list(range(150))


def test_a_batch_consumed_by_a_killed_process_is_redelivered(tmp_path: Path) -> None:
    bus = EmbeddedBus(tmp_path)
    bus.produce("t", [(str(i), str(i).encode()) for i in range(20)])
    earlier = bus.consumer("g", "t")
    earlier.commit(earlier.poll(5))  # an earlier run finished 5
    earlier.close()
    worker = textwrap.dedent(f"""
        import sys, time
        from oversight.flows.bus.embedded import EmbeddedBus
        c = EmbeddedBus({str(tmp_path)!r}).consumer('g', 't')
        batch = c.poll(8)
        print(batch[0].offset, batch[-1].offset, flush=True)
        time.sleep(60)  # killed here, between consume and commit
        c.commit(batch)
    """)
    proc = subprocess.Popen([sys.executable, "-c", worker], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().split() == ["5", "12"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    redelivered = EmbeddedBus(tmp_path).consumer("g", "t").poll(100)
    assert [m.offset for m in redelivered] == list(range(5, 20))


def test_prune_keeps_what_any_group_still_needs(tmp_path: Path) -> None:
    bus = EmbeddedBus(tmp_path)
    bus.produce("t", [(None, b"x")] * 10)
    fast, slow = bus.consumer("fast", "t"), bus.consumer("slow", "t")
    fast.commit(fast.poll(10))
    slow.commit(slow.poll(3))
    assert bus.prune(older_than_s=0) == 3
    assert [m.offset for m in bus.consumer("slow", "t").poll(100)] == []  # slow holds its lease and position
    slow.commit(bus.read("t", 3, 100))
    assert bus.prune(older_than_s=0) == 6  # the newest message stays...
    bus.produce("t", [(None, b"y")])
    assert bus.end_offset("t") == 11  # ...so offsets keep counting after a prune


def test_a_bit_flip_in_the_log_is_reported_with_topic_and_offset_and_the_rest_flow(tmp_path: Path) -> None:
    import sqlite3

    from oversight.flows.stages import decode_batch
    from oversight.schemas import topics
    from oversight.schemas.records import FeedEntry, encode

    bus = EmbeddedBus(tmp_path)
    entries = [FeedEntry(article_id=f"a{i}", url=f"https://news.example/{i}", feed_url="https://news.example/feed")
               for i in range(3)]
    bus.produce(topics.ENTRIES, [(e.article_id, encode(e)) for e in entries])
    # Damage the stored value of offset 1 behind the bus's back, keeping it valid JSON: only a checksum sees it.
    with sqlite3.connect(tmp_path / "log.sqlite") as raw:
        raw.execute("UPDATE messages SET value = replace(value, CAST('news.example/1' AS BLOB), "
                    "CAST('evil.example/1' AS BLOB)) WHERE offset = 1")

    batch = bus.consumer("g", topics.ENTRIES).poll(10)

    assert [m.offset for m in batch] == [0, 1, 2] and [m.corrupt is None for m in batch] == [True, False, True]
    assert "oversight.entries[0]@1" in (batch[1].corrupt or "") and "checksum" in (batch[1].corrupt or "")
    decoded = decode_batch("extract", batch, FeedEntry)
    assert [r.article_id for _, r in decoded.records] == ["a0", "a2"]  # type: ignore[attr-defined]
    assert [(d.reason, d.source_offset) for d in decoded.dead] == [("corrupt_message", "oversight.entries[0]@1")]


def test_a_log_from_before_checksums_still_reads(tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "log.sqlite") as old:
        old.executescript("CREATE TABLE messages (topic TEXT NOT NULL, offset INTEGER NOT NULL, key TEXT, "
                          "value BLOB NOT NULL, produced_at REAL NOT NULL, PRIMARY KEY (topic, offset)) WITHOUT ROWID;"
                          "INSERT INTO messages VALUES ('t', 0, 'k', X'6F6C64', 0);")
    bus = EmbeddedBus(tmp_path)
    bus.produce("t", [("k2", b"new")])
    assert [(m.value, m.corrupt) for m in bus.consumer("g", "t").poll(10)] == [(b"old", None), (b"new", None)]


def _filled_log(directory: Path) -> tuple[dict[int, bytes], int]:
    """2,000 messages on topic t (every tenth one spills to overflow pages) and 50 on u; group g has committed 300
    of t. Closed, so everything is in the main file. Returns the values of t and the page size."""
    import sqlite3

    bus = EmbeddedBus(directory)
    values = {i: (f"message {i} " * (600 if i % 10 == 0 else 40)).encode() for i in range(2000)}
    bus.produce("t", [(f"k{i}", values[i]) for i in range(2000)])
    bus.produce("u", [(None, b"u%d" % i) for i in range(50)])
    first = bus.consumer("g", "t")
    first.commit(first.poll(300))
    first.close()
    bus.close()
    with sqlite3.connect(directory / "log.sqlite") as db:
        return values, int(db.execute("PRAGMA page_size").fetchone()[0])


def _page_stats(path: Path) -> list[tuple[int, str, int]]:
    """(page number, page type, cells) of every page of the messages table, from SQLite's dbstat."""
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute("SELECT pageno, pagetype, ncell FROM dbstat WHERE name = 'messages'").fetchall()


def _drain(bus: EmbeddedBus, group: str, topic: str) -> list[object]:
    consumer, got = bus.consumer(group, topic), []
    while batch := consumer.poll(64):
        got += batch
    consumer.close()
    return got


def _assert_flowed_past_damage(bus: EmbeddedBus, values: dict[int, bytes], most_lost: int,
                               tail_cut: bool = False) -> int:
    """Group g gets every offset from its commit on, exactly once: the intact messages as produced, each lost
    one as a corrupt message naming the file. With the file's tail cut, the newest messages can be gone without a
    trace (nothing says how many there were). Returns how many were lost."""
    from oversight.flows.bus.base import Message

    got = [m for m in _drain(bus, "g", "t") if isinstance(m, Message)]
    end = got[-1].offset + 1 if tail_cut else 2000
    assert [m.offset for m in got] == list(range(300, end))  # the commit survived, nothing skipped or doubled
    lost = [m for m in got if m.corrupt]
    assert all(m.value == values[m.offset] for m in got if not m.corrupt)
    assert all(str(bus.path) in (m.corrupt or "") and "damaged" in (m.corrupt or "") for m in lost)
    assert 0 < len(lost) + (2000 - end) <= most_lost
    if not tail_cut:  # (u was produced last: its pages are past a cut)
        assert [m.value for m in _drain(bus, "g2", "u")] == [b"u%d" % i for i in range(50)]
    bus.produce("t", [(None, b"after")])  # offsets continue after every offset the log still knows
    assert [m.value for m in bus.read("t", end, 10)] == [b"after"]
    return len(lost)


def test_a_page_overwritten_in_the_middle_of_the_log_loses_only_that_page(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    values, page_size = _filled_log(tmp_path)
    pages = _page_stats(tmp_path / "log.sqlite")
    # The worst place: an interior page, whose loss hides every page below it from SQLite.
    number, _, cells = sorted(p for p in pages if p[1] == "internal")[len([p for p in pages if p[1] == "internal"]) // 2]
    earlier = EmbeddedBus(tmp_path)  # another process's bus, open across the damage and the repair
    with open(tmp_path / "log.sqlite", "r+b") as f:
        f.seek((number - 1) * page_size)
        f.write(os.urandom(page_size))

    lost = _assert_flowed_past_damage(EmbeddedBus(tmp_path), values, most_lost=cells)

    reports = [r.getMessage() for r in caplog.records if "was damaged" in r.getMessage()]
    assert len(reports) == 1 and str(tmp_path / "log.sqlite") in reports[0]  # reported once, naming the file
    assert f"{lost} message(s) could not be read" in reports[0]
    assert len(list(tmp_path.glob("log.sqlite.damaged-*Z"))) == 1  # the damaged file is kept for a post-mortem
    earlier.produce("t", [(None, b"from the other process")])
    assert [m.value for m in earlier.read("t", 2000, 10)] == [b"after", b"from the other process"]


def test_a_repair_in_another_process_is_not_repeated(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    values, page_size = _filled_log(tmp_path)
    leaves = sorted(p for p in _page_stats(tmp_path / "log.sqlite") if p[1] == "leaf")
    leaf = leaves[len(leaves) // 2]  # past group g's commit
    first, second = EmbeddedBus(tmp_path), EmbeddedBus(tmp_path)
    with open(tmp_path / "log.sqlite", "r+b") as f:
        f.seek((leaf[0] - 1) * page_size + 8)
        f.write(os.urandom(page_size - 8))

    assert len(_drain(first, "g", "t")) == 1700
    assert len(_drain(second, "g3", "t")) == 2000

    assert len([r for r in caplog.records if "was damaged" in r.getMessage()]) == 1


def test_a_log_truncated_mid_page_keeps_every_message_before_the_cut(tmp_path: Path) -> None:
    values, page_size = _filled_log(tmp_path)
    path = tmp_path / "log.sqlite"
    cut = os.path.getsize(path) * 2 // 3 + page_size // 2
    import sqlite3

    with sqlite3.connect(path) as db:  # what lives past the cut: the most that can be lost
        beyond = db.execute("SELECT count(*) FILTER (WHERE pagetype = 'overflow') + sum(ncell) FILTER "
                            "(WHERE pagetype <> 'overflow') FROM dbstat WHERE name = 'messages' AND pageno > ?",
                            (cut // page_size,)).fetchone()[0]
    os.truncate(path, cut)

    _assert_flowed_past_damage(EmbeddedBus(path.parent), values, most_lost=beyond, tail_cut=True)


def test_a_destroyed_header_loses_nothing_else(tmp_path: Path) -> None:
    values, _ = _filled_log(tmp_path)
    with open(tmp_path / "log.sqlite", "r+b") as f:
        f.write(b"\xff" * 100)  # SQLite: "file is not a database"

    bus = EmbeddedBus(tmp_path)

    got = _drain(bus, "g", "t")
    assert [(m.offset, m.value, m.corrupt) for m in got] == [(i, values[i], None) for i in range(300, 2000)]


def test_lost_messages_become_one_dead_letter_each(tmp_path: Path) -> None:
    from oversight.flows.stages import decode_batch
    from oversight.schemas.records import FeedEntry

    bus = EmbeddedBus(tmp_path)  # no group has committed: every offset from 0 is owed to someone
    bus.produce("t", [(None, b"x" * 400)] * 1000)
    bus.close()
    leaf = next(p for p in _page_stats(tmp_path / "log.sqlite") if p[1] == "leaf" and p[2] > 2)
    with open(tmp_path / "log.sqlite", "r+b") as f:
        f.seek((leaf[0] - 1) * 4096 + 8)
        f.write(os.urandom(4096 - 8))

    got = EmbeddedBus(tmp_path).read("t", 0, 5000)

    assert [m.offset for m in got] == list(range(1000))
    decoded = decode_batch("extract", [m for m in got if m.corrupt], FeedEntry)
    assert len(decoded.dead) == leaf[2] == len({d.dead_letter_id for d in decoded.dead})
    assert {d.reason for d in decoded.dead} == {"corrupt_message"}
