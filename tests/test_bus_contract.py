"""The bus contract, checked against both backends: the embedded log and a real Kafka-protocol broker."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from oversight.flows.bus import Bus, BusError, Consumer, Message
from oversight.flows.bus.embedded import EmbeddedBus
from oversight.schemas.settings import Settings
from tests.kafka_broker import free_port, kafka_settings

OpenBus = Callable[[], Bus]


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
def open_bus(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenBus]:
    """A factory of bus connections to one backend; every connection is closed after the test."""
    opened: list[Bus] = []

    def factory() -> Bus:
        if request.param == "embedded":
            bus: Bus = EmbeddedBus(tmp_path / "bus")
        else:
            from oversight.flows.bus.kafka import KafkaBus

            bus = KafkaBus(kafka_settings(request.getfixturevalue("kafka_broker")))
        opened.append(bus)
        return bus

    yield factory
    for bus in opened:
        bus.close()


@pytest.fixture
def names() -> tuple[str, str]:
    """A topic and group of this test's own, so tests can share one broker."""
    tag = uuid.uuid4().hex[:10]
    return f"test.{tag}", f"group-{tag}"


def drain(consumer: Consumer, batch: int = 50, timeout: float = 0.5) -> list[Message]:
    """Everything the consumer gets until a poll comes back empty (nothing committed)."""
    got: list[Message] = []
    while messages := consumer.poll(batch, timeout):
        got.extend(messages)
    return got


def items(n: int, prefix: str = "v") -> list[tuple[str | None, bytes]]:
    return [(f"article-{i % 7}", f"{prefix}{i}".encode()) for i in range(n)]


def test_every_message_is_consumed_with_its_key_and_order_per_key(open_bus: OpenBus, names: tuple[str, str]) -> None:
    topic, group = names
    bus = open_bus()
    bus.produce(topic, items(40))
    bus.produce(topic, [])  # nothing to send is not an error
    consumer = bus.consumer(group, topic)
    got = drain(consumer, batch=7)
    consumer.close()
    assert sorted((m.key, m.value) for m in got) == sorted(items(40))
    for key in {m.key for m in got}:  # Kafka orders within a partition, and a key maps to one partition
        values = [int(m.value[1:]) for m in got if m.key == key]
        assert values == sorted(values)


def test_committed_messages_are_not_delivered_again(open_bus: OpenBus, names: tuple[str, str]) -> None:
    topic, group = names
    bus = open_bus()
    bus.produce(topic, items(30))
    consumer = bus.consumer(group, topic)
    got = drain(consumer)
    consumer.commit(got)
    consumer.close()
    again = open_bus().consumer(group, topic)
    assert again.poll(50, timeout=0.5) == []
    again.close()


def test_after_a_partial_commit_a_new_consumer_gets_exactly_the_rest(
    open_bus: OpenBus, names: tuple[str, str]
) -> None:
    topic, group = names
    bus = open_bus()
    bus.produce(topic, items(30))
    consumer = bus.consumer(group, topic)
    first = consumer.poll(10, timeout=5)
    consumer.commit(first)
    drain(consumer)  # taken but never committed, as if the worker died with these in hand
    consumer.close()
    second = open_bus().consumer(group, topic)
    rest = drain(second)
    second.close()
    assert first
    assert sorted(m.value for m in [*first, *rest]) == sorted(v for _, v in items(30))


def test_redelivery_after_close_without_any_commit(open_bus: OpenBus, names: tuple[str, str]) -> None:
    topic, group = names
    bus = open_bus()
    bus.produce(topic, items(12))
    consumer = bus.consumer(group, topic)
    first = drain(consumer)
    consumer.close()
    again = bus.consumer(group, topic)
    second = drain(again)
    again.commit(second)
    again.close()
    assert sorted(m.value for m in first) == sorted(m.value for m in second) == sorted(v for _, v in items(12))


def test_groups_are_independent(open_bus: OpenBus, names: tuple[str, str]) -> None:
    topic, group = names
    bus = open_bus()
    bus.produce(topic, items(5))
    one = bus.consumer(group, topic)
    one.commit(drain(one))
    one.close()
    other = bus.consumer(group + "-other", topic)
    assert len(drain(other)) == 5
    other.close()


def test_lag_reports_end_and_committed_offsets(open_bus: OpenBus, names: tuple[str, str]) -> None:
    topic, group = names
    bus = open_bus()
    bus.produce(topic, items(25))
    before = bus.lag({group: topic})
    assert sum(r.end_offset for r in before) == 25 and sum(r.committed for r in before) == 0
    consumer = bus.consumer(group, topic)
    batch = consumer.poll(10, timeout=5)
    consumer.commit(batch)
    consumer.close()
    after = bus.lag({group: topic})
    assert {(r.topic, r.group) for r in after} == {(topic, group)}
    assert sum(r.end_offset for r in after) == 25
    # committed counts whole partitions up to the batch's last offset in each
    assert sum(r.lag for r in after) == 25 - sum(r.committed for r in after)
    assert 0 < sum(r.committed for r in after) <= 25
    assert all(r.committed <= r.end_offset for r in after)


def test_an_empty_topic_polls_empty_within_the_timeout(open_bus: OpenBus, names: tuple[str, str]) -> None:
    topic, group = names
    consumer = open_bus().consumer(group, topic)
    assert consumer.poll(10, timeout=0.2) == []
    consumer.close()


def test_prune_drops_only_what_every_group_has_committed(open_bus: OpenBus, names: tuple[str, str]) -> None:
    topic, group = names
    bus = open_bus()
    bus.produce(topic, items(20))
    done = bus.consumer(group, topic)
    done.commit(drain(done, timeout=5))
    done.close()
    behind = bus.consumer(group + "-behind", topic)
    half = drain(behind, timeout=5)
    behind.commit([m for m in half if int(m.value[1:]) < 10])  # the first half, as each key's order allows
    behind.close()
    waiting = sum(r.lag for r in bus.lag({group + "-behind": topic}))
    pruned = bus.prune(0)
    assert 0 <= pruned <= 20 - waiting  # the embedded log drops what both committed; Kafka leaves it to retention
    again = bus.consumer(group + "-behind", topic)
    assert len(drain(again, timeout=5)) == waiting  # what a group had not committed is all still there
    again.close()
    bus.produce(topic, items(3, prefix="new"))
    fresh = bus.consumer(group, topic)
    assert sorted(m.value for m in drain(fresh, timeout=5)) == [b"new0", b"new1", b"new2"]  # offsets go on
    fresh.close()


@pytest.mark.parametrize("backend", ["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
def test_a_backend_s_own_trouble_is_a_bus_error_naming_where(backend: str, tmp_path: Path) -> None:
    if backend == "embedded":
        where = tmp_path / "bus"
        where.write_text("a file where the log's folder should be")
        with pytest.raises(BusError, match=str(where)):
            EmbeddedBus(where)
    else:
        from oversight.flows.bus.kafka import KafkaBus

        where = f"127.0.0.1:{free_port()}"  # nothing listens there
        with pytest.raises(BusError, match=where):
            KafkaBus(Settings(home=tmp_path, bus="kafka", kafka_bootstrap=where, kafka_connect_timeout=1.0))
