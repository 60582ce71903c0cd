"""Full-text search: the index follows the lake as articles land, scores exactly like a fresh fts build, and a
refresh never blocks a search."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight.schemas.settings import LakeLocation
from oversight.warehouse import duckfile
from oversight.warehouse.search import (
    BadQuery,
    Filters,
    Named,
    Query,
    load_fts,
    pending_articles,
    refresh_search_index,
    search,
    searching,
    snippet,
)
from tests.research_fixtures import Ev, at, lake_in, land, story

WORDS = ["police", "drone", "drones", "flock", "cameras", "camera", "council", "ban", "facial", "recognition",
         "the", "and", "Río", "plate-readers", "sheriff's", "2024", "ALPR"]


def _scores(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, float]:
    rows = con.execute(
        "SELECT article_id, fts_main_articles.match_bm25(article_id, ?) AS s FROM articles", [query]
    ).fetchall()
    return {aid: round(s, 9) for aid, s in rows if s is not None}


def _index(lake: LakeLocation) -> duckdb.DuckDBPyConnection:
    """The search file on its own, read-only (the extension's macros work on it as on any fts index)."""
    con = duckfile.connect(lake.search_path, read_only=True)
    load_fts(con)
    return con


def _fresh_scores(lake: LakeLocation, query: str) -> dict[str, float]:
    with searching(lake) as src:
        rows = src.execute("SELECT article_id, title, text FROM lake.articles").to_arrow_table()  # noqa: F841
    con = duckdb.connect(config=duckfile.CONFIG)
    load_fts(con)
    con.execute("CREATE TABLE articles AS SELECT * FROM rows")
    con.execute("PRAGMA create_fts_index('articles', 'article_id', 'title', 'text')")
    try:
        return _scores(con, query)
    finally:
        con.close()


def test_search_finds_landed_articles_with_their_tags(tmp_path: Path) -> None:
    lake = lake_in(tmp_path)
    land(lake, [story("a1", at("2026-03-02"), [Ev("Austin Police Department", "TX", "drones", vendor="Skydio")],
                      title="Austin police buy drones"),
                story("a2", at("2026-03-03"), [Ev("Dallas Police Department", "TX", "license_plate_readers")],
                      title="Dallas weighs plate readers")])
    assert refresh_search_index(lake) == 2
    with searching(lake) as con:
        hits = search(con, "drones")
    assert [h.article_id for h in hits] == ["a1"]
    assert hits[0].title == "Austin police buy drones" and hits[0].outlet == "example.com"
    assert "Skydio" in hits[0].entities and hits[0].technologies == ["drones"]


def test_index_follows_new_and_relanded_articles(tmp_path: Path) -> None:
    lake = lake_in(tmp_path)
    land(lake, [story("a1", at("2026-03-02"), [], title="Council debates drones")])
    refresh_search_index(lake)
    land(lake, [story("a2", at("2026-03-09"), [], title="Sheriff buys drones"),
                story("a1", at("2026-03-02"), [], title="Council bans facial recognition")])
    with searching(lake) as con:
        assert pending_articles(con) == 2
    assert refresh_search_index(lake) == 2
    assert refresh_search_index(lake) == 0
    with searching(lake) as con:
        assert pending_articles(con) == 0
        assert [h.article_id for h in search(con, "drones")] == ["a2"]
        assert [h.article_id for h in search(con, "facial recognition")] == ["a1"]
        assert [h.article_id for h in search(con, "drones", since=date(2026, 3, 5))] == ["a2"]
        ours = {h.article_id: round(h.score, 9) for h in search(con, "drones council")}
    with _index(lake) as index:
        macro = _scores(index, "drones council")
    assert macro == _fresh_scores(lake, "drones council")
    assert set(macro) == {"a1", "a2"} and set(ours) == set()  # a1 lost "drones" when it came back: no hit has both
    with searching(lake) as con:
        ours = {h.article_id: round(h.score, 9) for h in search(con, "sheriff drones")}
    with _index(lake) as index:
        assert ours == {"a2": _scores(index, "sheriff drones")["a2"]}  # BM25 as the extension scores it


def test_a_search_holding_the_index_open_does_not_stop_a_refresh(tmp_path: Path) -> None:
    lake = lake_in(tmp_path)
    land(lake, [story("a1", at("2026-03-02"), [], title="Council debates drones")])
    refresh_search_index(lake)
    with searching(lake) as held:  # a search in progress on the current file
        land(lake, [story("a2", at("2026-03-09"), [], title="Sheriff buys drones")])
        assert refresh_search_index(lake) == 1  # builds the next version beside it and renames it in
        assert [h.article_id for h in search(held, "drones")] == ["a1"]  # the open search reads its version
    with searching(lake) as con:
        assert sorted(h.article_id for h in search(con, "drones")) == ["a1", "a2"]


def test_a_refresh_killed_half_way_leaves_the_index_whole(tmp_path: Path) -> None:
    lake = lake_in(tmp_path)
    land(lake, [story("a1", at("2026-03-02"), [], title="Council debates drones")])
    refresh_search_index(lake)
    stray = lake.search_path.with_name(lake.search_path.name + ".next")
    stray.write_bytes(b"half a copy")  # what a SIGKILL during the copy leaves
    stray.with_name(stray.name + ".wal").write_bytes(b"half a log")
    land(lake, [story("a2", at("2026-03-09"), [], title="Sheriff buys drones")])
    with searching(lake) as con:
        assert [h.article_id for h in search(con, "drones")] == ["a1"]
    assert refresh_search_index(lake) == 1
    with searching(lake) as con:
        assert sorted(h.article_id for h in search(con, "drones")) == ["a1", "a2"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(st.tuples(st.integers(0, 6), st.lists(st.sampled_from(WORDS), max_size=12)),
                                 min_size=1, max_size=4), min_size=1, max_size=4),
       query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
def test_incremental_index_scores_like_a_fresh_build(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[tuple[int, list[str]]]], query: list[str]
) -> None:
    lake = lake_in(tmp_path_factory.mktemp("fts"))
    for batch in batches:  # articles come and come back (same id, new text) across batches
        land(lake, [story(f"a{n}", at("2026-03-02"), [], title=" ".join(words[:3]), text=" ".join(words))
                    for n, words in {n: w for n, w in batch}.items()])
        refresh_search_index(lake)
    with _index(lake) as index:
        assert _scores(index, " ".join(query)) == _fresh_scores(lake, " ".join(query))


