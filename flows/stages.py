"""Extract, tag and land as batch steps over the bus: consume, transform, produce, then commit."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from oversight.flows.bus import Bus, BusError, Consumer, Message
from oversight.flows.cpu import ItemTimeout, Pending, submit_chunks, time_budget
from oversight.flows.outcomes import Outcomes
from oversight.schemas import topics
from oversight.schemas.records import (
    Article,
    DeadLetter,
    EnvelopeError,
    FeedEntry,
    Record,
    TaggedArticle,
    decode,
    encode,
    record_key,
)
from oversight.schemas.settings import Settings
from oversight.warehouse.db import WarehouseError

if TYPE_CHECKING:
    from oversight.flows.extract import Fetching
    from oversight.flows.land import Lander

log = logging.getLogger("oversight.stages")


R = TypeVar("R", bound=Record)
P = TypeVar("P")


@dataclass
class Decoded(Generic[R]):
    """A consumed batch split into valid records (of the kind the stage expects) and dead letters for the rest."""

    records: list[tuple[Message, R]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)

    @property
    def values(self) -> list[R]:
        return [record for _, record in self.records]


def dead_letter(stage: str, msg: Message, reason: str, error: str) -> DeadLetter:
    """A dead letter for a consumed message; its id depends only on content, so redelivery repeats it."""
    payload = msg.value.decode("utf-8", errors="replace")
    # A message the bus could not vouch for is known by its place: lost ones have no content to tell them apart.
    place = (msg.position,) if msg.corrupt else ()
    return DeadLetter.of(stage, msg.topic, msg.key, reason, error, payload, msg.position,
                         identity=(stage, msg.topic, msg.key, reason, payload, *place))


def entry_dead_letter(entry: FeedEntry, reason: str, error: str) -> DeadLetter:
    """A dead letter for an entry whose page is bad input or kept failing; replay re-queues the entry."""
    return DeadLetter.of("extract", topics.ENTRIES, entry.article_id, reason, error, encode(entry).decode("utf-8"),
                         entry.url, identity=("extract", entry.article_id, reason))


def decode_batch(stage: str, batch: Sequence[Message], expect: type[R]) -> Decoded[R]:
    out: Decoded[R] = Decoded()
    for msg in batch:
        if msg.corrupt:
            out.dead.append(dead_letter(stage, msg, "corrupt_message", msg.corrupt))
            continue
        try:
            out.records.append((msg, decode(msg.value, expect)))
        except EnvelopeError as exc:
            log.warning("%s: bad message at %s (key %s): %s", stage, msg.position, msg.key, exc)
            out.dead.append(dead_letter(stage, msg, "bad_message", str(exc)))
    return out


def publish(bus: Bus, topic: str, records: Sequence[Record]) -> None:
    if records:
        bus.produce(topic, [(record_key(r), encode(r)) for r in records])


def run_batches(
    stage: str, consumer: Consumer, finish: Callable[[list[Message], Any], Outcomes], settings: Settings,
    limit: int | None = None, prepare: Callable[[list[Message]], Any] = lambda batch: None,
) -> Outcomes:
    """Poll and process batches until the topic is drained or `limit` messages were handled.

    `prepare` starts a batch's I/O (fetching) as soon as it is polled, so it overlaps the CPU work of
    `finish` on the batches before it: the extract stage keeps OVERSIGHT_FETCH_LOOKAHEAD batches in flight,
    the others one. Batches are finished and committed in order, each only after `finish` made its output
    durable.
    """
    outcomes, handled, queued, clock = Outcomes(), 0, 0, time.perf_counter()
    limit = limit or settings.max_per_run
    depth = settings.fetch_lookahead if stage == "extract" else 1
    ahead: deque[tuple[list[Message], Any]] = deque()
    drained = False
    while True:
        # A bounded run drains what is there: no waiting for more (the backends still wait for a group join).
        while not drained and len(ahead) <= depth and queued < limit:
            batch = consumer.poll(min(STAGES[stage].batch_size(settings), limit - queued), timeout=0.0)
            if not batch:
                drained = True
                break
            queued += len(batch)
            ahead.append((batch, prepare(batch)))
        if not ahead:
            break
        done = ahead.popleft()
        outcomes.merge(finish(*done))
        consumer.commit(done[0])
        handled += len(done[0])
        log.info("%s: %d message(s) done (%s)", stage, handled, outcomes.summary([stage]))
    outcomes.add("ms", stage, round((time.perf_counter() - clock) * 1000))  # stage time, for benchmarks
    return outcomes


Fetched = Future[tuple[Decoded[FeedEntry], Any]]


def extract_prepare(settings: Settings, batch: list[Message], fetching: Fetching | None = None) -> Fetched:
    """Decode a batch of entries and start fetching their pages (then extracting them) in the background,
    on the run's fetching (a one-off session when there is none, as for a message retried alone)."""
    from oversight.flows.extract import Fetching, fetch_entries

    decoded = decode_batch("extract", batch, FeedEntry)
    entries = decoded.values
    if fetching is None:
        with Fetching(settings) as once:
            done: Fetched = Future()
            done.set_result((decoded, fetch_entries(settings, entries, once.session)))
            return done
    return fetching.submit(lambda: (decoded, fetch_entries(settings, entries, fetching.session)))


