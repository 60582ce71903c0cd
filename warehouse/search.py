"""Full-text search over article titles and text: DuckDB's fts extension (BM25) in its own file beside the lake.

The fts index cannot live in the lake (`PRAGMA create_fts_index` fails on a DuckLake table), so it is a plain
DuckDB file (`LakeLocation.search_path`) holding a copy of each article's id, title and text plus the index
tables (schema fts_main_articles) that PRAGMA create_fts_index fills once and never updates. Rebuilding costs
about 0.2 ms per article, so `refresh_search_index` adds only the articles changed since the lake snapshot the
index was last brought to (from the lake's own change feed), with the extension's tokenize macro, stopwords and
stemmer (search_add.sql). A test checks that the incremental index scores exactly like a fresh build.

Nobody waits for a refresh: it copies the current file, updates the copy and renames it over the original, so
`oversight search` keeps reading the previous version meanwhile and landing never touches the file; a killed
refresh leaves the previous index whole (and a stray copy that the next refresh overwrites). Two refreshes at
once: the second sees the first's lock and leaves the work to it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from oversight.extractors.tagging.gazetteer import load_technologies
from oversight.schemas.settings import LakeLocation
from oversight.warehouse import lake
from oversight.warehouse.db import reader, sql, transaction
from oversight.warehouse.duckfile import quote_literal

log = logging.getLogger(__name__)

FTS_SCHEMA = "fts_main_articles"
ALIAS = "search"


class SearchIndexMissing(RuntimeError):
    """The warehouse has no full-text index yet."""


@dataclass(frozen=True)
class SearchHit:
    """One article matching a search, with its tags and a snippet of its text around the first match."""

    score: float
    article_id: str
    published: datetime | None
    outlet: str | None
    title: str | None
    url: str
    entities: list[str]
    technologies: list[str]
    snippet: str = ""
    missing: list[str] = field(default_factory=list)  # words of a long query this hit lacks (one at most)
    through: list[str] = field(default_factory=list)  # technologies that stand in for query words its text lacks


@dataclass(frozen=True)
class Filters:
    """Narrowing a search by the tags and dates of its articles; None leaves a field open."""

    technology: str | None = None  # a technology slug the article mentions (a term or one of its products)
    agency: str | None = None  # part of the canonical name of an agency the article mentions, any case
    state: str | None = None  # two-letter state of an agency the article mentions
    since: date | None = None  # published on or after
    until: date | None = None  # published on or before


@dataclass(frozen=True)
class Query:
    """A search as typed: loose words (each must appear, stemmed) and quoted phrases (each in order, stemmed)."""

    words: list[str]
    phrases: list[str]

    @classmethod
    def parse(cls, text: str) -> Query:
        """Split `text` into "quoted phrases" and the words outside them (an unclosed quote runs to the end)."""
        phrases, words = [], []
        for n, part in enumerate(text.split('"')):
            if n % 2:
                phrases += [" ".join(part.split())] if part.split() else []
            else:
                words += part.split()
        return cls(words, phrases)

    @property
    def all_words(self) -> str:
        """Every word, the phrases' included: each must be in a hit, and all of them rank it (BM25)."""
        return " ".join([*self.words, *self.phrases])

    def technologies(self) -> list[Named]:
        """The runs of loose words that name a technology (quoted phrases stay as written)."""
        return named_technologies(_words(" ".join(self.words)))

    def highlight(self, named: list[Named] | None = None) -> re.Pattern[str]:
        """What the snippet marks: each phrase, each word (as the start of a word, so stems match) and each name
        of the technologies the query names (the words a hit may hold through its tags)."""
        parts = [r"[\W_]+".join(_prefix(w) for w in _words(p)) for p in self.phrases if _words(p)]
        names = sorted({name for n in named or [] for name in technology_names(n.technology)}, key=len,
                       reverse=True)
        parts += [r"[\W_]+".join(re.escape(w) for w in _words(name)) for name in names]
        parts += [_prefix(w) for w in _words(" ".join(self.words))]
        return re.compile(r"\b(?:" + "|".join(parts or ["(?!)"]) + r")\b", re.I)


