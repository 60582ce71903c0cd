"""Full-text search: the index stays current as articles land, and scores exactly like a fresh fts build."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.research_fixtures import Ev, at, land, story
from warehouse import db
from warehouse.search import load_fts, pending_articles, refresh_search_index, search

WORDS = ["police", "drone", "drones", "flock", "cameras", "camera", "council", "ban", "facial", "recognition",
         "the", "and", "Río", "plate-readers", "sheriff's", "2024", "ALPR"]


def _scores(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, float]:
    rows = con.execute(
        "SELECT article_id, fts_main_articles.match_bm25(article_id, ?) AS s FROM articles", [query]
    ).fetchall()
    return {aid: round(s, 9) for aid, s in rows if s is not None}


def _fresh_scores(src: duckdb.DuckDBPyConnection, query: str) -> dict[str, float]:
    rows = src.execute("SELECT article_id, title, text FROM articles").to_arrow_table()  # noqa: F841
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    load_fts(con)
    con.execute("CREATE TABLE articles AS SELECT * FROM rows")
    con.execute("PRAGMA create_fts_index('articles', 'article_id', 'title', 'text')")
    try:
        return _scores(con, query)
    finally:
        con.close()


def _relanded(path: Path, ids: list[str]) -> None:
    # land_articles.sql keeps the first landed_at on an upsert although the column says "(last) written";
    # until the loader sets it, stamp re-landed rows here so the index sees them as changed.
    with db.writer(path) as con:
        con.execute("UPDATE articles SET landed_at = now() WHERE list_contains(?, article_id)", [ids])


def test_search_finds_landed_articles_with_their_tags(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    land(path, [story("a1", at("2026-03-02"), [Ev("Austin Police Department", "TX", "drones", vendor="Skydio")],
                      title="Austin police buy drones"),
                story("a2", at("2026-03-03"), [Ev("Dallas Police Department", "TX", "license_plate_readers")],
                      title="Dallas weighs plate readers")])
    with db.writer(path) as con:
        assert refresh_search_index(con) == 2
        hits = search(con, "drones")
    assert [h.article_id for h in hits] == ["a1"]
    assert hits[0].title == "Austin police buy drones" and hits[0].outlet == "example.com"
    assert "Skydio" in hits[0].entities and hits[0].technologies == ["drones"]


def test_index_follows_new_and_relanded_articles(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    land(path, [story("a1", at("2026-03-02"), [], title="Council debates drones")])
    with db.writer(path) as con:
        refresh_search_index(con)
    land(path, [story("a2", at("2026-03-09"), [], title="Sheriff buys drones"),
                story("a1", at("2026-03-02"), [], title="Council bans facial recognition")])
    _relanded(path, ["a1"])
    with db.writer(path) as con:
        assert pending_articles(con) == 2
        assert refresh_search_index(con) == 2
        assert pending_articles(con) == 0
        assert refresh_search_index(con) == 0
        assert [h.article_id for h in search(con, "drones")] == ["a2"]
        assert [h.article_id for h in search(con, "facial recognition")] == ["a1"]
        assert [h.article_id for h in search(con, "drones", since=date(2026, 3, 5))] == ["a2"]
        assert _scores(con, "drones council") == _fresh_scores(con, "drones council")
        macro = _scores(con, "drones council")
        assert {h.article_id: round(h.score, 9) for h in search(con, "drones council")} == macro


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(st.tuples(st.integers(0, 6), st.lists(st.sampled_from(WORDS), max_size=12)),
                                 min_size=1, max_size=4), min_size=1, max_size=4),
       query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
def test_incremental_index_scores_like_a_fresh_build(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[tuple[int, list[str]]]], query: list[str]
) -> None:
    path = tmp_path_factory.mktemp("fts") / "w.duckdb"
    for batch in batches:  # articles come and come back (same id, new text) across batches
        land(path, [story(f"a{n}", at("2026-03-02"), [], title=" ".join(words[:3]), text=" ".join(words))
                    for n, words in {n: w for n, w in batch}.items()])
        _relanded(path, [f"a{n}" for n, _ in batch])
        with db.writer(path) as con:
            refresh_search_index(con)
    with db.writer(path) as con:
        load_fts(con)
        assert _scores(con, " ".join(query)) == _fresh_scores(con, " ".join(query))
