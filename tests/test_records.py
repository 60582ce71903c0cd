"""Envelope round trips for every record type, and clear rejection of bad messages."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oversight.schemas.records import (
    SCHEMA_VERSION,
    Article,
    DeadLetter,
    EnvelopeError,
    Event,
    FeedEntry,
    Mention,
    TaggedArticle,
    decode,
    encode,
    record_key,
)

text = st.text(max_size=80)
ids = st.text(alphabet="0123456789abcdef", min_size=8, max_size=32)
dates = st.none() | st.datetimes(timezones=st.just(UTC))
entries = st.builds(FeedEntry, article_id=ids, url=text, feed_url=text, title=text, summary=text, published=dates,
                    polled_at=st.datetimes(timezones=st.just(UTC)))
articles = st.builds(Article, article_id=ids, url=text, status=st.sampled_from(["ok", "no_text", "http_404"]),
                     title=text, text=st.text(max_size=400), authors=st.lists(text, max_size=3), published=dates,
                     language=st.none() | st.sampled_from(["en", "es"]), http_status=st.none() | st.integers(100, 599))
mentions = st.builds(Mention, label=st.sampled_from(["agency", "vendor", "technology", "product", "place"]),
                     text=text, start=st.integers(0, 10_000), end=st.integers(0, 10_000), sentence=text,
                     canonical_id=text, canonical_name=text, state=st.none() | st.sampled_from(["OR", "TX"]))
events = st.builds(Event, agency_id=text, agency=text, technology=st.sampled_from(["drones", "robots"]),
                   action=st.sampled_from(["uses", "acquires", "pilots", "proposes", "ends", "bans", "rejects"]),
                   evidence=text, confidence=st.floats(0, 1), vendor=st.none() | text)
tagged = st.builds(TaggedArticle, article=articles, mentions=st.lists(mentions, max_size=4),
                   events=st.lists(events, max_size=3), tag_status=st.sampled_from(["ok", "not_english"]))
dead = st.builds(DeadLetter, dead_letter_id=ids, stage=text, source_topic=text, key=st.none() | text, reason=text,
                 error=text, payload=st.text(max_size=300))


@given(st.one_of(entries, articles, tagged, dead))
def test_every_record_survives_the_envelope(record: FeedEntry) -> None:
    assert decode(encode(record)) == record


@given(tagged)
def test_tagged_article_is_keyed_by_its_article_id(record: TaggedArticle) -> None:
    assert record_key(record) == record.article.article_id
    assert json.loads(encode(record))["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize(("raw", "reason"), [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (json.dumps({"schema_version": 99, "kind": "article", "payload": {}}).encode(), "schema_version 99"),
    (json.dumps({"schema_version": SCHEMA_VERSION, "kind": "tweet", "payload": {}}).encode(), "unknown record kind"),
    (json.dumps({"schema_version": SCHEMA_VERSION, "kind": "article", "payload": {"url": "x"}}).encode(),
     "invalid article payload"),
    (b"\xff\xfe\x00", "not JSON"),
])
def test_bad_messages_are_rejected_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeError, match=reason):
        decode(raw)


def test_decode_checks_the_expected_kind() -> None:
    entry = FeedEntry(article_id="a", url="http://x/1", feed_url="http://x/feed")
    with pytest.raises(EnvelopeError, match="expected article"):
        decode(encode(entry), Article)
