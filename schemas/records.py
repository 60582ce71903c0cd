"""Typed records that travel on the bus, and the versioned JSON envelope around them."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from oversight.schemas.text import clean_text

SCHEMA_VERSION = 1

Action = Literal["uses", "acquires", "pilots", "proposes", "ends", "bans", "rejects"]
MentionLabel = Literal["agency", "vendor", "technology", "product", "place"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Record(BaseModel):
    """Base of every bus record: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: ClassVar[str]

    @field_validator("*", mode="before")
    @classmethod
    def _clean_strings(cls, value: Any) -> Any:
        """Every string a record carries is cleaned of lone surrogates and control characters, so no
        feed or page can make a record that cannot be encoded, stored or printed."""
        if isinstance(value, str):
            return clean_text(value)
        if isinstance(value, list):
            return [clean_text(v) if isinstance(v, str) else v for v in value]
        return value


class FeedEntry(Record):
    """One new link found in a feed, waiting to be fetched."""

    kind: ClassVar[str] = "feed_entry"
    article_id: str
    url: str
    feed_url: str
    title: str = ""
    summary: str = ""
    published: datetime | None = None
    polled_at: datetime = Field(default_factory=utcnow)


class Article(Record):
    """A fetched and extracted page; `status` is its outcome label (`ok`, `no_text`, ...)."""

    kind: ClassVar[str] = "article"
    article_id: str
    url: str
    feed_url: str = ""
    status: str = "ok"
    http_status: int | None = None
    outlet: str = ""
    title: str = ""
    text: str = ""
    authors: list[str] = Field(default_factory=list)
    published: datetime | None = None
    language: str | None = None
    top_image: str | None = None
    extractor: str = ""
    fingerprint: str | None = None
    duplicate_of: str | None = None
    fetched_at: datetime = Field(default_factory=utcnow)


class Mention(Record):
    """One entity span in an article, resolved to a canonical id."""

    label: MentionLabel
    text: str
    start: int
    end: int
    sentence: str
    canonical_id: str
    canonical_name: str
    state: str | None = None
    technology: str | None = None


class Event(Record):
    """An agency doing something with a technology, with the sentence that says so."""

    agency_id: str
    agency: str
    agency_state: str | None = None
    technology: str
    vendor_id: str | None = None
    vendor: str | None = None
    action: Action
    evidence: str
    evidence_start: int = 0  # the evidence sentence is tagged_text[evidence_start:evidence_end]
    evidence_end: int | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    needs_review: bool = False  # confidence below the tagger's review threshold


class TaggedArticle(Record):
    """An article with its mentions and events; `tag_status` says why it has none when it has none."""

    kind: ClassVar[str] = "tagged_article"
    article: Article
    tag_status: str = "ok"
    mentions: list[Mention] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    tagger_version: str = ""


class DeadLetter(Record):
    """A message or input that could not be processed, kept with its reason for replay."""

    kind: ClassVar[str] = "dead_letter"
    dead_letter_id: str
    stage: str
    source_topic: str
    key: str | None = None
    reason: str
    error: str = ""
    payload: str = ""
    source_offset: str = ""
    failed_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def of(cls, stage: str, source_topic: str, key: str | None, reason: str, error: str, payload: str,
           source_offset: str, identity: tuple[object, ...]) -> DeadLetter:
        """A dead letter whose id depends only on `identity` (so a redelivery repeats it), its error capped."""
        return cls(dead_letter_id=stable_id(*identity), stage=stage, source_topic=source_topic, key=key,
                   reason=reason, error=error[:2000], payload=payload, source_offset=source_offset)


def stable_id(*parts: object) -> str:
    """The id recipe of articles, events and dead letters: 32 hex digits of sha256 over the parts joined by |."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]


RECORD_TYPES: dict[str, type[Record]] = {
    cls.kind: cls for cls in (FeedEntry, Article, TaggedArticle, DeadLetter)
}


class EnvelopeError(ValueError):
    """A message that is not a valid oversight envelope (bad JSON, version or payload)."""


def encode(record: Record) -> bytes:
    """Wrap a record in the versioned envelope and serialise it to JSON bytes."""
    envelope = {
        "schema_version": SCHEMA_VERSION,
        "kind": record.kind,
        "id": _record_id(record),
        "payload": record.model_dump(mode="json"),
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


RecordT = TypeVar("RecordT", bound=Record)


@overload
def decode(data: bytes, expect: type[RecordT]) -> RecordT: ...
@overload
def decode(data: bytes, expect: None = None) -> Record: ...
def decode(data: bytes, expect: type[Record] | None = None) -> Record:
    """Parse and validate an envelope (of the `expect` kind when given); raise EnvelopeError naming what is
    wrong."""
    try:
        envelope = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"not JSON: {exc}") from exc
    if not isinstance(envelope, dict):
        raise EnvelopeError("envelope is not a JSON object")
    version = envelope.get("schema_version")
    if version != SCHEMA_VERSION:
        raise EnvelopeError(f"unsupported schema_version {version!r} (this build reads {SCHEMA_VERSION})")
    cls = RECORD_TYPES.get(str(envelope.get("kind")))
    if cls is None:
        raise EnvelopeError(f"unknown record kind {envelope.get('kind')!r}")
    if expect is not None and cls is not expect:
        raise EnvelopeError(f"expected {expect.kind}, got {cls.kind}")
    try:
        return cls.model_validate(envelope.get("payload"))
    except ValidationError as exc:
        raise EnvelopeError(f"invalid {cls.kind} payload: {exc.errors()[0]['msg']} at {exc.errors()[0]['loc']}") from exc


def _record_id(record: Record) -> str:
    if isinstance(record, TaggedArticle):
        return record.article.article_id
    if isinstance(record, DeadLetter):
        return record.dead_letter_id
    value: Any = getattr(record, "article_id", "")
    return str(value)


def record_key(record: Record) -> str:
    """The bus key of a record: its article id (dead letters: the original key, else their id)."""
    if isinstance(record, DeadLetter):
        return record.key or record.dead_letter_id
    return _record_id(record)
