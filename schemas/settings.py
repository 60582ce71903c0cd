"""The one settings object, read from OVERSIGHT_* environment variables."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_USER_AGENT = (
    "oversight/0.1 (+https://github.com/oversight-project/oversight; "
    "media monitoring of public reporting on government surveillance technology)"
)


@dataclass(frozen=True)
class LakeLocation:
    """Where the warehouse lives: its DuckLake catalog, its data files, and the full-text index beside them."""

    catalog: str  # what follows `ducklake:` in ATTACH: "sqlite:/abs/path/catalog.sqlite", "postgres:dbname=..."
    data_path: str  # folder (or object-store prefix) of the Parquet data files, ending in "/"
    search_path: Path  # the DuckDB file holding the full-text index
    legacy_path: Path | None = None  # a pre-lake DuckDB warehouse that `oversight warehouse move` brings in

    @property
    def shown(self) -> str:
        """The catalog as messages name it: a password in the connection string is hidden."""
        return hide_password(self.catalog)


_PASSWORDS = (re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE),
              re.compile(r"(://[^:/@\s]+:)([^@\s]+)(?=@)"))


def hide_password(text: str) -> str:
    """`text` with any password of a libpq connection string or URI in it replaced by ***."""
    for pattern in _PASSWORDS:
        text = pattern.sub(r"\1***", text)
    return text


class Settings(BaseSettings):
    """Typed configuration; every field maps to OVERSIGHT_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="OVERSIGHT_", extra="ignore")

    home: Path = Path(".oversight")
    # The warehouse is a DuckLake: a catalog (a SQLite file unless set to another DuckLake catalog) and a
    # folder of Parquet data files. Both are settings so that a shared catalog can replace the file.
    catalog: str | None = None
    data_path: str | None = None
    # A DuckDB file from before the lake (`oversight warehouse move` brings it in).
    warehouse: Path | None = None
    bus: Literal["embedded", "kafka"] = "embedded"
    feeds: Path | None = None
    extractor: Literal["chain", "trafilatura", "readability", "newspaper3k"] = "chain"
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_networks: bool = False
    # CIDRs always fetchable, even link-local ones (JSON list, e.g. '["127.0.0.1/32"]')
    allowed_networks: list[str] = Field(default_factory=list)
    per_host_interval: float = Field(1.0, ge=0)
    respect_robots: bool = True
    fetch_concurrency: int = Field(16, ge=1)
    # Batches of entries whose pages are fetched at once by one extract run (a busy host holds only its own).
    fetch_lookahead: int = Field(4, ge=1, le=64)
    # A page put off by its host (long Crawl-delay, 429) is re-queued by a process run this long after.
    defer_minutes: float = Field(15.0, ge=0)
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(20.0, gt=0)
    max_page_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    max_retries: int = Field(2, ge=0)
    entries_per_feed: int = Field(200, ge=1)
    batch_size: int = Field(64, ge=1)
    # Landing takes bigger batches: a warehouse transaction has a fixed cost (connection, checkpoint).
    land_batch_size: int = Field(1000, ge=1)
    max_per_run: int = Field(5000, ge=1)
    sample_port: int = Field(8765, ge=1, le=65535)
    # Where Google News article links are resolved to the publisher's URL (a stand-in's origin in tests).
    google_news_origin: str = "https://news.google.com"
    # `oversight serve` starts Prefect's server (API, UI, scheduler) here on 127.0.0.1; 0 picks a free port.
    serve_port: int = Field(4200, ge=0, le=65535)
    # `oversight web` (also started by `serve`): the review pages. Bound to loopback unless set; any other
    # address needs web_token, asked of every request (a cookie set from ?token=, or Authorization: Bearer).
    web_host: str = "127.0.0.1"
    web_port: int = Field(8780, ge=0, le=65535)
    web_token: SecretStr | None = None
    # Who a review from this machine is recorded as (the login name when unset); the web page can say another.
    reviewer: str | None = None
    bus_retention_days: float = Field(7.0, ge=0)
    workers: int = Field(0, ge=0, description="CPU worker processes; 0 = one per core")
    # Seconds one page's extraction or one article's tagging may take (~30 ms is usual); past it the item is a
    # `timeout` dead letter, and a worker that does not answer at all is replaced.
    item_time_budget: float = Field(60.0, ge=0)
    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_partitions: int = Field(6, ge=1)
    kafka_replication: int = Field(1, ge=1)
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    kafka_ssl_certfile: str | None = None
    kafka_ssl_keyfile: str | None = None
    kafka_connect_timeout: float = Field(10.0, gt=0)
    # Consumer-group session: a fresh group joins in about half of it on some brokers (Tansu), and a
    # crashed worker's partitions move after it. Apache Kafka refuses less than 6000 by default.
    kafka_session_timeout_ms: int = Field(6000, ge=1000)

    # Maintenance expires lake snapshots older than this (time travel reaches back this far, and to every
    # snapshot a digest cites), and deletes files unreferenced for longer than the grace (a reader or an
    # uncommitted landing may still use a younger one).
    snapshot_keep_days: float = Field(30.0, ge=0)
    maintenance_grace_minutes: float = Field(60.0, ge=0)

    # Syndicated copies are looked for among the originals landed this many days back: a run's start-up
    # cost follows recent volume, not the size of the warehouse.
    dedup_window_days: float = Field(30.0, gt=0)

    @property
    def lake(self) -> LakeLocation:
        """OVERSIGHT_CATALOG (default the SQLite file $OVERSIGHT_HOME/catalog.sqlite; `postgres:<libpq string>`
        or a postgresql:// URI for a shared catalog) and OVERSIGHT_DATA_PATH (default $OVERSIGHT_HOME/lake/)."""
        catalog = self.catalog or str(self.home / "catalog.sqlite")
        kind, sep, target = catalog.partition(":")
        if kind in ("postgresql", "postgres") and target.startswith("//"):  # a libpq URI, postgresql://...
            kind, target = "postgres", catalog
        elif not sep or len(kind) < 2:  # a bare path (a Windows drive letter is not a catalog kind)
            kind, target = "sqlite", catalog
        if kind == "sqlite":
            target = str(Path(target).expanduser().resolve())
        data = self.data_path or str(self.home / "lake")
        if "://" not in data:
            data = str(Path(data).expanduser().resolve())
        return LakeLocation(f"{kind}:{target}", data.rstrip("/") + "/", (self.home / "search.duckdb").resolve(),
                            self.warehouse_path.resolve())

    @property
    def web_url(self) -> str:
        """Where `oversight web` serves its pages (the digest links each event there)."""
        host = f"[{self.web_host}]" if ":" in self.web_host else self.web_host
        return f"http://{host}:{self.web_port}"

    @property
    def warehouse_path(self) -> Path:
        """The pre-lake DuckDB file: OVERSIGHT_WAREHOUSE, else $OVERSIGHT_HOME/warehouse.duckdb."""
        return self.warehouse or self.home / "warehouse.duckdb"

    @property
    def bus_dir(self) -> Path:
        return self.home / "bus"

    @cached_property
    def cpu_workers(self) -> int:
        return self.workers or max(1, os.cpu_count() or 1)


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