def _prefix(word: str) -> str:
    """A word as the start of a word, so that its stemmed forms match too ("readers" -> "read\\w*")."""
    return re.escape(word[:max(4, len(word) - 3)]) + r"\w*"


@dataclass(frozen=True)
class Named:
    """Loose words of a query that are a name of a technology in the tagger's gazetteer (a term or acronym of
    extractors/gazetteers/built/technologies.json: "facial recognition", "police drones", "ALPR").

    An article holds these words when it holds them as text, or when the tagger tagged it with the
    technology (under any of its names), or, for an article the tagger did not read (another language), when
    its text has a one-word name of the technology ("drones")."""

    technology: str
    words: tuple[str, ...]


@lru_cache(maxsize=1)
def _names() -> dict[tuple[str, ...], str]:
    """Each term and acronym of every technology, as normalised words, to its slug."""
    names: dict[tuple[str, ...], str] = {}
    for slug, spec in sorted(load_technologies().items()):
        for name in [*spec["terms"], *spec["acronyms"]]:
            if _words(name):
                names.setdefault(tuple(_words(name)), slug)
    return names


def technology_names(slug: str) -> list[str]:
    """The gazetteer's terms for a technology slug (its acronyms are matched in a query, not in text)."""
    return list(load_technologies()[slug]["terms"])


def named_technologies(words: list[str]) -> list[Named]:
    """The runs of `words` (normalised) that name a technology, the longest run at each place from the left:
    "facial recognition cameras" -> face_recognition for "facial recognition"; "cameras" names none alone."""
    names = _names()
    longest = max(map(len, names))
    found, i = [], 0
    while i < len(words):
        for j in range(min(len(words), i + longest), i, -1):
            slug = names.get(tuple(words[i:j]))
            if slug is not None:
                found.append(Named(slug, tuple(words[i:j])))
                i = j
                break
        else:
            i += 1
    return found


def _one_word_names(slug: str) -> list[str]:
    return sorted({w[0] for w in map(_words, technology_names(slug)) if len(w) == 1})


def _words(text: str) -> list[str]:
    stripped = unicodedata.normalize("NFKD", text.lower())
    return re.findall(r"[a-z0-9]+", "".join(c for c in stripped if not unicodedata.combining(c)))


SNIPPET_CHARS = 200
# A snippet is cut from at most this much text around the match: article text is stranger's input.
_SNIPPET_SCAN = 200_000


def snippet(text: str | None, pattern: re.Pattern[str], width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of `text` around the first match of `pattern`, each match in [brackets];
    the start of the text when nothing matches (the match was in the title). One line."""
    body = " ".join((text or "")[:_SNIPPET_SCAN].split())
    found = pattern.search(body)
    start = 0 if found is None else max(0, found.start() - width // 3)
    if start:
        space = body.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = min(len(body), start + width)
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    piece = pattern.sub(lambda m: f"[{m.group(0)}]", body[start:end])
    return ("..." if start else "") + piece + ("..." if end < len(body) else "")


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from the duckdb-extension-fts wheel; never from the network."""
    lake.load_extension(con, "duckdb_extension_fts", "fts")


def has_index(con: duckdb.DuckDBPyConnection, database: str = ALIAS) -> bool:
    """Whether the attached search file holds the full-text index."""
    found = con.execute("SELECT count(*) FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?",
                        [database, FTS_SCHEMA]).fetchall()
    return bool(found[0][0])


def _current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute(f"SELECT id FROM {lake.ALIAS}.current_snapshot()").fetchall()[0][0])


def _indexed_snapshot(con: duckdb.DuckDBPyConnection) -> int | None:
    """The snapshot the index is up to date with; None when there is none, or when maintenance expired the
    snapshot after it (the change feed cannot be read from there: the index is then rebuilt)."""
    found = con.execute(f"SELECT max(indexed_snapshot) FROM {ALIAS}.search_index_state").fetchall()[0][0]
    if found is None:
        return None
    upto = int(found)
    if upto >= _current_snapshot(con):
        return upto
    kept = con.execute(f"SELECT count(*) FROM ducklake_snapshots('{lake.ALIAS}') WHERE snapshot_id = ?",
                       [upto + 1]).fetchall()[0][0]
    return upto if kept else None


