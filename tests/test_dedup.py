"""Near-duplicate detection: syndicated copies of one wire story match, different stories do not."""

from __future__ import annotations

from pathlib import Path

from oversight.extractors.dedup import DuplicateIndex, fingerprint, similarity

DATA = Path(__file__).parent / "data" / "ingest"
WIRE = (DATA / "wire_story.txt").read_text(encoding="utf-8")
OTHER = (DATA / "other_story.txt").read_text(encoding="utf-8")


def syndicated_copy(story: str) -> str:
    """The same wire story as another outlet runs it: own headline, byline, boilerplate, last paragraph cut."""
    paragraphs = [p for p in story.split("\n\n") if p.strip()]
    body = "\n\n".join(paragraphs[:-1]).replace("DENVER (AP) — ", "DENVER — ")
    return (
        "Colorado police add hundreds of plate-reading cameras, records show\n\n"
        "By JESSE BEDAYN Associated Press | Updated 6:02 PM MST\n\n"
        f"{body}\n\n"
        "Sign up for our morning newsletter to get the day's top stories in your inbox.\n"
        "Copyright 2026 The Associated Press. All rights reserved. This material may not be published, "
        "broadcast, rewritten or redistributed without permission."
    )


def same_topic_story() -> str:
    """A different story about the same subject, written separately (shares words, not sentences)."""
    return (
        "Boulder County commissioners on Tuesday delayed a vote on license plate reader cameras for the "
        "sheriff's office, saying they want the department to publish a data retention policy first. "
        "The sheriff asked for 24 cameras from Flock Safety to help find stolen cars and missing people. "
        "Residents who spoke at the meeting worried that plate data could be shared with agencies in other "
        "states. Commissioners said they would revisit the contract in February after the sheriff answers "
        "questions about audits, searches and how long the records would be kept by the vendor. A state "
        "law limits retention of plate data not tied to an investigation, the county attorney noted, but "
        "it does not require public reports. The sheriff said his deputies would log every search."
    )


def test_syndicated_copies_are_duplicates() -> None:
    index = DuplicateIndex()
    index.add("wire-original", fingerprint(WIRE))
    copy = fingerprint(syndicated_copy(WIRE))
    assert similarity(fingerprint(WIRE), copy) > 0.6
    assert index.find(copy) == "wire-original"


def test_different_stories_are_not_duplicates() -> None:
    index = DuplicateIndex()
    index.add("wire", fingerprint(WIRE))
    assert index.find(fingerprint(OTHER)) is None
    assert index.find(fingerprint(same_topic_story())) is None
    assert similarity(fingerprint(WIRE), fingerprint(same_topic_story())) < 0.1


def test_first_seen_wins_and_rebuild_from_rows() -> None:
    rows = [("first", fingerprint(WIRE)), ("other", fingerprint(OTHER)),
            ("second", fingerprint(syndicated_copy(WIRE))), ("empty", None)]
    index = DuplicateIndex.from_rows(rows)
    assert len(index) == 3
    assert index.find(fingerprint(syndicated_copy(WIRE))) == "first"
    assert index.find(fingerprint(OTHER)) == "other"


def test_short_or_invalid_text_never_matches() -> None:
    assert fingerprint("Police buy drones.") == ""
    index = DuplicateIndex()
    index.add("short", "")
    index.add("junk", "not-a-fingerprint")
    assert len(index) == 0
    assert index.find("") is None and index.find("mh1:zz") is None


def test_fingerprint_is_deterministic_and_compact() -> None:
    fp = fingerprint(WIRE)
    assert fp == fingerprint(WIRE)
    assert fp.startswith("mh1:") and len(fp) == 4 + 128 * 8
    # Case and punctuation do not matter: it is the words that syndication keeps.
    assert similarity(fp, fingerprint(WIRE.upper().replace(",", ""))) == 1.0
