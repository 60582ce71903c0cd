"""`oversight feeds ...`: show feed health, add feeds (with discovery) and export OPML."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from oversight.extractors.feeds import discover_feeds
from oversight.extractors.fetch import fetch_pages
from oversight.extractors.opml import FeedSource, write_opml
from oversight.flows.cli_common import fail
from oversight.schemas.settings import Settings
from oversight.warehouse import db
from oversight.warehouse.feeds import FeedRow, register_feeds

# A feed failing this many polls in a row is shown as dead (its poll interval has backed off to the maximum).
DEAD_AFTER_FAILURES = 10


def print_feeds(settings: Settings) -> None:
    with db.reader(settings.lake) as con:
        rows = con.execute(db.sql("list_feeds")).fetchall()
    table = Table(title=f"{len(rows)} feed(s) in {settings.lake.shown}")
    for column in ("feed", "last outcome", "fails", "entries", "last new entry", "next poll", "health"):
        table.add_column(column)
    for url, title, _cat, active, outcome, _status, fails, seen, _polled, last_new, next_poll, error in rows:
        health = "inactive" if not active else ("DEAD?" if fails >= DEAD_AFTER_FAILURES else
                                                ("failing" if fails else "ok"))
        table.add_row(f"{title or ''}\n{url}", f"{outcome or 'never polled'}\n{(error or '')[:60]}", str(fails),
                      str(seen), _when(last_new), _when(next_poll), health)
    Console().print(table)


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else "-"


def add_feed(settings: Settings, url: str, discover: bool) -> list[str]:
    """Register a feed URL, or with `discover`, every feed the page at `url` links to."""
    urls = [url]
    if discover:
        page = fetch_pages(settings, [url])[0]
        if page.outcome != "ok" or not page.text:
            fail(f"cannot read {url} to discover its feeds: {page.outcome} {page.error or ''}")
        urls = discover_feeds(page.text, page.final_url)
        if not urls:
            fail(f"{url} links to no RSS, Atom or JSON feed (<link rel=alternate>)")
    with db.writer(settings.lake) as con:
        register_feeds(con, [FeedRow(u) for u in urls])
    return urls


def export_opml(settings: Settings) -> str:
    with db.reader(settings.lake) as con:
        rows = con.execute(db.sql("active_feeds"))
        sources = [FeedSource(url=u, title=t or u, html_url=h or "", category=c or "") for u, t, h, c in rows.fetchall()]
    return write_opml(sources)
