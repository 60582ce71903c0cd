"""`oversight worker` and `oversight status` on both backends; a failing message is isolated, not fatal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from oversight.flows.bus import Message, open_bus
from oversight.flows.bus.embedded import EmbeddedBus
from oversight.flows.outcomes import Outcomes
from oversight.flows.stages import STAGES, process_batch
from oversight.schemas import topics
from oversight.schemas.records import Article, DeadLetter, decode, encode
from oversight.schemas.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TEXT = "The Springfield Police Department will deploy license plate readers from Flock Safety, the city said."


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    values = {**os.environ, "OVERSIGHT_HOME": str(tmp_path / "home"), "OVERSIGHT_BUS": request.param,
              "OVERSIGHT_BATCH_SIZE": "2"}
    if request.param == "kafka":
        broker = request.getfixturevalue("fresh_kafka_broker")
        values |= {"OVERSIGHT_KAFKA_BOOTSTRAP": broker.bootstrap, "OVERSIGHT_KAFKA_SESSION_TIMEOUT_MS": "2000"}
    return values


def settings(env: dict[str, str]) -> Settings:
    return Settings(**{k.removeprefix("OVERSIGHT_").lower(): v for k, v in env.items()  # type: ignore[arg-type]
                       if k.startswith("OVERSIGHT_")})


def queue_articles(env: dict[str, str], n: int) -> None:
    bus = open_bus(settings(env))
    try:
        bus.produce(topics.ARTICLES, [(f"a{i}", encode(Article(article_id=f"a{i}", url=f"https://x.example/{i}",
                                                               text=TEXT, language="en"))) for i in range(n)])
    finally:
        bus.close()


def tagged(env: dict[str, str]) -> int:
    """Articles the tag stage has published (the tagged topic's end offset)."""
    bus = open_bus(settings(env))
    try:
        return sum(r.end_offset for r in bus.lag({"probe": topics.TAGGED}))
    finally:
        bus.close()


def committed(env: dict[str, str], stage: str) -> int:
    group, topic = STAGES[stage].group, STAGES[stage].topic
    bus = open_bus(settings(env))
    try:
        return sum(r.committed for r in bus.lag({group: topic}))
    finally:
        bus.close()


def test_sigterm_finishes_the_batch_in_hand_commits_and_exits_zero(env: dict[str, str], tmp_path: Path) -> None:
    # Far more articles than the worker can tag between our noticing its first batch and its stopping: on a
    # loaded machine, 40 were all tagged before the signal arrived.
    queue = 1000
    queue_articles(env, queue)
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "oversight.flows", "worker", "tag"], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while tagged(env) == 0 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tagged(env) > 0, log_path.read_text()[-3000:]
    os.kill(worker.pid, signal.SIGTERM)  # once a batch was tagged: the next one is in hand or about to be
    assert worker.wait(timeout=120) == 0, log_path.read_text()[-3000:]
    text = log_path.read_text()
    assert "SIGTERM received" in text and "oversight worker tag: tag ok=" in text
    # The batch in hand was finished and committed (every article tagged is committed), and no more taken.
    assert committed(env, "tag") == tagged(env) < queue


def test_status_shows_offsets_lag_and_dead_letters(env: dict[str, str]) -> None:
    queue_articles(env, 5)
    result = subprocess.run([sys.executable, "-m", "oversight.flows", "status", "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    totals = {t["topic"]: t for t in report["bus"]["totals"]}
    assert totals[topics.ARTICLES]["end"] == 5 and totals[topics.ARTICLES]["lag"] == 5
    assert totals[topics.ARTICLES]["group"] == topics.GROUP_TAG
    assert len(report["bus"]["partitions"]) == (4 if env["OVERSIGHT_BUS"] == "embedded" else 4 * 6)
    assert "no warehouse" in report["warehouse"]["error"]
    table = subprocess.run([sys.executable, "-m", "oversight.flows", "status"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=60)
    assert table.returncode == 0 and f"bus: {env['OVERSIGHT_BUS']}" in table.stdout
    assert topics.GROUP_TAG in table.stdout and "dead letters: 0 on oversight.dead-letters" in table.stdout


def test_status_with_the_broker_down_says_so_and_exits_non_zero(tmp_path: Path) -> None:
    env = {**os.environ, "OVERSIGHT_HOME": str(tmp_path), "OVERSIGHT_BUS": "kafka",
           "OVERSIGHT_KAFKA_BOOTSTRAP": "127.0.0.1:1", "OVERSIGHT_KAFKA_CONNECT_TIMEOUT": "1"}
    result = subprocess.run([sys.executable, "-m", "oversight.flows", "status"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert "error: cannot reach the Kafka broker at 127.0.0.1:1" in result.stdout and "last runs" in result.stdout


def test_a_message_that_breaks_the_step_is_dead_lettered_and_the_rest_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fragile_step(settings: Settings, bus: object, batch: list[Message], _: object = None) -> Outcomes:
        if any(m.value == b"boom" for m in batch):
            raise ValueError("cannot handle boom")
        outcomes = Outcomes()
        outcomes.add("tag", "ok", len(batch))
        return outcomes

    monkeypatch.setitem(STAGES, "tag", replace(STAGES["tag"], step=fragile_step))
    bus = EmbeddedBus(tmp_path)
    batch = [Message(topics.ARTICLES, 0, i, f"k{i}", b"boom" if i == 1 else b"fine") for i in range(3)]
    outcomes = process_batch(Settings(home=tmp_path), bus, "tag", batch)
    assert outcomes.stage("tag") == {"dead_letter": 1, "ok": 2}
    consumer = bus.consumer("check", topics.DEAD_LETTERS)
    [letter_msg] = consumer.poll(10)
    letter = decode(letter_msg.value, DeadLetter)
    assert isinstance(letter, DeadLetter)
    assert (letter.key, letter.reason, letter.payload) == ("k1", "processing_error", "boom")
    assert "cannot handle boom" in letter.error
