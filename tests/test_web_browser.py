"""The review pages in a real headless browser (Debian's chromium, driven by Playwright): a researcher filters to
a technology, opens an event, sees its evidence highlighted, corrects its action with the keyboard and rejects
another; `oversight query`, the next digest and a re-landing by `oversight process` all keep the review.

Setup installs the browser when missing: apt-get install -y chromium
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oversight.schemas.records import Article, encode
from oversight.schemas.settings import load_settings
from oversight.schemas.topics import ARTICLES
from tests.kafka_broker import free_port
from tests.research_fixtures import Ev, at, land, story

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def oversight(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "oversight.flows", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done


def query(env: dict[str, str], sql_text: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(oversight(env, "query", "--format", "json", sql_text).stdout)
    return rows


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    values |= {"OVERSIGHT_HOME": str(tmp_path / "home"), "OVERSIGHT_BUS": "embedded",
               "OVERSIGHT_SAMPLE_PORT": str(free_port()), "OVERSIGHT_WEB_PORT": str(free_port()),
               "OVERSIGHT_REVIEWER": "browser-test", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    return values


@pytest.fixture
def web(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """The sample landed by `oversight run --sample`, one hostile article beside it, and `oversight web` on it."""
    oversight(env, "run", "--sample")
    hostile = story("hostile1", at("2026-03-11"), [Ev("Austin Police Department", "TX", "robots", "pilots")],
                    title="Robots " + HOSTILE, text="More: " + HOSTILE)
    land(load_settings(home=Path(env["OVERSIGHT_HOME"])).lake, [hostile])
    log = (tmp_path / "web.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "oversight.flows", "web"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{env['OVERSIGHT_WEB_PORT']}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/", timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "web.log").read_text()
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=binary, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()


def test_review_in_the_browser_reaches_query_digest_and_survives_relanding(
        env: dict[str, str], web: str, browser: Any, tmp_path: Path) -> None:
    # Two face recognition events the views count, newest first: the first is corrected, the second rejected.
    faces = query(env, "SELECT event_id, article_id, action, evidence, iso_week FROM story_events "
                       "WHERE technology = 'face_recognition' ORDER BY published DESC, event_id")
    assert len(faces) >= 2, faces
    target, other = faces[0], faces[1]
    new_action = "bans" if target["action"] != "bans" else "acquires"

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(web + "/")
    page.select_option("select[name=technology]", "face_recognition")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/?technology=face_recognition*")
    technologies = page.locator("#events tbody tr td:nth-child(4)").all_inner_texts()
    assert technologies and set(technologies) == {"face_recognition"}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-list.png"))

    # Open the event from the list with the keyboard: j moves the selection down to it, o opens it.
    hrefs = page.locator("#events tbody tr").evaluate_all("rows => rows.map(r => r.dataset.href)")
    index = next(i for i, h in enumerate(hrefs) if f"/events/{target['event_id']}?" in h)
    for _ in range(index + 1):
        page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/events/{target['event_id']}?*")
    evidence = page.locator("mark#evidence")
    assert evidence.inner_text() == target["evidence"]
    assert evidence.evaluate("m => getComputedStyle(m).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.locator("#document .mention").count() >= 2  # the agency and the technology at least

    # Correct the action with the keyboard: a focuses it, a letter picks the option, Enter saves.
    page.keyboard.press("a")
    assert page.evaluate("document.activeElement.id") == "set-action"
    page.keyboard.press(new_action[0])
    assert page.locator("#set-action").input_value() == new_action
    page.keyboard.press("Enter")
    page.wait_for_url("**saved=*")
    assert page.locator("#ev-action").inner_text() == new_action
    assert page.locator("#review-state").inner_text() == "corrected"
    page.screenshot(path=str(ARTIFACTS / "review-event.png"), full_page=False)

    # The change is in the views (oversight query) and in the next digest, whose row links to the page.
    seen = query(env, f"SELECT action FROM story_events WHERE event_id = '{target['event_id']}'")
    assert seen == [{"action": new_action}]
    who = query(env, f"SELECT reviewer, old_value, new_value FROM corrections WHERE event_id = '{target['event_id']}'")
    assert who == [{"reviewer": "browser-test", "old_value": target["action"], "new_value": new_action}]
    oversight(env, "digest", "--week", target["iso_week"], "--out", str(tmp_path / "digest"))
    with (tmp_path / "digest" / f"events-{target['iso_week']}.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["page"].endswith("/events/" + target["event_id"])]
    assert [r["action"] for r in rows] == [new_action]

    # Reject another event with the keyboard: it leaves the views.
    page.goto(f"{web}/events/{other['event_id']}")
    page.keyboard.press("x")
    page.wait_for_url("**saved=rejected*")
    assert query(env, f"SELECT count(*) AS n FROM story_events WHERE event_id = '{other['event_id']}'") == [{"n": 0}]

    # `oversight process` re-tags and re-lands the corrected article: the correction still applies.
    before = query(env, f"SELECT max(landed_at) AS t FROM events WHERE article_id = '{target['article_id']}'")
    _requeue_article(env, target["article_id"])
    oversight(env, "process")
    after = query(env, f"SELECT max(landed_at) AS t FROM events WHERE article_id = '{target['article_id']}'")
    assert after[0]["t"] > before[0]["t"]  # landed again
    assert query(env, f"SELECT action, review_state FROM corrected_events WHERE event_id = '{target['event_id']}'") \
        == [{"action": new_action, "review_state": "corrected"}]
    assert query(env, f"SELECT count(*) AS n FROM story_events WHERE event_id = '{other['event_id']}'") == [{"n": 0}]

    # Hostile article text stays text: nothing runs, no element is injected.
    hostile = query(env, "SELECT event_id FROM events WHERE article_id = 'hostile1'")[0]["event_id"]
    page.goto(f"{web}/events/{hostile}")
    assert "<script>" in page.locator("#document").inner_text()
    assert page.locator("#document img, #document script").count() == 0
    assert not dialogs
    page.close()


def _requeue_article(env: dict[str, str], article_id: str) -> None:
    """Put the landed article back on the articles topic, as a redelivery would (extracted again, not fetched)."""
    from oversight.flows.bus import open_bus
    from oversight.warehouse import db

    settings = load_settings(home=Path(env["OVERSIGHT_HOME"]))
    with db.reader(settings.lake) as con:
        row = con.execute("SELECT article_id, url, feed_url, outlet, title, text, published, language, extractor "
                          "FROM articles WHERE article_id = ?", [article_id]).fetchone()
    assert row is not None
    names = ("article_id", "url", "feed_url", "outlet", "title", "text", "published", "language", "extractor")
    article = Article(**{k: v for k, v in zip(names, row, strict=True) if v is not None})
    bus = open_bus(settings)
    try:
        bus.produce(ARTICLES, [(article_id, encode(article))])
    finally:
        bus.close()
