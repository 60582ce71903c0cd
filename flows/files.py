"""File-based commands: tag a JSONL of documents, extract a folder of saved HTML pages."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from flows.outcomes import Outcomes
from schemas.records import Article
from schemas.settings import Settings

log = logging.getLogger("oversight.files")
_TAG_BATCH = 64


def _documents(path: Path, outcomes: Outcomes) -> Iterator[tuple[str, Article]]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                doc_id = str(doc["id"])
                yield doc_id, Article(
                    article_id=doc_id, url=str(doc.get("url") or f"doc:{doc_id}"), title=str(doc.get("title") or ""),
                    text=str(doc.get("text") or ""), published=_date(doc.get("published")),
                    language=doc.get("language"),
                )
            except (ValueError, KeyError, TypeError) as exc:
                log.error("%s line %d is not a document with an id and text: %s", path, number, exc)
                outcomes.add("tag", "bad_line")


def _date(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def tag_file(src: Path, dest: Path) -> Outcomes:
    """Tag every document of a JSONL file; write one contract line per readable document."""
    from extractors.tagger import load_tagger

    tagger, outcomes, done = load_tagger(), Outcomes(), 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf-8") as out:
        batch: list[tuple[str, Article]] = []
        for item in _documents(src, outcomes):
            batch.append(item)
            if len(batch) == _TAG_BATCH:
                done += _tag_batch(tagger, batch, out, outcomes)
                log.info("tagged %d document(s)", done)
                batch = []
        done += _tag_batch(tagger, batch, out, outcomes)
    return outcomes


def _tag_batch(tagger: Any, batch: list[tuple[str, Article]], out: Any, outcomes: Outcomes) -> int:
    from extractors.tagger import contract_record

    for (doc_id, _), tagged in zip(batch, tagger.tag_articles([a for _, a in batch]), strict=True):
        out.write(json.dumps(contract_record(doc_id, tagged), ensure_ascii=False) + "\n")
        outcomes.add("tag", tagged.tag_status)
    return len(batch)


def _html_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith((".html", ".html.gz")) and p.is_file())


def _read_html(path: Path) -> str:
    from extractors.httpbody import decode_text

    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return decode_text(raw, None)


def extract_dir(settings: Settings, folder: Path, dest: Path) -> Outcomes:
    """Extract every *.html / *.html.gz of a folder; one JSONL line per file, in name order."""
    from flows.extract import extract_html_many

    files, outcomes = _html_files(folder), Outcomes()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf-8") as out:
        for start in range(0, len(files), 64):
            chunk = files[start:start + 64]
            htmls = []
            for path in chunk:
                try:
                    htmls.append(_read_html(path))
                except (OSError, gzip.BadGzipFile, EOFError) as exc:
                    log.error("cannot read %s: %s", path, exc)
                    htmls.append("")
            for path, page in zip(chunk, extract_html_many(settings, htmls, [p.as_uri() for p in chunk]), strict=True):
                record = {"file": path.name, "title": page.title, "text": page.text,
                          "published": page.published.isoformat() if page.published else None,
                          "authors": page.authors, "language": page.language}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                outcomes.add("extract", page.status)
            log.info("extracted %d/%d page(s)", min(start + 64, len(files)), len(files))
    return outcomes