def extract_step(settings: Settings, bus: Bus, batch: list[Message], fetched: Fetched | None = None) -> Outcomes:
    """Extract a (fetched) batch of feed entries on every core; publish articles and dead letters."""
    from oversight.flows.extract import build_articles

    decoded, pages = (fetched or extract_prepare(settings, batch)).result()
    articles, dead, outcomes = build_articles(settings, decoded.values, pages)
    publish(bus, topics.ARTICLES, articles)
    publish(bus, topics.DEAD_LETTERS, [*decoded.dead, *dead])
    outcomes.add("extract", "dead_letter", len(decoded.dead))
    return outcomes


@dataclass(frozen=True)
class TagResult:
    """What tagging one article gave, as the pool worker hands it back (bytes only, no records to pickle).

    `failure` set: the article is a dead letter with reason `status`: `bad_message` (undecodable), `timeout`
    (over the item's time budget), `tag_error` (the tagger raised: a bug, replayable once fixed) or
    `worker_died`. Otherwise `payload` is the encoded TaggedArticle, under `key`, with `status` its tag_status.
    """

    status: str
    key: str | None = None
    payload: bytes = b""
    events: int = 0
    failure: str | None = None


def _tag_values(budget: float, values: list[bytes]) -> list[TagResult]:
    """In a pool worker: decode articles, tag them, encode the results, so the parent only moves bytes.
    A batch that fails is tagged again article by article."""
    from oversight.extractors.tagger import load_tagger  # loaded once per process, kept between batches

    out: list[TagResult] = [TagResult("")] * len(values)
    articles: list[tuple[int, Article]] = []
    for i, value in enumerate(values):
        try:
            articles.append((i, decode(value, Article)))
        except EnvelopeError as exc:
            out[i] = TagResult("bad_message", failure=str(exc))
    pairs: list[tuple[tuple[int, Article], TaggedArticle | TagResult]]
    try:
        with time_budget(budget * len(articles)):
            tagged = load_tagger().tag_articles([a for _, a in articles]) if articles else []
        pairs = list(zip(articles, tagged, strict=True))
    except Exception:  # noqa: BLE001 - found out below, one article at a time
        pairs = [((i, a), _tag_one(budget, a)) for i, a in articles]
    for (i, _), t in pairs:
        out[i] = t if isinstance(t, TagResult) else TagResult(t.tag_status, record_key(t), encode(t), len(t.events))
    return out


def _tag_one(budget: float, article: Article) -> TaggedArticle | TagResult:
    from oversight.extractors.tagger import load_tagger

    try:
        with time_budget(budget):
            return load_tagger().tag_articles([article])[0]
    except ItemTimeout as exc:
        log.error("tagging %s: timeout (%s)", article.url, exc)
        return TagResult("timeout", failure=f"{article.url}: tagging {exc}")
    except Exception as exc:  # noqa: BLE001 - the tagger's bug on this article: a replayable dead letter
        log.exception("tagging %s failed", article.url)
        return TagResult("tag_error", failure=f"{article.url}: {type(exc).__name__}: {exc}")


