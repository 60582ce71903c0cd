"""The embedded bus: durable, shared by processes, redelivers what was not committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from flows.bus.embedded import EmbeddedBus

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
    code = "import sys; from flows.bus.embedded import EmbeddedBus; EmbeddedBus(sys.argv[1]).produce('t', [(None, b'p')] * 50)"
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
        from flows.bus.embedded import EmbeddedBus
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

    from flows.stages import decode_batch
    from schemas import topics
    from schemas.records import FeedEntry, encode

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
