"""The sample pipeline through the CLI over Kafka: same rows as the embedded bus, and a broker down at start.

The three runs share one sample port (article ids hash the URL, which includes it), so they run one
after another in a module fixture and the tests check different things about them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from oversight.warehouse import connect
from tests.kafka_broker import free_port, start_broker

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.kafka, pytest.mark.slow]

# Every landed table, without the columns that record when a run happened.
COMPARED = {
    "entries": "SELECT * EXCLUDE (first_seen) FROM entries",
    "articles": "SELECT * EXCLUDE (fetched_at, landed_at) FROM articles",
    "mentions": "SELECT * FROM mentions",
    "events": "SELECT * EXCLUDE (landed_at) FROM events",
    "agencies": "SELECT * EXCLUDE (first_seen) FROM agencies",
    "vendors": "SELECT * EXCLUDE (first_seen) FROM vendors",
    "dead_letters": "SELECT * EXCLUDE (failed_at, replayed_at, source_offset) FROM dead_letters",
}


@dataclass
class Runs:
    embedded: subprocess.CompletedProcess[str]
    embedded_home: Path
    down: subprocess.CompletedProcess[str]
    down_seconds: float
    down_address: str
    down_marked: int
    kafka: subprocess.CompletedProcess[str]
    kafka_home: Path


def run_sample(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "oversight.flows", "run", "--sample"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Kafka run with the broker down; an embedded run; the same Kafka run again once the broker is up."""
    base = {**os.environ, "OVERSIGHT_SAMPLE_PORT": str(free_port())}
    embedded_home, kafka_home = tmp_path_factory.mktemp("embedded"), tmp_path_factory.mktemp("kafka")
    port = free_port()
    kafka_env = {**base, "OVERSIGHT_HOME": str(kafka_home), "OVERSIGHT_BUS": "kafka",
                 "OVERSIGHT_KAFKA_BOOTSTRAP": f"127.0.0.1:{port}", "OVERSIGHT_KAFKA_CONNECT_TIMEOUT": "1",
                 "OVERSIGHT_KAFKA_SESSION_TIMEOUT_MS": "2000"}
    clock = time.monotonic()
    down = run_sample(kafka_env)
    down_seconds = time.monotonic() - clock
    down_marked = marked_done(kafka_home)
    embedded = run_sample({**base, "OVERSIGHT_HOME": str(embedded_home), "OVERSIGHT_BUS": "embedded"})
    broker = start_broker(port)
    try:
        kafka = run_sample(kafka_env)
    finally:
        broker.stop()
    yield Runs(embedded, embedded_home, down, down_seconds, f"127.0.0.1:{port}", down_marked, kafka, kafka_home)


def marked_done(home: Path) -> int:
    """Entries recorded as seen plus feeds recorded as polled: what a next poll would skip."""
    if not (home / "catalog.sqlite").exists():
        return 0
    con = connect(home)
    try:
        row = con.execute("SELECT (SELECT count(*) FROM entries) + "
                          "(SELECT count(*) FROM feeds WHERE last_polled_at IS NOT NULL)").fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def rows(home: Path) -> dict[str, list[tuple[object, ...]]]:
    con = connect(home)
    try:
        return {table: sorted(con.execute(sql).fetchall(), key=repr) for table, sql in COMPARED.items()}
    finally:
        con.close()


def summary(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stdout.splitlines() if line.startswith("oversight run --sample:")]
    assert lines, result.stdout[-2000:] + result.stderr[-3000:]
    return lines[0]


def test_sample_over_kafka_lands_exactly_the_rows_of_the_embedded_bus(runs: Runs) -> None:
    assert runs.embedded.returncode == 0, runs.embedded.stderr[-3000:]
    assert runs.kafka.returncode == 0, runs.kafka.stderr[-3000:]
    embedded, kafka = rows(runs.embedded_home), rows(runs.kafka_home)
    assert len(embedded["articles"]) >= 30 and len(embedded["events"]) >= 5
    for table in COMPARED:
        assert kafka[table] == embedded[table], f"{table} differs between the Kafka and embedded runs"


def test_broker_down_at_start_fails_clearly_and_marks_nothing_done(runs: Runs) -> None:
    assert runs.down.returncode != 0
    assert f"error: cannot reach the Kafka broker at {runs.down_address}" in runs.down.stderr
    # Bounded: three 1 s connection attempts and Prefect's two 10 s retry delays, plus startup.
    assert runs.down_seconds < 150
    assert runs.down_marked == 0
    # The later run with the broker up found every entry new: the failed run recorded none as seen...
    assert summary(runs.kafka).split("entries new=")[1].split()[0] == \
        summary(runs.embedded).split("entries new=")[1].split()[0]
    # ...and processed all of them.
    assert "extract ok=" in summary(runs.kafka) and "land articles=" in summary(runs.kafka)