def _lost_article(value: bytes, reason: str, why: str) -> TagResult:
    return TagResult(reason, failure=why)


def tag_prepare(settings: Settings, batch: list[Message]) -> Pending[bytes, TagResult]:
    """Queue a batch's tagging on the CPU pool now, so it runs while the batch before it is published."""
    budget = settings.item_time_budget
    return submit_chunks(partial(_tag_values, budget), [m.value for m in batch], budget, _lost_article)


def tag_step(settings: Settings, bus: Bus, batch: list[Message],
             pending: Pending[bytes, TagResult] | None = None) -> Outcomes:
    """Tag a batch of articles; publish tagged articles (and dead letters for the ones that failed)."""
    outcomes, tagged, dead = Outcomes(), [], []
    for msg, result in zip(batch, (pending or tag_prepare(settings, batch)).result(), strict=True):
        if msg.corrupt:  # what was tagged is not what was produced
            result = TagResult("corrupt_message", failure=msg.corrupt)
        if result.failure is not None:
            log.warning("tag: %s at %s (key %s): %s", result.status, msg.position, msg.key, result.failure)
            dead.append(dead_letter("tag", msg, result.status, result.failure))
            outcomes.add("tag", "dead_letter")
            continue
        tagged.append((result.key, result.payload))
        outcomes.add("tag", result.status)
        outcomes.add("events", "found", result.events)
    if tagged:
        bus.produce(topics.TAGGED, tagged)
    publish(bus, topics.DEAD_LETTERS, dead)
    return outcomes


def land_step(settings: Settings, bus: Bus, batch: list[Message], lander: Lander | None = None) -> Outcomes:
    """Write a batch of tagged articles to the lake with the run's Lander; dead letters go back on the bus."""
    from oversight.flows.land import land_batch

    decoded = decode_batch("land", batch, TaggedArticle)
    outcomes = land_batch(settings, decoded.values, lander)
    publish(bus, topics.DEAD_LETTERS, decoded.dead)
    outcomes.add("land", "dead_letter", len(decoded.dead))
    return outcomes


def dead_letter_step(settings: Settings, bus: Bus, batch: list[Message], _: None = None) -> Outcomes:
    """Record dead letters in the warehouse's dead_letters table."""
    from oversight.flows.land import land_dead_letter_batch

    decoded = decode_batch("dead-letters", batch, DeadLetter)
    for d in decoded.dead:
        log.error("unreadable message on the dead-letter topic at %s is skipped: %s", d.source_offset, d.error)
    outcomes = land_dead_letter_batch(settings, decoded.values)
    outcomes.add("dead-letters", "unreadable", len(decoded.dead))
    return outcomes


TRANSIENT = (BusError, WarehouseError, OSError)
# A message's own fault: a value the step cannot take (bad JSON, a failed validation, undecodable text).
BAD_INPUT = (ValueError,)


@dataclass(frozen=True)
class Stage(Generic[P]):
    """One stage of the pipeline: the topic it reads as its consumer group, and how it handles a batch.

    `prepare` starts a batch's slow part (fetching, tagging on the pool) as soon as it is polled, and `step`
    finishes it, publishes its output and returns the outcome counts; `prepare`'s result `P` is handed to
    `step` (None when the batch was not prepared, as for a message retried alone).
    """

    name: str
    topic: str
    group: str
    worker: str  # the `oversight worker` that runs it
    step: Callable[[Settings, Bus, list[Message], P | None], Outcomes]
    prepare: Callable[[Settings, list[Message]], P] | None = None
    landing: bool = False  # writes the warehouse: bigger batches, as a write has a fixed cost

    def batch_size(self, settings: Settings) -> int:
        return settings.land_batch_size if self.landing else settings.batch_size

    def preparer(self, settings: Settings, run: ExitStack) -> Callable[[list[Message]], P | None]:
        """The prepare for one run. What the stage keeps for the whole run is made once here and owned by it:
        the extract stage's fetching (closed with `run`), the land stage's Lander (its near-duplicate window and
        its turns at writing the lake)."""
        if self.name == "extract":
            from oversight.flows.extract import Fetching

            fetching = run.enter_context(Fetching(settings))
            return lambda batch: extract_prepare(settings, batch, fetching)  # type: ignore[return-value]
        if self.name == "land":
            from oversight.flows.land import Lander

            lander = run.enter_context(Lander(settings))
            return lambda batch: lander  # type: ignore[return-value]
        prepare = self.prepare
        return (lambda batch: prepare(settings, batch)) if prepare else (lambda batch: None)


