"""Plain records the tagging stages pass around, so spaCy objects stop at the pipeline boundary."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sentence:
    """A sentence of the tagged text, by character offsets."""

    start: int
    end: int
    text: str
    is_title: bool = False


@dataclass(frozen=True)
class Hit:
    """A raw match in the text: kind is tech, vendor, agency, federal, acronym, ref, place or org."""

    kind: str
    start: int
    end: int
    text: str
    key: str  # technology slug, vendor name, agency surface name, federal slug, reference type...
    technology: str | None = None  # vendor products: the product's technology
    ambiguous: bool = False


@dataclass
class DocFacts:
    """Everything the pipeline found in one article, with offsets into tagged_text."""

    text: str
    sentences: list[Sentence] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    # False when no technology term or unambiguous vendor appears: no event is possible, so NER was skipped.
    on_topic: bool = True

    def sentence_index(self, pos: int) -> int:
        """Index of the sentence holding character `pos` (binary search over sentence starts)."""
        lo, hi = 0, len(self.sentences) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.sentences[mid].start <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo
