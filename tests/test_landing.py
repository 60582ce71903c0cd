"""Landing rules: syndicated copies point at the earliest publication whatever the arrival order;
a dead letter that fails again after its replay waits for a fix again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oversight.extractors.dedup import fingerprint
from oversight.flows.land import land_batch
from oversight.schemas.records import Article, DeadLetter, TaggedArticle
from oversight.schemas.settings import Settings
from oversight.warehouse import db
from oversight.warehouse.loader import land_dead_letters

STORY = ("The state police said on Tuesday that they would buy forty new license plate reader cameras for "
         "highway patrol cars, after a pilot on two interstates found dozens of stolen vehicles. ") * 8
DAY = datetime(2026, 10, 1, 9, tzinfo=UTC)


def _copy(aid: str, day: int, tail: str) -> TaggedArticle:
    text = STORY + tail
    article = Article(article_id=aid, url=f"http://news{aid}.example/{aid}", text=text,
                      published=DAY + timedelta(days=day), fingerprint=fingerprint(text))
    return TaggedArticle(article=article)


@pytest.mark.parametrize("order", [["a", "b", "c"], ["c", "b", "a"], ["b", "c", "a"]])
def test_the_earliest_copy_is_the_original_in_any_arrival_order(tmp_path: Path, order: list[str]) -> None:
    settings = Settings(home=tmp_path / str(order))
    copies = {"a": _copy("a", 0, "Staff"), "b": _copy("b", 1, "AP"), "c": _copy("c", 2, "Wire")}
    for aid in order:  # one batch each, as separate deliveries
        land_batch(settings, [copies[aid]])
    with db.reader(settings.lake) as con:
        rows = dict(con.execute("SELECT article_id, duplicate_of FROM articles").fetchall())
    assert rows == {"a": None, "b": "a", "c": "a"}


def test_a_dead_letter_failing_again_after_replay_is_waiting_again(tmp_path: Path) -> None:
    letter = DeadLetter(dead_letter_id="d1", stage="tag", source_topic="oversight.articles", reason="bad_message",
                        failed_at=DAY)
    with db.writer(Settings(home=tmp_path).lake) as con:
        land_dead_letters(con, [letter])
        con.execute("UPDATE dead_letters SET replayed_at = ?", [DAY + timedelta(hours=1)])
        land_dead_letters(con, [letter])  # a redelivery of the old failure changes nothing
        assert con.execute("SELECT replayed_at IS NOT NULL FROM dead_letters").fetchone() == (True,)
        land_dead_letters(con, [letter.model_copy(update={"failed_at": DAY + timedelta(hours=2), "error": "again"})])
        assert con.execute("SELECT replayed_at, error FROM dead_letters").fetchone() == (None, "again")