@pytest.fixture
def news(tmp_path: Path) -> LakeLocation:
    lake = lake_in(tmp_path)
    land(lake, [
        story("fr", at("2026-03-02"), [Ev("Austin Police Department", "TX", "face_recognition", vendor="Clearview AI")],
              title="Austin police use face recognition",
              text="The council heard that face recognition matched 40 suspects last year."),
        story("lib", at("2026-03-03"), [], title="Library reopens",
              text="Children face a long wait for the new reading room; the mayor cut the ribbon."),
        story("plate", at("2026-03-04"), [Ev("Dallas Police Department", "TX", "license_plate_readers")],
              title="Dallas adds plate readers",
              text="A face in the crowd is not what plate readers see; recognition of plates is."),
        story("port", at("2026-03-20"), [Ev("Portland Police Bureau", "OR", "face_recognition", "bans")],
              title="Portland bans face-recognition software", text="Real-time crime centres are next."),
    ])
    refresh_search_index(lake)
    return lake


def _ids(lake: LakeLocation, terms: str, **filters: object) -> list[str]:
    with searching(lake) as con:
        return [h.article_id for h in search(con, terms, filters=Filters(**filters))]  # type: ignore[arg-type]


def test_every_word_must_appear_and_a_quoted_phrase_as_written(news: LakeLocation) -> None:
    # "face" alone (the library story) is no hit; both words in another order is, unless the phrase is quoted
    assert sorted(_ids(news, "face recognition")) == ["fr", "plate", "port"]
    assert sorted(_ids(news, '"face recognition"')) == ["fr", "port"]  # "face-recognition" is the phrase too
    assert _ids(news, '"recognition face"') == []
    assert _ids(news, '"face recognition" council') == ["fr"]
    assert _ids(news, '"real-time crime"') == ["port"]


def test_a_long_query_may_lack_one_word_and_says_which(news: LakeLocation) -> None:
    with searching(news) as con:
        hits = search(con, "police face recognition software")
    assert [h.article_id for h in hits][:1] == ["port"]  # every word first
    assert hits[0].missing == [] and all(h.missing for h in hits[1:])
    assert {h.article_id: h.missing for h in hits}["fr"] == ["software"]


def test_filters_by_technology_agency_state_and_date(news: LakeLocation) -> None:
    assert sorted(_ids(news, "face recognition", technology="face_recognition")) == ["fr", "port"]
    assert _ids(news, "face recognition", agency="portland police") == ["port"]
    assert sorted(_ids(news, "face recognition", state="TX")) == ["fr", "plate"]
    assert _ids(news, "face recognition", since=date(2026, 3, 4), until=date(2026, 3, 4)) == ["plate"]
    assert _ids(news, "face recognition", state="OR", since=date(2026, 3, 21)) == []


def test_hits_have_a_score_and_a_snippet_with_the_match(news: LakeLocation) -> None:
    with searching(news) as con:
        [hit] = search(con, '"face recognition" council')
        with pytest.raises(BadQuery, match="nothing to search for"):
            search(con, "the and of 2026")
    assert hit.score > 0
    assert hit.snippet == ("The Austin Police Department uses [face recognition] from Clearview AI. The [council] "
                           "heard that [face recognition] matched 40 suspects last year.")


def test_query_parsing_and_snippets_of_long_hostile_text() -> None:
    q = Query.parse('drones "face  recognition" ban "unclosed quote')
    assert (q.words, q.phrases) == (["drones", "ban"], ["face recognition", "unclosed quote"])
    assert q.technologies() == [Named("drones", ("drones",))]  # the phrase is not a loose word
    text = ("<script>x</script> " * 20_000) + "the sheriff bought drones"
    cut = snippet(text, Query.parse("drones").highlight())
    assert len(cut) < 260 and "\n" not in cut
    assert snippet("Nothing here.", Query.parse("drones").highlight()) == "Nothing here."
