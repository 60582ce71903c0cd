"""The one settings object, read from OVERSIGHT_* environment variables."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_USER_AGENT = (
    "oversight/0.1 (+https://github.com/oversight-project/oversight; "
    "media monitoring of public reporting on government surveillance technology)"
)


class Settings(BaseSettings):
    """Typed configuration; every field maps to OVERSIGHT_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="OVERSIGHT_", extra="ignore")

    home: Path = Path(".oversight")
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
    # `oversight serve` starts Prefect's server (API, UI, scheduler) here on 127.0.0.1; 0 picks a free port.
    serve_port: int = Field(4200, ge=0, le=65535)
    bus_retention_days: float = Field(7.0, ge=0)
    workers: int = Field(0, ge=0, description="CPU worker processes; 0 = one per core")
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

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file: OVERSIGHT_WAREHOUSE, else $OVERSIGHT_HOME/warehouse.duckdb."""
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
