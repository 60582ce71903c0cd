"""Poison messages become dead letters with their reason, the stage carries on, and replay sends them back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oversight.flows.bus import Bus, open_bus
from oversight.flows.stages import run_stage
from oversight.schemas import topics
from oversight.schemas.records import Article, DeadLetter, FeedEntry, encode
from oversight.schemas.settings import Settings
from oversight.warehouse import connect, db
from oversight.warehouse.loader import land_dead_letters

ROOT = Path(__file__).resolve().parents[1]
TEXT = ("The Springfield Police Department will deploy license plate readers from Flock Safety across the city, "
        "the department said on Monday. The city council approved the contract last week.")


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """OVERSIGHT_* settings for one backend (Kafka: a broker of this test's own, topics are the real ones)."""
    values = {"OVERSIGHT_HOME": str(tmp_path / "home"), "OVERSIGHT_BUS": request.param}
    if request.param == "kafka":
        broker = request.getfixturevalue("fresh_kafka_broker")
        values |= {"OVERSIGHT_KAFKA_BOOTSTRAP": broker.bootstrap, "OVERSIGHT_KAFKA_SESSION_TIMEOUT_MS": "2000"}
    return values


@pytest.fixture
def bus(env: dict[str, str]) -> Iterator[Bus]:
    opened = open_bus(settings(env))
    yield opened
    opened.close()


def settings(env: dict[str, str]) -> Settings:
    return Settings(**{k.removeprefix("OVERSIGHT_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]


def oversight(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "oversight.flows", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def article(n: int) -> Article:
    return Article(article_id=f"a{n}", url=f"https://news.example/{n}", title=f"Story {n}", text=TEXT, language="en")


def with_version(record: Article, version: int) -> bytes:
    envelope = json.loads(encode(record))
    envelope["schema_version"] = version
    return json.dumps(envelope).encode()


def process(env: dict[str, str], bus: Bus) -> None:
    for stage in ("tag", "land", "dead-letters"):
        run_stage(settings(env), bus, stage)


def query(env: dict[str, str], sql: str) -> list[tuple[object, ...]]:
    con = connect(env["OVERSIGHT_HOME"])
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_poison_messages_are_dead_lettered_and_a_fixed_one_replays(env: dict[str, str], bus: Bus) -> None:
    bus.produce(topics.ARTICLES, [("a1", encode(article(1))), ("a2", b"{this is not json"),
                                  ("a3", with_version(article(3), 99))])
    process(env, bus)
    assert query(env, "SELECT article_id FROM articles") == [("a1",)]  # the stage carried on
    letters = query(env, "SELECT key, stage, reason, error, dead_letter_id FROM dead_letters ORDER BY key")
    assert [(k, s, r) for k, s, r, _, _ in letters] == [("a2", "tag", "bad_message"), ("a3", "tag", "bad_message")]
    assert "not JSON" in str(letters[0][3]) and "unsupported schema_version 99" in str(letters[1][3])
    fixed_id = str(letters[1][4])
    with db.writer(settings(env).lake) as con:  # an operator corrects the payload
        con.execute("UPDATE dead_letters SET payload = ? WHERE dead_letter_id = ?",
                    [encode(article(3)).decode(), fixed_id])
    result = oversight(env, "replay", "--id", fixed_id)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"replayed {fixed_id} (tag, bad_message) -> {topics.ARTICLES}" in result.stdout
    process(env, bus)
    assert query(env, "SELECT article_id FROM articles ORDER BY 1") == [("a1",), ("a3",)]
    assert query(env, "SELECT key FROM dead_letters WHERE replayed_at IS NOT NULL") == [("a3",)]


def test_replay_chooses_by_filter_and_refuses_letters_from_outside_the_bus(env: dict[str, str], bus: Bus) -> None:
    entry = FeedEntry(article_id="e1", url="https://news.example/e1", feed_url="https://news.example/feed")
    letters = [
        DeadLetter(dead_letter_id="d-entry", stage="extract", source_topic=topics.ENTRIES, key="e1",
                   reason="http_500", payload=encode(entry).decode()),
        DeadLetter(dead_letter_id="d-feed", stage="poll", source_topic="feeds", key=None, reason="bad_feed",
                   payload="<rss"),
    ]
    with db.writer(settings(env).lake) as con:
        land_dead_letters(con, letters)
    missing = oversight(env, "replay", "--id", "no-such-letter")
    assert missing.returncode == 1 and "not found no-such-letter" in missing.stderr
    nothing = oversight(env, "replay")
    assert nothing.returncode != 0 and "--all" in nothing.stderr
    result = oversight(env, "replay", "--all")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "replayed d-entry (extract, http_500) -> oversight.entries" in result.stdout
    assert "not replayable d-feed (poll, bad_feed)" in result.stdout and "not a bus topic" in result.stdout
    consumer = bus.consumer("check", topics.ENTRIES)
    got = consumer.poll(10, timeout=5)
    consumer.close()
    assert [(m.key, m.value) for m in got] == [("e1", encode(entry))]  # key and payload as they were
    again = oversight(env, "replay", "--all")  # replayed letters are not chosen twice by a filter
    assert "replayed=0" in again.stdout
