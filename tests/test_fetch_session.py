"""One fetcher for a stage run: robots.txt once per host across batches, kept a day between runs, several
batches in flight at once; over real loopback servers."""

from __future__ import annotations

from pathlib import Path

from oversight.extractors.fetch import FetchSession
from oversight.extractors.robots import RobotsStore
from oversight.flows.bus.embedded import EmbeddedBus
from oversight.flows.outcomes import Outcomes
from oversight.flows.stages import run_batches
from oversight.schemas.settings import Settings
from tests.httpserver import HTTPTestServer

PAGE = "<html><head><title>t</title></head><body><p>A page.</p></body></html>"
HTML = {"Content-Type": "text/html; charset=utf-8"}
ROBOTS = "User-agent: *\nDisallow: /private/\n"


def polite(**overrides: object) -> Settings:
    return Settings(**{"allow_private_networks": True, "per_host_interval": 0, "respect_robots": True,
                       **overrides})  # type: ignore[arg-type]


def site(server: HTTPTestServer, robots_headers: dict[str, str] | None = None) -> list[str]:
    server.add("/robots.txt", ROBOTS, headers={"Content-Type": "text/plain", **(robots_headers or {})})
    return [server.add(f"/news/{i}.html", PAGE, headers=HTML) for i in range(4)] + \
        [server.add("/private/secret.html", PAGE, headers=HTML)]


def test_one_session_fetches_robots_once_per_host_across_batches(tmp_path: Path) -> None:
    with HTTPTestServer() as a, HTTPTestServer() as b:
        urls_a, urls_b = site(a), site(b)
        with FetchSession(polite()) as session:
            first = session.fetch_articles(urls_a[:2] + urls_b[:2]).result()
            second = session.fetch_articles(urls_a[2:] + urls_b[2:]).result()
            fetched = session.fetcher.robots_fetched
        assert [r.outcome for r in first] == ["ok"] * 4
        assert [r.outcome for r in second] == ["ok", "ok", "blocked_robots", "ok", "ok", "blocked_robots"]
        assert len(a.requests_to("/robots.txt")) == len(b.requests_to("/robots.txt")) == 1
        assert sorted(fetched) == sorted([a.base_url, b.base_url])


def test_a_second_run_within_the_day_reads_robots_from_the_store(tmp_path: Path) -> None:
    with HTTPTestServer() as a:
        urls = site(a)
        for _ in range(2):  # two stage runs, each with its own session and the same home
            with FetchSession(polite(), RobotsStore(tmp_path / "robots.sqlite")) as session:
                results = session.fetch_articles(urls).result()
            assert [r.outcome for r in results] == ["ok"] * 4 + ["blocked_robots"]
        assert len(a.requests_to("/robots.txt")) == 1


def test_max_age_expires_a_stored_robots_and_a_stale_copy_stands_in_while_the_site_is_down(tmp_path: Path) -> None:
    with HTTPTestServer() as a:
        urls = site(a, {"Cache-Control": "max-age=0"})
        with FetchSession(polite(), RobotsStore(tmp_path / "robots.sqlite")) as session:
            session.fetch_articles(urls[:1]).result()
        a.add("/robots.txt", "down", status=503, headers={"Retry-After": "0"})
        with FetchSession(polite(max_retries=0), RobotsStore(tmp_path / "robots.sqlite")) as session:
            results = session.fetch_articles(urls).result()
        assert len(a.requests_to("/robots.txt")) == 2  # expired, so asked again; down, so the stale copy rules
        assert [r.outcome for r in results] == ["ok"] * 4 + ["blocked_robots"]


def test_the_extract_stage_keeps_several_batches_in_flight_and_finishes_them_in_order(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, batch_size=2, fetch_lookahead=3)
    bus = EmbeddedBus(settings.bus_dir)
    bus.produce("t", [(str(i), f"{i}".encode()) for i in range(12)])
    events: list[str] = []

    def prepare(batch: list) -> str:
        events.append(f"prepare {batch[0].key}")
        return batch[0].key

    def finish(batch: list, prepared: str) -> Outcomes:
        events.append(f"finish {prepared}")
        return Outcomes({"extract.ok": len(batch)})

    outcomes = run_batches("extract", bus.consumer("g", "t", bounded=True), finish, settings, None, prepare)

    assert outcomes.stage("extract") == {"ok": 12}
    assert events[:5] == ["prepare 0", "prepare 2", "prepare 4", "prepare 6", "finish 0"]
    assert [e for e in events if e.startswith("finish")] == [f"finish {i}" for i in range(0, 12, 2)]
    tagging = []
    run_batches("tag", bus.consumer("g2", "t", bounded=True),
                lambda b, p: Outcomes(tagging.append(f"finish {p}") or {}),  # type: ignore[func-returns-value]
                settings, None, lambda b: tagging.append(f"prepare {b[0].key}") or b[0].key)
    assert tagging[:3] == ["prepare 0", "prepare 2", "finish 0"]  # other stages keep one batch ahead


def test_a_process_run_requeues_pages_a_host_put_off_once_they_have_waited(tmp_path: Path) -> None:
    from oversight.flows.land import land_dead_letter_batch
    from oversight.flows.replay import requeue_deferred
    from oversight.flows.stages import entry_dead_letter
    from oversight.schemas import topics
    from oversight.schemas.records import FeedEntry, decode

    entry = FeedEntry(article_id="a1", url="http://slow.example/1", feed_url="http://slow.example/feed")
    settings = Settings(home=tmp_path, defer_minutes=30)
    land_dead_letter_batch(settings, [entry_dead_letter(entry, "deferred", "host slow.example is deferred"),
                                      entry_dead_letter(entry, "not_html", "a PDF")])
    bus = EmbeddedBus(settings.bus_dir)
    assert requeue_deferred(settings, bus) == 0  # not waited long enough yet
    assert requeue_deferred(settings.model_copy(update={"defer_minutes": 0}), bus) == 1
    assert [decode(m.value) for m in bus.read(topics.ENTRIES, 0, 10)] == [entry]  # the bad page stays put
    assert requeue_deferred(settings.model_copy(update={"defer_minutes": 0}), bus) == 0  # once only
