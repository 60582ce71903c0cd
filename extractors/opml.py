"""OPML import and export: how people move feed lists between readers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from lxml import etree

_BARE_AMPERSAND = re.compile(rb"&(?!#?\w+;)")


class OPMLError(ValueError):
    """An OPML file that cannot be read; the message names the file."""


@dataclass(frozen=True)
class FeedSource:
    """One feed in a feed list: its URL, title, the site's URL and a category ("A/B" when nested)."""

    url: str
    title: str = ""
    html_url: str = ""
    category: str = ""


def read_opml(path_or_bytes: str | Path | bytes) -> list[FeedSource]:
    """The feeds in an OPML file (a path) or document (bytes); nested outlines become categories."""
    name = "<bytes>" if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    try:
        data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    except OSError as exc:
        raise OPMLError(f"cannot read OPML file {name}: {exc}") from exc
    # Hand-edited OPML often has a bare "&" in a title: escape it rather than lose it.
    data = _BARE_AMPERSAND.sub(b"&amp;", data)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise OPMLError(f"OPML {name} is not XML: {exc}") from exc
    body = root.find("body") if root is not None else None
    if body is None:
        raise OPMLError(f"OPML {name} has no <body>; is it an OPML feed list?")
    feeds: list[FeedSource] = []
    _walk(body, "", feeds)
    return feeds


def _walk(element: etree._Element, category: str, feeds: list[FeedSource]) -> None:
    for outline in element.iterfind("outline"):
        label = (outline.get("title") or outline.get("text") or "").strip()
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        label = "" if label == url else label  # writers put the URL in `text` when there is no title
        if url:
            feeds.append(FeedSource(url, label, (outline.get("htmlUrl") or "").strip(),
                                    category or _first_category(outline.get("category"))))
        else:
            _walk(outline, f"{category}/{label}" if category else label, feeds)


def _first_category(value: str | None) -> str:
    """OPML 2.0's category attribute: comma-separated "/"-paths; we keep the first."""
    return (value or "").split(",", 1)[0].strip().strip("/")


def write_opml(feeds: list[FeedSource], title: str = "oversight feeds") -> str:
    """An OPML 2.0 document of `feeds`, one outline per category in order of first appearance."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = etree.SubElement(root, "body")
    groups: dict[str, etree._Element] = {}
    for feed in feeds:
        parent = body
        if feed.category:
            if feed.category not in groups:
                groups[feed.category] = etree.SubElement(body, "outline", text=feed.category,
                                                         title=feed.category)
            parent = groups[feed.category]
        outline = etree.SubElement(parent, "outline", type="rss", text=feed.title or feed.url, xmlUrl=feed.url)
        if feed.title:
            outline.set("title", feed.title)
        if feed.html_url:
            outline.set("htmlUrl", feed.html_url)
    return str(etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8"))
