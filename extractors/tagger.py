"""Tag articles with agencies, vendors, technologies and events (the `tag` stage), batch in, batch out."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from oversight.extractors.tagging.agencies import Agency, collect_agencies
from oversight.extractors.tagging.confidence import REVIEW_BELOW
from oversight.extractors.tagging.entities import Entities, find_entities, hit_technologies
from oversight.extractors.tagging.events import EventDraft, extract_events
from oversight.extractors.tagging.gazetteer import Gazetteer, load_gazetteer, name_key
from oversight.extractors.tagging.pipeline import MODEL, Matchers, build_nlp, doc_facts
from oversight.extractors.tagging.places import gather_evidence
from oversight.extractors.tagging.spans import DocFacts, Hit
from oversight.extractors.tagging.structure import ParseBook, SentenceParser
from oversight.schemas.records import Article, Event, Mention, TaggedArticle
from oversight.schemas.text import clean_text

log = logging.getLogger(__name__)
# What events are read from: agencies, technologies and vendors, the home place, the publication year.
_Parts = tuple[list[Agency], Entities, str, int | None]

TAGGER_NAME = "tagger-1"
# Frequent English words that are not also frequent Spanish, French, Portuguese or Italian words.
_STOPWORDS = {"the", "and", "of", "to", "is", "that", "for", "with", "was", "it", "said", "has", "have",
              "were", "this", "from", "by", "are", "be", "its", "their", "will", "which"}


def tagged_text(article: Article) -> str:
    """The text mention offsets index into: title, blank line, body (just the body when no title)."""
    title = article.title.strip()
    return f"{title}\n\n{article.text}" if title else article.text


def _title_len(article: Article) -> int:
    return len(article.title.strip())


def _looks_english(text: str) -> bool:
    words = re.findall(r"[a-zA-Z]+", text[:5000].lower())
    if len(words) < 40:
        return True  # too short to judge; the language field decides
    return sum(w in _STOPWORDS for w in words) / len(words) >= 0.06


def skip_status(article: Article) -> str | None:
    """The tag_status of an article the tagger does not read, or None when it should be tagged."""
    if article.status != "ok":
        return article.status
    if article.language and not article.language.lower().startswith("en"):
        return "not_english"
    if not article.text.strip():
        return "no_text"
    if not _looks_english(article.text):
        return "not_english"
    return None


class Tagger:
    """Loads the spaCy model and gazetteers once; tags batches of articles."""

    def __init__(self, n_process: int = 1, batch_size: int = 32) -> None:
        self.gaz: Gazetteer = load_gazetteer()
        self.nlp = build_nlp()
        self.matchers = Matchers(self.nlp, self.gaz)
        self.parser = SentenceParser(MODEL, batch_size)
        self.n_process = n_process
        self.batch_size = batch_size
        self.version = f"{TAGGER_NAME}+{self.gaz.version}"

    def tag_articles(self, articles: Sequence[Article]) -> list[TaggedArticle]:
        """One TaggedArticle per article, in input order."""
        return [tagged for tagged, _ in self.tag_with_drafts(articles)]

    def tag_with_drafts(self, articles: Sequence[Article]) -> list[tuple[TaggedArticle, list[EventDraft]]]:
        """One TaggedArticle per article, in input order, with the event drafts (and their signals) behind
        its events; `bench/calibrate.py` fits the confidence model on those signals."""
        todo = [(i, a) for i, a in enumerate(articles) if skip_status(a) is None]
        # clean_text replaces control characters and lone surrogates one for one (they confuse tokenisers), so
        # offsets into the cleaned text are offsets into tagged_text(article).
        texts = [(clean_text(tagged_text(a)), _title_len(a)) for _, a in todo]
        facts = doc_facts(self.nlp, self.matchers, texts, self.batch_size, self.n_process)
        out: list[tuple[TaggedArticle, list[EventDraft]]] = [
            (TaggedArticle(article=a, tag_status=skip_status(a) or "ok", tagger_version=self.version), [])
            for a in articles
        ]
        read = [(i, article, fact, self._read(article, fact)) for (i, article), fact in zip(todo, facts, strict=True)]
        # The events are read twice: first to note the sentences whose reading needs the parse, then with
        # those sentences parsed in one batch.
        wanted = ParseBook()
        for _, _article, fact, parts in read:
            extract_events(fact, self.gaz, *parts, wanted)
        book = ParseBook(self.parser.parse_many(wanted.wanted))
        for i, article, fact, parts in read:
            out[i] = self._tag_one(article, fact, parts, book)
        return out

    def _read(self, article: Article, facts: DocFacts) -> _Parts:
        # An exception here or in extract_events is a tagger bug: it propagates, and the caller (flows.stages)
        # isolates the article as a dead letter that `oversight replay` can retry once the bug is fixed (a
        # `tag_error` row never could be).
        return self.prepare(article, facts)

    def _tag_one(self, article: Article, facts: DocFacts, parts: _Parts,
                 book: ParseBook) -> tuple[TaggedArticle, list[EventDraft]]:
        events = extract_events(facts, self.gaz, *parts, book)
        agencies, ents = parts[0], parts[1]
        mentions = _mentions(facts, agencies, ents, self.gaz)
        return TaggedArticle(article=article, tag_status="ok" if facts.on_topic else "off_topic", mentions=mentions,
                             events=[_event(e) for e in events], tagger_version=self.version), events

    def prepare(self, article: Article, facts: DocFacts) -> _Parts:
        """Agencies, technologies/vendors, home place and publication year of one article."""
        body_start = _title_len(article) + 2 if _title_len(article) else 0
        evidence = gather_evidence(facts.text, body_start, self.gaz)
        agencies = collect_agencies(facts, self.gaz, evidence)
        ents = find_entities(facts, self.gaz)
        home = name_key(evidence.dateline_place) if evidence.dateline_place else ""
        if not home and agencies:
            home = next((a.place for a in agencies if a.place), "")
        year = article.published.year if article.published else None
        return agencies, ents, home, year


def _sentence_of(facts: DocFacts, pos: int) -> str:
    return facts.sentences[facts.sentence_index(pos)].text if facts.sentences else ""


def _mentions(facts: DocFacts, agencies: list[Agency], ents: Entities, gaz: Gazetteer) -> list[Mention]:
    out: list[Mention] = []
    for a in agencies:
        for h in a.hits:
            out.append(Mention(label="agency", text=h.text, start=h.start, end=h.end,
                               sentence=_sentence_of(facts, h.start), canonical_id=a.canonical_id,
                               canonical_name=a.name, state=a.state))
    for h in ents.tech_hits:
        out.append(Mention(label="technology", text=h.text, start=h.start, end=h.end,
                           sentence=_sentence_of(facts, h.start), canonical_id=f"tech:{h.key}",
                           canonical_name=h.key, technology=h.key))
    for h in ents.vendor_hits:
        out.append(_vendor_mention(facts, h))
        # A product or single-purpose company also names its technology ("Rekognition", "ShotSpotter").
        for slug in hit_technologies(h, gaz):
            out.append(Mention(label="technology", text=h.text, start=h.start, end=h.end,
                               sentence=_sentence_of(facts, h.start), canonical_id=f"tech:{slug}",
                               canonical_name=slug, technology=slug))
    return sorted(out, key=lambda m: (m.start, m.end, m.label))


def _vendor_mention(facts: DocFacts, h: Hit) -> Mention:
    return Mention(label="product" if h.technology else "vendor", text=h.text, start=h.start, end=h.end,
                   sentence=_sentence_of(facts, h.start), canonical_id=f"vendor:{_slug(h.key)}",
                   canonical_name=h.key, technology=h.technology)


def _slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def _event(d: EventDraft) -> Event:
    return Event(agency_id=d.agency.canonical_id, agency=d.agency.name, agency_state=d.agency.state,
                 technology=d.technology, vendor_id=f"vendor:{_slug(d.vendor)}" if d.vendor else None,
                 vendor=d.vendor, action=d.action,  # type: ignore[arg-type]
                 evidence=d.sentence.text, evidence_start=d.sentence.start, evidence_end=d.sentence.end,
                 confidence=d.confidence, needs_review=d.confidence < REVIEW_BELOW)


@lru_cache(maxsize=4)
def load_tagger(n_process: int = 1, batch_size: int = 32) -> Tagger:
    """A Tagger per process and settings, built on first use."""
    return Tagger(n_process=n_process, batch_size=batch_size)


def contract_record(doc_id: str, tagged: TaggedArticle) -> dict[str, Any]:
    """One output line in the evaluation contract's format (shared/eval/CONTRACT.md)."""
    agencies: dict[str, dict[str, Any]] = {}
    vendors: dict[str, dict[str, Any]] = {}
    techs: dict[str, None] = {}
    for m in tagged.mentions:
        if m.label == "agency":
            agencies.setdefault(m.canonical_id, {"name": m.canonical_name, "state": m.state})
        elif m.label in ("vendor", "product"):
            vendors.setdefault(m.canonical_id, {"name": m.canonical_name})
        elif m.label == "technology" and m.technology:
            techs.setdefault(m.technology, None)
    events = [{"agency": e.agency, "technology": e.technology, "vendor": e.vendor, "action": e.action}
              for e in tagged.events]
    return {"id": doc_id, "agencies": list(agencies.values()), "vendors": list(vendors.values()),
            "technologies": list(techs), "events": events}
