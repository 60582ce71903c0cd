"""A throwaway PostgreSQL cluster for the shared-catalog tests and benchmarks: Debian's binaries, a temp folder,
a free loopback port, run as an unprivileged user, stopped by the pid it started.

`make postgres` installs Debian's `postgresql` when no `initdb` is found (`make test` depends on it).
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.kafka_broker import free_port

USER = "oversight"  # the cluster's superuser (trust authentication, loopback only)


def bin_dir() -> Path:
    """The newest installed PostgreSQL server binaries (Debian keeps them out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb) found: run `make postgres` "
                           "(apt-get install postgresql) first")
    return Path(initdb).parent


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to drop to: PostgreSQL refuses to run as root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


@dataclass
class PostgresCluster:
    """A running cluster: `port` on 127.0.0.1, `process` the postmaster, `folder` its data and socket."""

    port: int
    process: subprocess.Popen[bytes]
    folder: Path
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def dsn(self, dbname: str) -> str:
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user={USER}"

    def create_database(self, prefix: str = "lake") -> str:
        """A new, empty database; returns its libpq connection string."""
        name = f"{prefix}_{next(self._names)}"
        subprocess.run([str(bin_dir() / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name],
                       check=True, capture_output=True, timeout=60)
        return self.dsn(name)

    def catalog(self, prefix: str = "lake") -> str:
        """OVERSIGHT_CATALOG for a new database of this cluster."""
        return "postgres:" + self.create_database(prefix)

    def stop(self) -> None:
        """Fast shutdown (SIGINT) of the postmaster this object started, then remove its folder."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster(wait_s: float = 60.0) -> PostgresCluster:
    """initdb in a new temp folder and start the postmaster on a free 127.0.0.1 port; return once it answers."""
    binaries = bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="oversight-pg-"))
    ids = _run_as()
    if ids is not None:
        os.chown(folder, *ids)
    as_user: dict[str, int] = {"user": ids[0], "group": ids[1]} if ids else {}
    data = folder / "data"
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    try:
        subprocess.run([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8",
                        "--no-sync"], check=True, capture_output=True, timeout=120, cwd=folder, env=env, **as_user)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {exc.stderr.decode(errors='replace')[-2000:]}") from exc
    port = free_port()
    log = (folder / "postgres.log").open("wb")
    if ids is not None:
        os.chown(folder / "postgres.log", *ids)
    process = subprocess.Popen(
        [str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"],
        stdout=log, stderr=subprocess.STDOUT, cwd=folder, env=env, **as_user)
    log.close()
    cluster = PostgresCluster(port, process, folder)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = (folder / "postgres.log").read_text(errors="replace")[-2000:]
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"PostgreSQL exited with code {process.returncode} while starting: {text}")
        ready = subprocess.run([str(binaries / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", USER],
                               capture_output=True, timeout=30)
        if ready.returncode == 0:
            return cluster
        time.sleep(0.1)
    cluster.stop()
    raise RuntimeError(f"PostgreSQL did not answer on 127.0.0.1:{port} within {wait_s} s")
