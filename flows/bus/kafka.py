"""The Kafka bus: kafka-python against Apache Kafka, Redpanda, Tansu or a managed Kafka service.

Each stage is a consumer group: workers in one group split the topic's partitions, offsets are
committed only through `commit()` (after the stage's output is durable), and a consumer that dies
without committing has its batch redelivered to whoever takes its partitions.

A bounded run (`oversight run` / `process`: drain what is there, then stop) does not join its group when
no member is active: it takes every partition by assignment and commits the group's offsets directly,
which saves a ~3 s join per stage. If a worker is running in the group, the broker refuses such commits,
and the bounded run joins the group like a worker instead.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError
from kafka.protocol.consumer import OffsetSpec
from kafka.structs import OffsetAndMetadata

from oversight.flows.bus.base import BusError, GroupLag, Message, try_lease
from oversight.schemas import topics
from oversight.schemas.settings import Settings

log = logging.getLogger("oversight.bus.kafka")

# A fresh group's first assignment can wait session_timeout/2 (Tansu answers the second JoinGroup
# only then; kafka-python's 45 s default meant a 23 s wait), so the session timeout comes from
# OVERSIGHT_KAFKA_SESSION_TIMEOUT_MS (default 6000: a 3 s join, and room for the heartbeat thread
# when spaCy keeps both cores busy). Heartbeats go 6 times per session, well inside Kafka's 1/3 rule.
HEARTBEATS_PER_SESSION = 6
# A first poll waits this many session timeouts for the group join before it may say "nothing waiting".
JOIN_WAIT_SESSIONS = 3
# How long a poll keeps trying when the broker says messages are waiting but no fetch returned them yet.
BEHIND_WAIT_S = 10.0
BOUNDED_FETCH_WAIT_MS = 100
PRODUCER_CONFIG: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,  # retries cannot duplicate or reorder within a partition
    "retries": 2**31 - 1,  # bounded by delivery_timeout_ms below, not by count
    "delivery_timeout_ms": 60_000,
    "batch_size": 256 * 1024,  # measured: 256 KB + 20 ms linger doubles throughput over the defaults
    "linger_ms": 20,
    "max_request_size": 8 * 1024 * 1024,  # an article can exceed 1 MB; the broker's message.max.bytes must allow it
}


def client_config(settings: Settings) -> dict[str, Any]:
    """Connection settings shared by producer, consumers and admin client, SASL/SSL passed through."""
    config: dict[str, Any] = {
        "bootstrap_servers": [s.strip() for s in settings.kafka_bootstrap.split(",") if s.strip()],
        "client_id": "oversight",
        "security_protocol": settings.kafka_security_protocol,
        "bootstrap_timeout_ms": int(settings.kafka_connect_timeout * 1000),
    }
    if settings.kafka_sasl_mechanism:
        config["sasl_mechanism"] = settings.kafka_sasl_mechanism
        config["sasl_plain_username"] = settings.kafka_sasl_username
        if settings.kafka_sasl_password is not None:
            config["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    for name in ("cafile", "certfile", "keyfile"):
        value = getattr(settings, f"kafka_ssl_{name}")
        if value:
            config[f"ssl_{name}"] = value
    return config


class KafkaBus:
    """Topics with `kafka_partitions` partitions, created on first use; one producer per bus."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bootstrap = settings.kafka_bootstrap
        self.config = client_config(settings)  # what every client of this bus connects with
        self.admin = self._connect_admin()  # one admin client, shared with this bus's consumers
        self._topics: set[str] = set()
        self._producer: KafkaProducer | None = None
        self.ensure_topics(topics.ALL_TOPICS)

    def _connect_admin(self) -> KafkaAdminClient:
        try:
            return KafkaAdminClient(**self.config, request_timeout_ms=int(self.settings.kafka_connect_timeout * 1000))
        except KafkaError as exc:
            raise BusError(
                f"cannot reach the Kafka broker at {self.bootstrap} within {self.settings.kafka_connect_timeout:g} s "
                f"({exc}); start the broker, or point OVERSIGHT_KAFKA_BOOTSTRAP at one "
                "(and check OVERSIGHT_KAFKA_SECURITY_PROTOCOL / SASL settings), or use OVERSIGHT_BUS=embedded"
            ) from exc

    def ensure_topics(self, names: Sequence[str]) -> None:
        """Create the topics that do not exist yet (another process may be creating them too)."""
        missing = [n for n in names if n not in self._topics]
        if not missing:
            return
        try:
            absent = [n for n in missing if n not in set(self.admin.list_topics())]
            if absent:
                spec = {"num_partitions": self.settings.kafka_partitions,
                        "replication_factor": self.settings.kafka_replication}
                self._create(absent, spec)
        except KafkaError as exc:
            raise BusError(
                f"cannot check or create topics {missing} on the Kafka broker at {self.bootstrap}: {exc}; "
                f"create them with {self.settings.kafka_partitions} partitions, or allow this client to create topics"
            ) from exc
        self._topics.update(missing)

    def _create(self, names: list[str], spec: dict[str, int]) -> None:
        try:
            self.admin.create_topics({n: spec for n in names}, wait_for_metadata=True)
            log.info("created topic(s) %s with %d partition(s)", ", ".join(names), spec["num_partitions"])
        except TopicAlreadyExistsError:
            pass  # created concurrently by another worker: fine

    def produce(self, topic: str, items: Sequence[tuple[str | None, bytes]]) -> None:
        if not items:
            return
        self.ensure_topics([topic])
        producer = self._get_producer()
        try:
            futures = [producer.send(topic, key=k.encode() if k is not None else None, value=v) for k, v in items]
            producer.flush()
            for future in futures:
                future.get(timeout=0)  # raises the delivery error, if any
        except KafkaError as exc:
            raise BusError(f"cannot write {len(items)} message(s) to {topic} at {self.bootstrap}: {exc}; "
                           "the batch was not committed and will be redelivered") from exc

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            try:
                self._producer = KafkaProducer(**self.config, **PRODUCER_CONFIG)
            except KafkaError as exc:
                raise BusError(f"cannot start a Kafka producer for {self.bootstrap}: {exc}") from exc
        return self._producer

    def consumer(self, group: str, topic: str, bounded: bool = False) -> KafkaGroupConsumer:
        self.ensure_topics([topic])
        if bounded:
            alone = self._assigned_consumer(group, topic)
            if alone is not None:
                return alone
        return KafkaGroupConsumer(self, group, topic)

    def _assigned_consumer(self, group: str, topic: str) -> KafkaGroupConsumer | None:
        """Every partition of `topic` for `group` without a join, or None when someone else consumes for it.

        Two checks: a file lease in OVERSIGHT_HOME keeps a second bounded run (say a manual `run` during the
        scheduled `process`: both land in this machine's warehouse) from taking the same partitions; and a
        probe re-commits the group's current offsets (the log start where it has none, which is what
        `auto_offset_reset=earliest` would read): a broker refuses a commit from outside the group while it
        has members, so a refusal means a worker owns the partitions.
        """
        lease = try_lease(self.settings.home / "kafka-leases" / f"{group}.{topic}")
        if lease is None:
            log.info("%s: another bounded run on this machine is consuming %s; joining the group", group, topic)
            return None
        try:
            consumer = KafkaGroupConsumer(self, group, topic, self.partitions(topic), lease)
        except BaseException:
            os.close(lease)
            raise
        try:
            consumer.probe()
        except CommitFailedError:
            consumer.close()
            log.info("%s: the group has active members; joining it", group)
            return None
        except BaseException:
            consumer.close()
            raise
        return consumer

    def partitions(self, topic: str) -> list[TopicPartition]:
        try:
            described = self.admin.describe_topics([topic])
        except KafkaError as exc:
            raise BusError(f"cannot describe topic {topic} at {self.bootstrap}: {exc}") from exc
        return sorted(TopicPartition(topic, p["partition_index"]) for p in described[0]["partitions"])

    def lag(self, groups: dict[str, str]) -> list[GroupLag]:
        self.ensure_topics(list(groups.values()))
        try:
            parts = {t: self.partitions(t) for t in set(groups.values())}
            tps = [tp for tp_list in parts.values() for tp in tp_list]
            ends = self.end_offsets(tps)
            starts = self.admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in tps})
            rows = []
            for group, topic in groups.items():
                done = self.admin.list_group_offsets({group: parts[topic]}).get(group, {})
                for tp in parts[topic]:
                    committed = done[tp].offset if tp in done and done[tp].offset >= 0 else starts[tp].offset
                    rows.append(GroupLag(topic, tp.partition, group, ends[tp], committed))
            return rows
        except KafkaError as exc:
            raise BusError(f"cannot read offsets from the Kafka broker at {self.bootstrap}: {exc}") from exc

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        """High watermarks as a fetch reports them.

        Why not ListOffsets alone: Tansu answers LATEST with the last batch's base offset + 1, not the
        high watermark. Fetching from just before that offset returns the true high watermark on any
        broker, at the cost of reading one batch per partition.
        """
        latest = {tp: o.offset for tp, o in self.admin.list_partition_offsets(
            {tp: OffsetSpec.LATEST for tp in tps}).items()}
        reader = KafkaConsumer(**self.config, enable_auto_commit=False)
        try:
            reader.assign(tps)
            for tp in tps:
                reader.seek(tp, max(0, latest[tp] - 1))
            deadline = time.monotonic() + self.settings.kafka_connect_timeout
            while time.monotonic() < deadline and any(reader.highwater(tp) is None for tp in tps):
                reader.poll(timeout_ms=100)
            return {tp: max(latest[tp], reader.highwater(tp) or 0) for tp in tps}
        finally:
            reader.close(autocommit=False)

    def prune(self, older_than_s: float) -> int:
        """Nothing to do: the broker drops old messages itself by the topic's retention.ms."""
        return 0

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
            self._producer = None
        self.admin.close()


