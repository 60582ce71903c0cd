"""Stage workers over a real Kafka-protocol broker: SIGKILL mid-batch, two workers in one group, clean SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from oversight.flows.bus import open_bus
from oversight.flows.stages import STAGES
from oversight.schemas.settings import Settings
from oversight.warehouse import connect
from tests.kafka_broker import TansuBroker, free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.kafka, pytest.mark.slow]


@dataclass
class Worker:
    """A `oversight worker` subprocess whose log goes to a file (a pipe could fill up and block it)."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait: the batch in hand finishes and is committed."""
        os.kill(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def start_worker(env: dict[str, str], stage: str, name: str) -> Worker:
    log_path = Path(env["OVERSIGHT_HOME"]).parent / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "oversight.flows", "worker", stage], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    return Worker(process, log_path)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def settings_of(env: dict[str, str]) -> Settings:
    return Settings(**{k.removeprefix("OVERSIGHT_").lower(): v for k, v in env.items()  # type: ignore[arg-type]
                       if k.startswith("OVERSIGHT_")})


def lag(env: dict[str, str], stage: str) -> tuple[int, int]:
    """(end offset, lag) of a stage's group, summed over partitions."""
    group, topic = STAGES[stage].group, STAGES[stage].topic
    bus = open_bus(settings_of(env))
    try:
        rows = bus.lag({group: topic})
    finally:
        bus.close()
    return sum(r.end_offset for r in rows), sum(r.lag for r in rows)


def drain_with_worker(env: dict[str, str], stage: str, expected: int, timeout: float = 120) -> Worker:
    """Run one worker until its group has consumed and committed `expected` messages, then SIGTERM it."""
    worker = start_worker(env, stage, f"{stage}-drain")
    wait_for(lambda: lag(env, stage) == (expected, 0), timeout, f"{stage} to commit {expected} messages")
    assert worker.stop() == 0, worker.log()[-3000:]
    return worker


@pytest.fixture
def kafka_env(tmp_path: Path, fresh_kafka_broker: TansuBroker) -> dict[str, str]:
    """CLI environment on a broker of this test's own, with a short session so groups join in ~1 s."""
    home = tmp_path / "home"
    home.mkdir()
    return {**os.environ, "OVERSIGHT_HOME": str(home), "OVERSIGHT_BUS": "kafka",
            "OVERSIGHT_KAFKA_BOOTSTRAP": fresh_kafka_broker.bootstrap, "OVERSIGHT_KAFKA_SESSION_TIMEOUT_MS": "2000",
            "OVERSIGHT_KAFKA_CONNECT_TIMEOUT": "5", "OVERSIGHT_SAMPLE_PORT": str(free_port()),
            "OVERSIGHT_ALLOW_PRIVATE_NETWORKS": "true", "OVERSIGHT_PER_HOST_INTERVAL": "0"}


def queue_sample(env: dict[str, str]) -> int:
    """Poll the sample's entries onto the bus and extract them with one worker; return how many were queued."""
    from oversight.flows.poll import poll_stage
    from oversight.flows.sample import sample_feed_urls, serve_sample
    from oversight.warehouse import db
    from oversight.warehouse.feeds import FeedRow, register_feeds

    settings = settings_of(env)
    with serve_sample(settings.sample_port) as base:
        urls = sample_feed_urls(base)
        with db.writer(settings.lake) as con:
            register_feeds(con, [FeedRow(u, "sample", base, "sample") for u in urls])
        bus = open_bus(settings)
        try:
            queued = poll_stage(settings, bus, urls, force=True)["entries.new"]
        finally:
            bus.close()
        drain_with_worker(env, "extract", queued)
    return queued


@pytest.fixture
def sample_articles(kafka_env: dict[str, str]) -> Iterator[int]:
    """The sample's entries polled onto the bus and extracted by an extract worker; yields how many."""
    queued = queue_sample(kafka_env)
    assert lag(kafka_env, "tag")[0] == queued
    yield queued


def landed(env: dict[str, str]) -> tuple[int, int, int, int]:
    """(articles, distinct article ids, events, distinct event ids) in the warehouse."""
    con = connect(env["OVERSIGHT_HOME"])
    try:
        row = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(DISTINCT article_id) FROM articles), "
                          "(SELECT count(*) FROM events), (SELECT count(DISTINCT event_id) FROM events)").fetchone()
    finally:
        con.close()
    assert row is not None
    return row[0], row[1], row[2], row[3]


def test_tag_worker_killed_mid_batch_then_restarted_lands_every_article_once(
    kafka_env: dict[str, str], sample_articles: int
) -> None:
    env = {**kafka_env, "OVERSIGHT_BATCH_SIZE": "3"}
    victim = start_worker(env, "tag", "tag-victim")
    wait_for(lambda: lag(env, "land")[0] >= 3, 120, "the tag worker's first batch on the bus")
    os.kill(victim.process.pid, signal.SIGKILL)  # mid-batch: its output may be on the bus, its commit is not
    victim.process.wait(timeout=10)
    assert lag(env, "tag")[1] > 0
    drain_with_worker(env, "tag", sample_articles)
    tagged_end = lag(env, "land")[0]
    assert tagged_end >= sample_articles  # the killed batch may have been tagged twice on the bus...
    drain_with_worker(env, "land", tagged_end)
    articles, distinct, events, distinct_events = landed(env)
    assert articles == distinct == sample_articles  # ...but lands exactly once
    assert events == distinct_events


def test_two_tag_workers_in_one_group_split_the_partitions(kafka_env: dict[str, str], sample_articles: int) -> None:
    env = {**kafka_env, "OVERSIGHT_BATCH_SIZE": "2"}
    workers = [start_worker(env, "tag", f"tag-{i}") for i in range(2)]
    wait_for(lambda: lag(env, "tag") == (sample_articles, 0), 180, "the tag group to commit every article")
    for worker in workers:
        assert worker.stop() == 0, worker.log()[-3000:]
    for worker in workers:
        assert "tag: batch of" in worker.log(), f"{worker.log_path.name} received nothing"
        assert "oversight worker tag:" in worker.log()  # its one-line summary
    assigned = [set(line.split("assigned partitions ")[1].split(" of ")[0].strip("[]").split(", "))
                for w in workers for line in w.log().splitlines() if "assigned partitions" in line]
    assert any(len(parts) < 6 for parts in assigned)  # at some point the group split the six partitions
    drain_with_worker(env, "land", lag(env, "land")[0])
    articles, distinct, events, distinct_events = landed(env)
    assert articles == distinct == sample_articles
    assert events == distinct_events


def test_unreachable_broker_makes_a_worker_exit_non_zero_naming_it(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    env = {**os.environ, "OVERSIGHT_HOME": str(tmp_path), "OVERSIGHT_BUS": "kafka",
           "OVERSIGHT_KAFKA_BOOTSTRAP": address, "OVERSIGHT_KAFKA_CONNECT_TIMEOUT": "2"}
    clock = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "oversight.flows", "worker", "tag"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - clock
    assert result.returncode != 0
    assert f"error: cannot reach the Kafka broker at {address} within 2 s" in result.stderr
    assert elapsed < 20