def pending_articles(con: duckdb.DuckDBPyConnection) -> int:
    """Articles landed or re-landed since the last refresh (all of them when there is no index).

    `con` has the lake attached and the search file attached as `search` (see `searching`).
    """
    if not has_index(con):
        return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])
    upto, now = _indexed_snapshot(con), _current_snapshot(con)
    if upto is None:
        return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])
    if upto >= now:
        return 0
    return int(con.execute(sql("search_changed"), [upto + 1, now]).fetchall()[0][0])


@contextmanager
def searching(location: LakeLocation) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the lake with the current search index attached as `search`."""
    if not location.search_path.exists():
        raise SearchIndexMissing("no full-text index yet: it is built when articles land (or run `oversight search`"
                                 " again once a run has landed articles)")
    with reader(location, shared=False) as con:  # the attached file is this connection's alone
        load_fts(con)
        con.execute(f"ATTACH {quote_literal(str(location.search_path))} AS {ALIAS} (READ_ONLY)")
        yield con


def refresh_search_index(location: LakeLocation) -> int:
    """Bring the full-text index up to date with the lake; return how many articles were (re)indexed.

    It costs one small query when no article changed, and otherwise a copy of the index file plus time
    proportional to the changed articles. Returns 0 at once if another process is refreshing.
    """
    location.search_path.parent.mkdir(parents=True, exist_ok=True)
    with open(location.search_path.with_name(location.search_path.name + ".lock"), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("the search index is being refreshed by another process; leaving it to that one")
            return 0
        return _refresh_locked(location)


def _refresh_locked(location: LakeLocation) -> int:
    current, nxt = location.search_path, location.search_path.with_name(location.search_path.name + ".next")
    if current.exists():
        with searching(location) as con:
            if has_index(con) and not pending_articles(con):
                return 0  # nothing to add: no copy, no rename
    for stale in (nxt, nxt.with_name(nxt.name + ".wal")):
        stale.unlink(missing_ok=True)  # a killed refresh's copy (and its log): never replay it onto a new copy
    if current.exists():
        shutil.copyfile(current, nxt)
    with reader(location, shared=False) as con:
        load_fts(con)
        con.execute(f"ATTACH {quote_literal(str(nxt))} AS {ALIAS}")
        con.execute(sql("search_index_state"))
        snapshot = _current_snapshot(con)
        upto = _indexed_snapshot(con) if has_index(con) else None
        if upto is not None and upto >= snapshot:
            count = 0
        else:
            con.execute(f"USE {ALIAS}")
            count = _build(con, snapshot) if upto is None else _add_pending(con, upto, snapshot)
        con.execute(f"CHECKPOINT {ALIAS}")  # the index's DDL must not wait in a write-ahead log (see duckfile)
        con.execute(f"USE {lake.ALIAS}")
        con.execute(f"DETACH {ALIAS}")
    if count or not current.exists():
        _publish(nxt, current)
    else:
        nxt.unlink()
    return count


def _publish(nxt: Path, current: Path) -> None:
    with open(nxt, "rb") as f:
        os.fsync(f.fileno())
    os.replace(nxt, current)
    dir_fd = os.open(current.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _build(con: duckdb.DuckDBPyConnection, snapshot: int) -> int:
    def work() -> int:
        con.execute(sql("search_copy_all"), [snapshot])
        con.execute("PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', overwrite=1)")
        con.execute(sql("search_state"), [snapshot])
        return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])

    count = transaction(con, work, "search index build", fenced=False)  # the index's file has no fence
    log.info("built the full-text index over %d article(s)", count)
    return count


def _add_pending(con: duckdb.DuckDBPyConnection, upto: int, snapshot: int) -> int:
    def work() -> int:
        con.execute(sql("search_pending"), [upto + 1, snapshot])
        count = int(con.execute("SELECT count(*) FROM fts_pending").fetchall()[0][0])
        if count:
            con.execute("CREATE OR REPLACE TEMP TABLE fts_df_delta (termid BIGINT, delta BIGINT)")
            relanded = con.execute(sql("search_relanded")).fetchall()[0][0]
            if relanded:  # the forget step scans every term, so only pay for it when an article came back
                con.execute(sql("search_forget"))
            con.execute(sql("search_add"))
        con.execute(sql("search_state"), [snapshot])
        con.execute("DROP TABLE IF EXISTS fts_pending")
        return count

    return transaction(con, work, "search index update", fenced=False)


class BadQuery(ValueError):
    """A search with nothing to look for (only stop words, punctuation or numbers)."""


def search(
    con: duckdb.DuckDBPyConnection, terms: str, since: date | None = None, limit: int = 20,
    filters: Filters | None = None,
) -> list[SearchHit]:
    """Articles holding every word of `terms` (all but one of three or more) and every "quoted phrase", words
    stemmed, best first by BM25, with a snippet around the first match; optionally narrowed by `filters` (and
    published on or after `since`). Words that name a technology are also held by the articles tagged with it
    (see `Named`).

    `con` comes from `searching`: the lake with the search file attached.
    """
    if not has_index(con):
        raise SearchIndexMissing("the full-text index is empty: it is built when articles land")
    query = Query.parse(terms)
    stems = dict(con.execute(sql("search_tokens"), {"words": query.all_words}).fetchall())
    loose = con.execute(sql("search_tokens"), {"words": " ".join(query.words)}).fetchall()
    if not stems:
        raise BadQuery(f"nothing to search for in {terms!r}: only common words, numbers or punctuation")
    named = [n for n in query.technologies() if set(_stems(con, list(n.words))) & set(stems)]
    f = filters or Filters()
    phrases = [_stems(con, _words(p)) for p in query.phrases if _words(p)]
    params = {"terms": list(stems), "phrases": [" " + " ".join(p) + " " for p in phrases],
              "phrase_patterns": [phrase_pattern(p) for p in phrases],
              "named_technologies": [n.technology for n in named],
              "named_stems": [[s for s in _stems(con, list(n.words)) if s in stems] for n in named],
              "named_in_text": [_stems(con, _one_word_names(n.technology)) for n in named],
              "technology": f.technology, "agency": f.agency, "state": f.state, "since": since or f.since,
              "until": f.until, "limit": limit, "may_miss": may_miss(len(loose))}
    rows = con.execute(sql("search_articles"), params).fetchall()
    pattern = query.highlight(named)
    return [_hit(row, pattern, stems) for row in rows]


def phrase_pattern(stems: list[str]) -> str:
    """An RE2 pattern over lower-cased, accent-stripped text that every text holding the phrase of these stems
    matches: each word begins with its stem but the last two letters (the porter stemmer rewrites at most
    those: "happy" -> "happi", "possibility" -> "possibl"), the words apart only by what is not a letter or
    digit. A text it matches may still not hold the phrase: the stemmed comparison decides."""
    return "(^|[^a-z0-9])" + "[^a-z0-9]+".join(re.escape(s[:max(1, len(s) - 2)]) + "[a-z0-9]*" for s in stems)


def _stems(con: duckdb.DuckDBPyConnection, words: list[str]) -> list[str]:
    """`words` as the index stems them (porter)."""
    return list(con.execute(sql("search_stems"), {"words": words}).fetchall()[0][0]) if words else []


def may_miss(words: int) -> int:
    """How many of a query's loose words (outside quotes) a hit may lack: none of one or two, one of three or
    more.

    Measured on the judged queries (bench/bench_search.py): requiring every word of a long query loses
    relevant articles that say it another way, and letting any word go back to matching only "face" for
    "face recognition". Hits with every word always rank above those without one; a quoted phrase is never
    optional."""
    return 1 if words >= 3 else 0


def _hit(row: tuple[Any, ...], pattern: re.Pattern[str], stems: dict[str, str]) -> SearchHit:
    score, article_id, published, outlet, title, url, entities, technologies, text, matched, through = row
    missing = sorted(word for stem, word in stems.items() if stem not in set(matched))
    return SearchHit(float(score), article_id, published, outlet, title, url, list(entities), list(technologies),
                     snippet(text, pattern), missing, sorted(through))
