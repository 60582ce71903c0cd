"""File-based commands: tag a JSONL of documents, extract a folder of saved HTML pages."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from oversight.flows.outcomes import Outcomes
from oversight.schemas.records import Article, TaggedArticle
from oversight.schemas.settings import Settings

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
    from oversight.extractors.tagger import load_tagger

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
    from oversight.extractors.tagger import contract_record

    try:
        results = tagger.tag_articles([a for _, a in batch])
    except Exception:  # noqa: BLE001 - a tagger bug on one document: find it, and tag the others
        results = [_tag_alone(tagger, article) for _, article in batch]
    for (doc_id, _), tagged in zip(batch, results, strict=True):
        out.write(json.dumps(contract_record(doc_id, tagged), ensure_ascii=False) + "\n")
        outcomes.add("tag", tagged.tag_status)
    return len(batch)


def _tag_alone(tagger: Any, article: Article) -> TaggedArticle:
    try:
        return tagger.tag_articles([article])[0]  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - its line says tag_error, the run goes on
        log.exception("tagging %s failed", article.article_id)
        return TaggedArticle(article=article, tag_status="tag_error", tagger_version=tagger.version)


def _html_files(folder: Path) -> list[Path]:
    """The folder's own pages: a symlink (which could point anywhere: ~/.ssh, /proc) is skipped and logged."""
    pages = []
    for path in sorted(folder.iterdir()):
        if not path.name.endswith((".html", ".html.gz")):
            continue
        if path.is_symlink() or not path.is_file():
            log.warning("skipping %s: not a regular file in %s (symlinks are not followed)", path, folder)
            continue
        pages.append(path)
    return pages


def _read_html(path: Path, cap: int) -> str:
    """A saved page, size-capped after decompression like a fetched one (OVERSIGHT_MAX_PAGE_BYTES)."""
    from oversight.extractors.httpbody import BodyTooLarge, decode_text, read_capped_bytes

    size = path.stat().st_size
    if size > cap + 65536:  # gzip grows nothing by more than its header and ~0.03%: over this, it cannot fit
        raise BodyTooLarge(f"{size} bytes on disk, over the page cap of {cap}")
    raw = read_capped_bytes(path.read_bytes(), "gzip" if path.name.endswith(".gz") else "", cap)
    return decode_text(raw, None)


def extract_dir(settings: Settings, folder: Path, dest: Path) -> Outcomes:
    """Extract every *.html / *.html.gz of a folder on a CPU pool of its own (OVERSIGHT_WORKERS); one JSONL line
    per file, in name order."""
    from oversight.extractors.httpbody import BodyTooLarge, BodyUndecodable
    from oversight.flows.cpu import run_pool
    from oversight.flows.extract import extract_html_many

    files, outcomes = _html_files(folder), Outcomes()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with run_pool(settings.cpu_workers), dest.open("w", encoding="utf-8") as out:
        for start in range(0, len(files), 64):
            chunk = files[start:start + 64]
            htmls, unread = [], {}
            for path in chunk:
                try:
                    htmls.append(_read_html(path, settings.max_page_bytes))
                except (OSError, BodyTooLarge, BodyUndecodable) as exc:
                    log.error("cannot read %s: %s (OVERSIGHT_MAX_PAGE_BYTES)", path, exc)
                    htmls.append("")
                    unread[path] = "too_large" if isinstance(exc, BodyTooLarge) else "unreadable"
            for path, page in zip(chunk, extract_html_many(settings, htmls, [p.as_uri() for p in chunk]), strict=True):
                record = {"file": path.name, "title": page.title, "text": page.text,
                          "published": page.published.isoformat() if page.published else None,
                          "authors": page.authors, "language": page.language}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                outcomes.add("extract", unread.get(path, page.status))
            log.info("extracted %d/%d page(s)", min(start + 64, len(files)), len(files))
    return outcomes
