"""Real tagged records for the research tests, landed with warehouse.loader.land_tagged into a real lake."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from oversight.schemas.records import Article, Event, Mention, TaggedArticle
from oversight.schemas.settings import LakeLocation, load_settings
from oversight.warehouse import db
from oversight.warehouse.loader import land_tagged
from oversight.warehouse.search import refresh_search_index

FETCHED = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Ev:
    """An event to put in an article: who did what with which technology, from whom."""

    agency: str
    state: str | None
    technology: str
    action: str = "uses"
    vendor: str | None = None
    confidence: float = 0.9

    @property
    def agency_id(self) -> str:
        return "agency:" + self.agency.lower().replace(" ", "-")

    @property
    def vendor_id(self) -> str | None:
        return "vendor:" + self.vendor.lower().replace(" ", "-") if self.vendor else None

    def sentence(self) -> str:
        by = f" from {self.vendor}" if self.vendor else ""
        return f"The {self.agency} {self.action} {self.technology.replace('_', ' ')}{by}."


def story(
    article_id: str, published: datetime, events: Sequence[Ev], *, title: str = "", text: str = "",
    outlet: str = "example.com", status: str = "ok",
) -> TaggedArticle:
    """A tagged article whose text holds one sentence per event, with matching mentions and events."""
    sentences = [e.sentence() for e in events]
    body = " ".join(sentences) + (" " + text if text else "")
    title = title or f"Story {article_id}"
    article = Article(
        article_id=article_id, url=f"https://{outlet}/news/{article_id}", feed_url=f"https://{outlet}/feed",
        status=status, http_status=200, outlet=outlet, title=title, text=body, authors=["Reporter"],
        published=published, language="en", extractor="trafilatura", fingerprint=None, fetched_at=FETCHED,
    )
    offset = len(title) + 2
    mentions, tagged_events = [], []
    for e, s in zip(events, sentences, strict=True):
        mentions.extend(_mentions(e, s, offset))
        tagged_events.append(Event(
            agency_id=e.agency_id, agency=e.agency, agency_state=e.state, technology=e.technology,
            vendor_id=e.vendor_id, vendor=e.vendor, action=e.action, evidence=s,  # type: ignore[arg-type]
            evidence_start=offset, evidence_end=offset + len(s), confidence=e.confidence,
            needs_review=e.confidence < 0.8,
        ))
        offset += len(s) + 1
    return TaggedArticle(article=article, mentions=mentions, events=tagged_events, tagger_version="test")


def _mentions(e: Ev, sentence: str, offset: int) -> list[Mention]:
    found = [Mention(label="agency", text=e.agency, start=offset + 4, end=offset + 4 + len(e.agency),
                     sentence=sentence, canonical_id=e.agency_id, canonical_name=e.agency, state=e.state),
             Mention(label="technology", text=e.technology, start=offset, end=offset + 1, sentence=sentence,
                     canonical_id="tech:" + e.technology, canonical_name=e.technology, technology=e.technology)]
    if e.vendor and e.vendor_id:
        found.append(Mention(label="vendor", text=e.vendor, start=offset, end=offset + 1, sentence=sentence,
                             canonical_id=e.vendor_id, canonical_name=e.vendor))
    return found


def copy_of(original: TaggedArticle, article_id: str, outlet: str, published: datetime | None = None) -> TaggedArticle:
    """A syndicated copy of a story on another outlet (land it with duplicate_of pointing at the original)."""
    art = original.article.model_copy(update={
        "article_id": article_id, "url": f"https://{outlet}/wire/{article_id}", "outlet": outlet,
        "published": published or original.article.published,
    })
    return original.model_copy(update={"article": art})


def lake_in(home: Path) -> LakeLocation:
    """The lake (SQLite catalog, data folder, search file) of an OVERSIGHT_HOME folder."""
    return load_settings(home=home).lake


def land(lake: LakeLocation, batch: Sequence[TaggedArticle], duplicate_of: Mapping[str, str] | None = None) -> None:
    """Land a batch into the lake the way the landing stage does."""
    with db.writer(lake) as con:
        land_tagged(con, batch, duplicate_of)


def at(day: str) -> datetime:
    """Noon UTC of an ISO date, e.g. at('2026-03-10')."""
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def research_batch() -> tuple[list[TaggedArticle], dict[str, str]]:
    """Two weeks of news (2026-W10, W11) with a syndicated copy; W12 has nothing."""
    a1 = story("a1", at("2026-03-02"), [Ev("Austin Police Department", "TX", "drones", "uses", "Skydio"),
                                        Ev("Austin Police Department", "TX", "license_plate_readers", "acquires",
                                           "Flock Safety")], title="Austin police expand drone program")
    batch = [
        a1,
        copy_of(a1, "a1c", "wire.example.org", at("2026-03-03")),
        story("a2", at("2026-03-04"), [Ev("Dallas Police Department", "TX", "face_recognition", "pilots",
                                          "Clearview AI")], title="Dallas tries face recognition"),
        story("a3", at("2026-03-10"), [Ev("Austin Police Department", "TX", "drones", "uses", "Skydio")],
              title="Austin drones fly again", outlet="kxan.example"),
        story("a4", at("2026-03-11"), [Ev("Portland Police Bureau", "OR", "face_recognition", "bans")],
              title="Portland bans face recognition", outlet="oregonian.example"),
        story("a5", at("2026-03-12"), [Ev("Dallas Police Department", "TX", "license_plate_readers", "acquires",
                                          "Flock Safety")], title="Dallas buys plate readers"),
        story("a6", at("2026-03-12"), [], title="City council approves budget", text="Nothing about police."),
    ]
    return batch, {"a1c": "a1"}


def research_warehouse(home: Path) -> LakeLocation:
    """The lake of OVERSIGHT_HOME `home` with research_batch() landed (and its search index built)."""
    batch, dups = research_batch()
    lake = lake_in(home)
    land(lake, batch, dups)
    refresh_search_index(lake)
    return lake
