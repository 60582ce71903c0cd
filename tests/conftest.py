"""Shared pytest fixtures: a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# newspaper3k's tldextract must use its bundled suffix list, never fetch one.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from tests.httpserver import HTTPTestServer  # noqa: E402


@pytest.fixture
def http_server() -> Iterator[HTTPTestServer]:
    """A started HTTPTestServer; add routes with `http_server.add(path, body, status, headers)`."""
    with HTTPTestServer() as server:
        yield server
