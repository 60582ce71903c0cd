"""Three land workers (three "machines": homes of their own) in one Kafka group on Tansu commit concurrently into
one lake whose catalog is in PostgreSQL; one is SIGKILLed mid-batch and restarted. Every table equals the
embedded bus's run of the same sample."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from oversight.schemas.settings import LakeLocation
from oversight.warehouse import db
from tests.kafka_broker import TansuBroker, free_port
from tests.test_kafka_pipeline import COMPARED
from tests.test_kafka_workers import ROOT, lag, queue_sample, settings_of, start_worker, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def table_rows(lake: LakeLocation) -> dict[str, list[tuple[object, ...]]]:
    with db.reader(lake) as con:
        return {table: sorted(con.execute(sql).fetchall(), key=repr) for table, sql in COMPARED.items()}


def test_three_land_workers_on_a_postgres_catalog_land_exactly_the_embedded_runs_rows(
    tmp_path: Path, fresh_kafka_broker: TansuBroker, pg_catalog: str
) -> None:
    base = {**os.environ, "OVERSIGHT_SAMPLE_PORT": str(free_port())}
    embedded_home = tmp_path / "embedded"
    embedded = subprocess.run([sys.executable, "-m", "oversight.flows", "run", "--sample"], cwd=ROOT, timeout=600,
                              env={**base, "OVERSIGHT_HOME": str(embedded_home), "OVERSIGHT_BUS": "embedded"},
                              capture_output=True, text=True)
    assert embedded.returncode == 0, embedded.stderr[-3000:]

    env = {**base, "OVERSIGHT_HOME": str(tmp_path / "machine0"), "OVERSIGHT_BUS": "kafka",
           "OVERSIGHT_KAFKA_BOOTSTRAP": fresh_kafka_broker.bootstrap, "OVERSIGHT_KAFKA_SESSION_TIMEOUT_MS": "2000",
           "OVERSIGHT_KAFKA_CONNECT_TIMEOUT": "5", "OVERSIGHT_ALLOW_PRIVATE_NETWORKS": "true",
           "OVERSIGHT_PER_HOST_INTERVAL": "0", "OVERSIGHT_CATALOG": pg_catalog,
           "OVERSIGHT_DATA_PATH": str(tmp_path / "shared-data"), "OVERSIGHT_BATCH_SIZE": "4"}
    queued = queue_sample(env)

    def machine(i: int) -> dict[str, str]:
        home = tmp_path / f"machine{i}"
        home.mkdir(exist_ok=True)
        return {**env, "OVERSIGHT_HOME": str(home), "OVERSIGHT_LAND_BATCH_SIZE": "2"}

    # The land group forms first; the tag worker then feeds it a few articles at a time, so the three commit
    # concurrently rather than one of them finding the whole topic waiting.
    landers = [start_worker(machine(i), "land", f"land-{i}") for i in (1, 2, 3)]
    wait_for(lambda: all("assigned partitions" in w.log() for w in landers), 120, "three land workers to join")
    tagger = start_worker(env, "tag", "tag")
    victim = landers[0]
    wait_for(lambda: victim.log().count("land: batch of") >= 2, 240, "the first land worker's second batch")
    os.kill(victim.process.pid, signal.SIGKILL)  # mid-batch: its transaction and its offsets uncommitted
    victim.process.wait(timeout=10)
    landers[0] = start_worker(machine(1), "land", "land-1-restarted")
    wait_for(lambda: lag(env, "tag") == (queued, 0), 300, "the tag worker to commit every article")
    assert tagger.stop() == 0, tagger.log()[-3000:]
    tagged_end = lag(env, "land")[0]
    dead_end = lag(env, "dead-letters")[0]
    wait_for(lambda: lag(env, "land") == (tagged_end, 0) and lag(env, "dead-letters") == (dead_end, 0), 300,
             "the land group to commit every tagged article and dead letter")
    for worker in landers[1:] + [landers[0]]:
        assert worker.stop() == 0, worker.log()[-3000:]
    assert sum("land: batch of" in w.log() for w in landers) >= 2, "the landing was not shared"

    expected, got = table_rows(settings_of({**base, "OVERSIGHT_HOME": str(embedded_home)}).lake), \
        table_rows(settings_of(env).lake)
    assert len(expected["articles"]) >= 30 and len(expected["events"]) >= 5
    for table in COMPARED:
        assert got[table] == expected[table], f"{table} differs between the concurrent and embedded landings"
