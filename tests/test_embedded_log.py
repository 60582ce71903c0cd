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