# The pipeline in order: what `oversight process`, `oversight worker`, the flows and `status` all read.
STAGES: dict[str, Stage[Any]] = {s.name: s for s in (
    Stage[Fetched]("extract", topics.ENTRIES, topics.GROUP_EXTRACT, "extract", extract_step, extract_prepare),
    Stage[Pending[bytes, TagResult]]("tag", topics.ARTICLES, topics.GROUP_TAG, "tag", tag_step, tag_prepare),
    Stage["Lander"]("land", topics.TAGGED, topics.GROUP_LAND, "land", land_step, landing=True),
    # The land worker is the one that writes the warehouse, so it also lands the dead letters.
    Stage[None]("dead-letters", topics.DEAD_LETTERS, topics.GROUP_DEAD_LETTERS, "land", dead_letter_step,
                landing=True),
)}
WORKERS: dict[str, tuple[Stage[Any], ...]] = {
    w: tuple(s for s in STAGES.values() if s.worker == w) for w in dict.fromkeys(s.worker for s in STAGES.values())
}


def stage_inputs() -> dict[str, str]:
    """Each stage's consumer group and the topic it reads (for lag reports)."""
    return {s.group: s.topic for s in STAGES.values()}


def process_batch(settings: Settings, bus: Bus, stage: str, batch: list[Message], prepared: Any = None) -> Outcomes:
    """Run the stage's step; if it fails on bad input, retry message by message and dead-letter the culprits.

    Errors by kind: transient failures (broker, bus file, a lake catalog out of reach or a commit that kept
    conflicting, a full disk, network) and bugs (any exception that is not a ValueError: the input's value is
    not to blame) are raised, so the batch stays uncommitted and the stage fails loudly; only a message's own
    bad input (a ValueError: bad JSON, a failed validation, undecodable text) becomes a dead letter. The steps
    isolate their own items already (a page, an article).
    """
    try:
        return STAGES[stage].step(settings, bus, batch, prepared)
    except TRANSIENT as exc:
        log.error("%s: %s; the batch of %d message(s) stays uncommitted and is retried", stage, exc, len(batch))
        raise
    except BAD_INPUT as exc:
        outcomes = Outcomes()
        if len(batch) == 1:
            msg = batch[0]
            log.error("%s: message at %s (key %s) failed: %r; sent to the dead letters", stage, msg.position,
                      msg.key, exc)
            publish(bus, topics.DEAD_LETTERS, [dead_letter(stage, msg, "processing_error", repr(exc))])
            outcomes.add(stage, "dead_letter")
            return outcomes
        log.warning("%s: batch of %d failed (%r); retrying its messages one by one", stage, len(batch), exc)
        for msg in batch:
            outcomes.merge(process_batch(settings, bus, stage, [msg]))
        return outcomes
    except Exception as exc:
        log.error("%s: a batch of %d message(s) from %s failed with %r, a bug rather than bad input; it stays "
                  "uncommitted (fix it and run again)", stage, len(batch), batch[0].position if batch else "-", exc)
        raise


def run_stage(settings: Settings, bus: Bus, stage: str, limit: int | None = None) -> Outcomes:
    """Drain one stage's input topic (bounded by `limit`, default OVERSIGHT_MAX_PER_RUN)."""
    consumer = bus.consumer(STAGES[stage].group, STAGES[stage].topic, bounded=True)
    with ExitStack() as run:
        prepare = STAGES[stage].preparer(settings, run)
        try:
            outcomes = run_batches(stage, consumer, lambda b, p: process_batch(settings, bus, stage, b, p),
                                   settings, limit, prepare)
        finally:
            consumer.close()
    if stage == "land" and outcomes.stage("land").get("articles"):
        from oversight.flows.land import refresh_search

        outcomes.merge(refresh_search(settings))
    return outcomes