class _JoinListener(ConsumerRebalanceListener):  # type: ignore[misc]
    """Notes when the group has given this member its partitions (possibly none)."""

    def __init__(self, consumer: KafkaGroupConsumer) -> None:
        self.consumer = consumer

    def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        if revoked:
            log.info("%s: released partitions %s", self.consumer.group, sorted(p.partition for p in revoked))

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.consumer.joined = True
        log.info("%s: assigned partitions %s of %s", self.consumer.group,
                 sorted(p.partition for p in assigned), self.consumer.topic)


class KafkaGroupConsumer:
    """One member of a stage's consumer group; auto-commit is off, so only `commit()` marks work done.

    With `partitions`, it takes them by assignment instead of joining (see the module's docstring).
    """

    def __init__(self, bus: KafkaBus, group: str, topic: str, partitions: list[TopicPartition] | None = None,
                 lease: int | None = None) -> None:
        self.bus, self.group, self.topic = bus, group, topic
        self.assigned = partitions is not None
        self.joined = self.assigned
        self.superseded = False  # an assigned consumer whose group gained a member: the rest is theirs
        self._lease = lease
        session_ms = bus.settings.kafka_session_timeout_ms
        self._join_wait_s = JOIN_WAIT_SESSIONS * session_ms / 1000
        try:
            self._consumer = KafkaConsumer(
                **bus.config, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest",
                session_timeout_ms=session_ms, heartbeat_interval_ms=session_ms // HEARTBEATS_PER_SESSION,
                max_partition_fetch_bytes=PRODUCER_CONFIG["max_request_size"],
                # A bounded run asks whether anything is left: the broker's 500 ms default long poll on an
                # empty partition would be the answer's whole cost.
                fetch_max_wait_ms=BOUNDED_FETCH_WAIT_MS if self.assigned else 500,
            )
            if partitions is None:
                self._consumer.subscribe([topic], listener=_JoinListener(self))
            else:
                self._consumer.assign(partitions)
        except KafkaError as exc:
            raise BusError(f"cannot join group {group} on {topic} at {bus.bootstrap}: {exc}") from exc

    def probe(self) -> None:
        """Commit the group's current offsets unchanged; raises CommitFailedError if the group has members."""
        tps = sorted(self._consumer.assignment())
        try:
            done = self.bus.admin.list_group_offsets({self.group: tps}).get(self.group, {})
            starts = self._consumer.beginning_offsets(tps)
            self._consumer.commit({tp: OffsetAndMetadata(done[tp].offset if tp in done and done[tp].offset >= 0
                                                         else starts[tp], "", -1) for tp in tps})
        except CommitFailedError:
            raise
        except KafkaError as exc:
            raise BusError(f"cannot read or commit offsets of group {self.group} at {self.bus.bootstrap}: {exc}") from exc

    def poll(self, max_records: int, timeout: float = 0.0) -> list[Message]:
        """Wait for the group join on the first call, then up to `timeout` for a batch."""
        if self.superseded:
            return []
        start = time.monotonic()
        deadline = start + timeout
        try:
            while True:
                batch = self._fetch(max_records, max(0.0, deadline - time.monotonic()))
                if batch:
                    return batch
                now = time.monotonic()
                if not self.joined and now < start + self._join_wait_s:
                    continue
                if now >= deadline:
                    if now < start + BEHIND_WAIT_S and self._behind():
                        continue
                    return []
        except KafkaError as exc:
            raise BusError(f"cannot consume {self.topic} for group {self.group} at {self.bus.bootstrap}: {exc}") from exc

    def _fetch(self, max_records: int, timeout: float) -> list[Message]:
        # At least 100 ms per call so a zero timeout still completes a network round trip.
        records = self._consumer.poll(timeout_ms=max(100, int(timeout * 1000)), max_records=max_records)
        out = [Message(r.topic, r.partition, r.offset, r.key.decode() if r.key is not None else None, r.value)
               for batch in records.values() for r in batch]
        return sorted(out, key=lambda m: (m.partition, m.offset))

    def _behind(self) -> bool:
        """True when an assigned partition is not fetched yet or has messages past this consumer's position.

        Uses the high watermark of the last fetch (see KafkaBus.end_offsets for why not ListOffsets).
        """
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is None or self._consumer.position(tp) < highwater:
                return True
        return False

    def commit(self, messages: Sequence[Message]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for m in messages:
            tp = TopicPartition(m.topic, m.partition)
            offsets[tp] = max(offsets.get(tp, 0), m.offset + 1)
        if not offsets:
            return
        try:
            self._consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
        except CommitFailedError as exc:
            if self.assigned:
                # A worker joined the group during this bounded run: it owns the partitions now and
                # redelivers this batch (downstream writes are idempotent); stop taking more.
                log.warning("%s: a worker joined the group during this run; leaving the rest of %s to it (%s)",
                            self.group, self.topic, exc)
                self.superseded = True
                return
            # The group rebalanced while the batch was in hand: its new owner redelivers it, and
            # every downstream write is idempotent, so this is a repeat, not a loss.
            log.warning("%s: commit of %s refused after a rebalance (%s); the batch will be redelivered",
                        self.group, _describe(offsets), exc)
        except KafkaError as exc:
            raise BusError(f"cannot commit {_describe(offsets)} for group {self.group} at {self.bus.bootstrap}: "
                           f"{exc}; the batch will be redelivered") from exc

    def close(self) -> None:
        self._consumer.close(autocommit=False)
        if self._lease is not None:
            os.close(self._lease)  # releases the flock
            self._lease = None


def _describe(offsets: dict[TopicPartition, int]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]@{o}" for tp, o in sorted(offsets.items()))
