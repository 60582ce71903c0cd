"""Near-duplicate detection for syndicated stories: MinHash over word shingles, LSH to find matches."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
from datasketch import MinHash, MinHashLSH

from oversight.schemas.records import TaggedArticle

NUM_PERM = 128
SHINGLE = 5  # word 5-grams: long enough that two different stories on one topic rarely share them
THRESHOLD = 0.5  # wire copies with other headlines, bylines and a cut paragraph measured 0.6-0.9
MIN_SHINGLES = 20  # below this a text is too short to call anything a copy of it
PREFIX = "mh1:"
_WORD = re.compile(r"\w+")
_SEED = 1  # seed and scheme fixed, so fingerprints stored in the warehouse stay comparable
_SCHEME = "affine32"  # datasketch >= 2.0's default; the prefix must change if this does


# Built once: MinHash draws its 128 permutations from the seed on every construction otherwise (~0.3 ms).
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations


def _shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}


def fingerprint(text: str) -> str:
    """A MinHash of the text's word 5-grams as hex ("" when the text is too short to compare)."""
    shingles = _shingles(text)
    if len(shingles) < MIN_SHINGLES:
        return ""
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME, permutations=_PERMUTATIONS)
    minhash.update_batch(list(shingles))
    return PREFIX + str(minhash.hashvalues.astype(">u4").tobytes().hex())


def _minhash(fp: str) -> MinHash | None:
    if not fp.startswith(PREFIX):
        return None
    try:
        values = np.frombuffer(bytes.fromhex(fp[len(PREFIX) :]), dtype=">u4").astype(np.uint32)
    except ValueError:
        return None
    if len(values) != NUM_PERM:
        return None
    return MinHash(num_perm=NUM_PERM, seed=_SEED, hashvalues=values, scheme=_SCHEME, permutations=_PERMUTATIONS)


def similarity(fp_a: str, fp_b: str) -> float:
    """Estimated Jaccard similarity of two fingerprints' shingle sets (0.0 if either is empty)."""
    a, b = _minhash(fp_a), _minhash(fp_b)
    return float(a.jaccard(b)) if a is not None and b is not None else 0.0


class DuplicateIndex:
    """Finds the original an article nearly duplicates: the lowest-ranked match (default: first added).

    Ranks make the answer independent of arrival order: landing ranks by (published, article_id), so the
    earliest publication of a syndicated story is its original however the bus delivered the copies.
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self._threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._rank: dict[str, str] = {}
        self._hashes: dict[str, MinHash] = {}

    def __len__(self) -> int:
        return len(self._rank)

    def add(self, article_id: str, fp: str, rank: str | None = None) -> None:
        """Index an article; empty or unreadable fingerprints and repeats are ignored."""
        minhash = _minhash(fp)
        if minhash is None or article_id in self._rank:
            return
        self._lsh.insert(article_id, minhash)
        self._rank[article_id] = rank if rank is not None else f"{len(self._rank):012d}"
        self._hashes[article_id] = minhash

    def rank(self, article_id: str) -> str:
        return self._rank[article_id]

    def find(self, fp: str) -> str | None:
        """The lowest-ranked indexed article this fingerprint nearly duplicates, or None."""
        minhash = _minhash(fp)
        if minhash is None:
            return None
        # LSH candidates are probable matches; the estimated Jaccard confirms them.
        matches = [key for key in self._lsh.query(minhash)
                   if self._hashes[key].jaccard(minhash) >= self._threshold]
        return min(matches, key=self._rank.__getitem__, default=None)

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str | None]], threshold: float = THRESHOLD) -> DuplicateIndex:
        """Rebuild from (article_id, fingerprint) rows, oldest first."""
        index = cls(threshold)
        for article_id, fp in rows:
            index.add(article_id, fp or "")
        return index


# Which of a story's syndicated copies is the original: the earliest published, then the smallest id.
def original_rank(published: datetime | None, article_id: str) -> str:
    """Sort key of an article among its syndicated copies: earliest publication, then smallest id."""
    return f"{published.astimezone(UTC).isoformat() if published else '9999'}|{article_id}"


def mark_duplicates(index: DuplicateIndex, tagged: Sequence[TaggedArticle]) -> tuple[dict[str, str], dict[str, str]]:
    """(copy -> original) for the batch, and (old original -> new original) where an earlier story arrived late."""
    duplicates: dict[str, str] = {}
    promoted: dict[str, str] = {}
    for t in sorted(tagged, key=lambda t: original_rank(t.article.published, t.article.article_id)):
        aid, fp = t.article.article_id, t.article.fingerprint
        if not fp:
            continue
        rank = original_rank(t.article.published, aid)
        original = index.find(fp)
        if original is None or original == aid:
            index.add(aid, fp, rank)
        elif rank < index.rank(original):
            index.add(aid, fp, rank)
            promoted[original] = aid
        else:
            duplicates[aid] = original
    return duplicates, promoted
