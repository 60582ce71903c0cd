"""What only the Kafka backend does: topics on first use, keys to partitions, client settings, a down broker."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr

from oversight.flows.bus import BusError
from oversight.flows.bus.kafka import KafkaBus, client_config
from oversight.schemas import topics
from oversight.schemas.settings import Settings
from tests.kafka_broker import TansuBroker, free_port, kafka_settings


@pytest.mark.kafka
def test_the_pipeline_topics_are_created_on_first_use_with_the_configured_partitions(
    fresh_kafka_broker: TansuBroker,
) -> None:
    bus = KafkaBus(kafka_settings(fresh_kafka_broker, kafka_partitions=4))
    try:
        for topic in topics.ALL_TOPICS:
            assert len(bus.partitions(topic)) == 4
        other = f"test.{uuid.uuid4().hex[:8]}"
        bus.produce(other, [("k", b"v")])  # any other topic is created when first written
        assert len(bus.partitions(other)) == 4
    finally:
        bus.close()
    again = KafkaBus(kafka_settings(fresh_kafka_broker, kafka_partitions=2))  # existing topics are kept as they are
    try:
        assert len(again.partitions(topics.ARTICLES)) == 4
    finally:
        again.close()


@pytest.mark.kafka
def test_one_key_always_goes_to_one_partition_and_end_offsets_are_exact(kafka_broker: TansuBroker) -> None:
    topic = f"test.{uuid.uuid4().hex[:8]}"
    bus = KafkaBus(kafka_settings(kafka_broker))
    try:
        for round_ in range(3):  # separate produce() calls: separate record batches on the broker
            bus.produce(topic, [(f"article-{i}", f"{round_}".encode()) for i in range(10)])
        consumer = bus.consumer(f"g-{topic}", topic)
        got = []
        while batch := consumer.poll(100, timeout=0.5):
            got.extend(batch)
        consumer.close()
        assert len(got) == 30
        assert all(len({m.partition for m in got if m.key == f"article-{i}"}) == 1 for i in range(10))
        # Tansu answers ListOffsets(LATEST) with the last batch's base offset + 1; the bus must not.
        ends = bus.end_offsets(bus.partitions(topic))
        assert sum(ends.values()) == 30
    finally:
        bus.close()


def test_sasl_and_ssl_settings_pass_through_to_the_clients() -> None:
    settings = Settings(bus="kafka", kafka_bootstrap="b1:9093, b2:9093", kafka_security_protocol="SASL_SSL",
                        kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_username="oversight",
                        kafka_sasl_password=SecretStr("s3cret"), kafka_ssl_cafile="/etc/ca.pem",
                        kafka_connect_timeout=7)
    config = client_config(settings)
    assert config["bootstrap_servers"] == ["b1:9093", "b2:9093"]
    assert config["security_protocol"] == "SASL_SSL" and config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (config["sasl_plain_username"], config["sasl_plain_password"]) == ("oversight", "s3cret")
    assert config["ssl_cafile"] == "/etc/ca.pem" and "ssl_certfile" not in config
    assert config["bootstrap_timeout_ms"] == 7000
    assert "s3cret" not in repr(settings)  # the password never reaches a log line through the settings


def test_an_unreachable_broker_is_a_bus_error_naming_it_within_the_connect_timeout() -> None:
    address = f"127.0.0.1:{free_port()}"
    clock = time.monotonic()
    with pytest.raises(BusError, match=f"cannot reach the Kafka broker at {address} within 1.5 s"):
        KafkaBus(Settings(bus="kafka", kafka_bootstrap=address, kafka_connect_timeout=1.5))
    assert time.monotonic() - clock < 5


def _bus_with_20_messages(broker: TansuBroker, home: Path) -> tuple[KafkaBus, str, str]:
    """A bus (leases in `home`), a fresh topic holding messages b"0".."19" and a fresh group name."""
    topic, group = f"test.{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
    bus = KafkaBus(kafka_settings(broker, home=home))
    bus.produce(topic, [(f"k{i}", f"{i}".encode()) for i in range(20)])
    return bus, topic, group


def _drain(consumer: object) -> list[object]:
    got: list[object] = []
    while batch := consumer.poll(100, timeout=0.5):  # type: ignore[attr-defined]
        got.extend(batch)
    return got


@pytest.mark.kafka
def test_a_bounded_consumer_takes_every_partition_without_a_join_and_commits_for_the_group(
    kafka_broker: TansuBroker, tmp_path: Path,
) -> None:
    bus, topic, group = _bus_with_20_messages(kafka_broker, tmp_path)
    try:
        clock = time.monotonic()
        first = bus.consumer(group, topic, bounded=True)
        batch = first.poll(12, timeout=0.5)
        assert first.assigned and len(batch) == 12
        assert time.monotonic() - clock < 1.0  # no group join (about 1 s even with the tests' short session)
        first.commit(batch)
        first.close()
        rest = bus.consumer(group, topic, bounded=True)  # resumes from what the group committed
        remaining = _drain(rest)
        rest.commit(remaining)  # type: ignore[arg-type]
        rest.close()
        assert sorted(int(m.value) for m in [*batch, *remaining]) == list(range(20))  # type: ignore[attr-defined]
        lag = {row.partition: row.lag for row in bus.lag({group: topic})}
        assert sum(lag.values()) == 0
        member = bus.consumer(group, topic)  # a worker's consumer joins the group and finds nothing left
        assert not member.assigned and member.poll(10, timeout=0.5) == []
        member.close()
    finally:
        bus.close()


@pytest.mark.kafka
def test_a_bounded_consumer_joins_the_group_when_a_worker_is_active_and_yields_to_one_that_arrives(
    kafka_broker: TansuBroker, tmp_path: Path,
) -> None:
    bus, topic, group = _bus_with_20_messages(kafka_broker, tmp_path)
    try:
        alone = bus.consumer(group, topic, bounded=True)
        first = alone.poll(5, timeout=0.5)
        assert alone.assigned and first
        worker = bus.consumer(group, topic)  # a long-running worker joins while the bounded run holds a batch
        worker.poll(1, timeout=0.5)
        alone.commit(first)  # refused by the broker: the run stops taking messages and leaves them to the worker
        assert alone.poll(5, timeout=0.5) == []
        alone.close()
        second = bus.consumer(group, topic, bounded=True)  # with a member active, a bounded run joins the group
        assert not second.assigned
        second.close()
        worker.close()
    finally:
        bus.close()


@pytest.mark.kafka
def test_a_second_bounded_run_on_the_machine_joins_the_group_instead_of_taking_the_partitions_too(
    kafka_broker: TansuBroker, tmp_path: Path,
) -> None:
    bus, topic, group = _bus_with_20_messages(kafka_broker, tmp_path)
    try:
        first = bus.consumer(group, topic, bounded=True)
        assert first.assigned
        second = bus.consumer(group, topic, bounded=True)  # the first holds the lease: no second assignment
        assert not second.assigned
        second.close()
        first.close()  # releases the lease
        third = bus.consumer(group, topic, bounded=True)
        assert third.assigned
        third.close()
    finally:
        bus.close()
