"""Errors by kind: the bus's or the warehouse's trouble and bugs leave the batch uncommitted; only a message's
own bad input is dead-lettered."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from oversight.flows.bus import BusError, Message
from oversight.flows.bus.embedded import EmbeddedBus
from oversight.flows.outcomes import Outcomes
from oversight.flows.stages import STAGES, process_batch, run_stage
from oversight.schemas import topics
from oversight.schemas.records import FeedEntry, encode
from oversight.schemas.settings import Settings


def _entries(bus: EmbeddedBus, n: int) -> None:
    bus.produce(topics.ENTRIES, [(f"k{i}", encode(FeedEntry(article_id=f"a{i}", url=f"http://127.0.0.1:9/{i}",
                                                            feed_url="http://127.0.0.1:9/feed")))
                                 for i in range(n)])


def test_a_bus_that_cannot_write_is_a_bus_error_naming_the_file_and_nothing_is_dead_lettered(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, allow_private_networks=True, respect_robots=False, max_retries=0,
                        connect_timeout=1.0, read_timeout=1.0, per_host_interval=0, workers=1)
    bus = EmbeddedBus(settings.bus_dir)
    _entries(bus, 3)
    bus._db.execute("PRAGMA query_only = 1")  # as a read-only mount or a full disk would: every write fails
    with pytest.raises(BusError, match=r"log\.sqlite: producing 3 message\(s\) to oversight\.articles failed"):
        run_stage(settings, bus, "extract")
    bus._db.execute("PRAGMA query_only = 0")
    assert bus.committed(topics.GROUP_EXTRACT, topics.ENTRIES) == 0  # the batch is redelivered next run
    assert bus.end_offset(topics.DEAD_LETTERS) == 0  # and not one message was blamed for it


def test_a_bug_leaves_the_batch_uncommitted_and_bad_input_is_dead_lettered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def buggy_step(settings: Settings, bus: object, batch: list[Message], _: object = None) -> Outcomes:
        if any(m.value == b"typo" for m in batch):
            raise KeyError("articel_id")  # the code's fault, whatever the message
        if any(m.value == b"bad" for m in batch):
            raise ValueError("not a number: 'x'")  # the message's fault
        return Outcomes()

    monkeypatch.setitem(STAGES, "tag", replace(STAGES["tag"], step=buggy_step))
    bus = EmbeddedBus(tmp_path)
    with pytest.raises(KeyError):
        process_batch(Settings(home=tmp_path), bus, "tag",
                      [Message(topics.ARTICLES, 0, i, f"k{i}", b"typo" if i == 1 else b"ok") for i in range(3)])
    assert bus.end_offset(topics.DEAD_LETTERS) == 0
    outcomes = process_batch(Settings(home=tmp_path), bus, "tag",
                             [Message(topics.ARTICLES, 0, i, f"k{i}", b"bad" if i == 1 else b"ok") for i in range(3)])
    assert outcomes.stage("tag") == {"dead_letter": 1}
    assert bus.end_offset(topics.DEAD_LETTERS) == 1
