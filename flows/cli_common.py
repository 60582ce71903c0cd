"""What every `oversight` command module shares: one way to fail, to log, to start a pipeline run and to end it
with its one-line summary. The command modules import this one and never each other."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import duckdb
import typer

from oversight.flows.outcomes import RUN_STAGES, Outcomes
from oversight.flows.prefect_api import TemporaryApi
from oversight.schemas.settings import Settings, load_settings
from oversight.warehouse import db

# Exit codes: 1 for the input's fault (a missing file, a bad option, bad SQL), 2 for the environment's (the
# warehouse or the bus cannot be opened, a port is taken).
BAD_INPUT, UNAVAILABLE = 1, 2
_SETTINGS: ContextVar[Settings | None] = ContextVar("oversight_settings", default=None)
# `oversight --help` lists the commands in these groups, as a user thinks of them.
PIPELINE = "Run the pipeline"
RESEARCH = "Read and review what landed"
OPERATIONS = "Look after it"
FILES = "Files in, files out (no warehouse)"


def current_settings() -> Settings:
    """This command's settings: built from the environment once, at first use, and kept for the rest of the
    command (one command reads one set of settings; no code reads the environment again)."""
    settings = _SETTINGS.get()
    if settings is None:
        settings = load_settings()
        _SETTINGS.set(settings)
    return settings


def new_command() -> None:
    """Forget the settings of a command run before in this process (the app's callback, before each)."""
    _SETTINGS.set(None)


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    """Print a clear error naming the input and exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S",
    )
    for noisy in ("httpx", "httpcore", "prefect", "trafilatura", "htmldate", "urllib3", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def finish(command: str, started: datetime, outcomes: Outcomes, clock: float) -> None:
    """Print the run's one-line summary and append it to the run log."""
    from oversight.flows.runlog import record_run

    line = f"oversight {command}: {outcomes.summary(RUN_STAGES)} ({time.monotonic() - clock:.1f} s)"
    typer.echo(line)
    record_run(current_settings(), command, started, outcomes, line)


@dataclass
class Run:
    """A command's run: its outcome counts are filled in by the body of `pipeline_run`; it owns the Prefect API
    its flows report to."""

    command: str
    api: TemporaryApi = field(default_factory=TemporaryApi)
    outcomes: Outcomes = field(default_factory=Outcomes)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    clock: float = field(default_factory=time.monotonic)


@contextmanager
def pipeline_run(command: str, verbose: bool = False, cpu_workers: bool = True) -> Iterator[Run]:
    """The start-up of `run`, `poll` and `process`: Prefect's API and the run's CPU pool start in the
    background, the bus is opened once so an unreachable broker fails at once; at the end the API and the
    pool are let go and the summary printed and logged."""
    from oversight.flows.bus import open_bus
    from oversight.flows.cpu import CpuPool

    setup_logging(verbose)
    run = Run(command)
    workers = current_settings().cpu_workers
    with ExitStack() as owned:
        owned.enter_context(run.api)
        if cpu_workers and workers > 1:
            owned.enter_context(CpuPool(workers, warm_tagger=True)).start_in_background()
        open_bus(current_settings()).close()
        yield run
    finish(run.command, run.started, run.outcomes, run.clock)


@contextmanager
def read_only(as_of: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the lake (as it was at `as_of`, if given): it waits for no writer and no
    writer waits for it.

    Its statements share one transaction, so a digest or an export reads one snapshot of the lake throughout,
    however many batches land meanwhile.
    """
    try:
        with db.snapshot_reader(current_settings().lake, parse_as_of(as_of)) as con:
            yield con
    except db.WarehouseError as exc:
        fail(str(exc), UNAVAILABLE)


def parse_as_of(text: str | None) -> int | datetime | None:
    """`--as-of` as a snapshot id or a time; a bad value exits 1 naming it."""
    try:
        return db.parse_as_of(text) if text is not None else None
    except db.WarehouseError as exc:
        fail(str(exc))


AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", metavar="SNAPSHOT|TIME", help="Read the warehouse as it was at this snapshot id (`oversight "
    "warehouse snapshots` lists them; a digest names its own) or date-time (ISO 8601, UTC unless it says).")]
