"""The `oversight` command line: run the pipeline, its stages, and the tools around them."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from oversight.flows import prefect_api
from oversight.flows.cli_common import (
    FILES,
    OPERATIONS,
    PIPELINE,
    RESEARCH,
    UNAVAILABLE,
    current_settings,
    fail,
    new_command,
    pipeline_run,
    setup_logging,
)
from oversight.flows.env import prepare_environment
from oversight.flows.outcomes import Outcomes
from oversight.flows.prefect_api import TemporaryApi
from oversight.schemas.settings import load_settings

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
feeds_app = typer.Typer(help="List, add, import and export the feeds oversight polls.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds", rich_help_panel=PIPELINE)


@app.callback()
def _each_command() -> None:
    # Before every command: Prefect's offline defaults and PREFECT_HOME (before anything imports Prefect),
    # and the settings read afresh, once (cli_common.current_settings). Nothing of this runs at import.
    prepare_environment()
    new_command()

DEFAULT_FEEDS = Path(__file__).resolve().parents[1] / "feeds.opml"
PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"
# Read from a view that counts a syndicated story once (the raw events table has a row per copy).
EXAMPLE_QUERY = ("SELECT agency, agency_state, technology, vendor, action, evidence "
                 "FROM story_events ORDER BY published DESC LIMIT 10")

# The sample lives on 127.0.0.1, so its run may fetch loopback; politeness delays are moot there.
SAMPLE_OVERRIDES = {"allow_private_networks": True, "per_host_interval": 0.0}

log = logging.getLogger("oversight")


def _wait_for_prefect(api: TemporaryApi) -> None:
    """Import what the stages import on their first batch (trafilatura, datasketch: ~0.5 s), then wait for
    Prefect's API: the imports overlap its start instead of delaying the first batch."""
    import oversight.flows.extract  # noqa: F401

    api.wait_ready()


def _feeds_file(path: Path | None) -> Path | None:
    path = path or current_settings().feeds or (DEFAULT_FEEDS if DEFAULT_FEEDS.exists() else None)
    if path is not None and not path.exists():
        fail(f"feed list {path} does not exist (pass --feeds FILE.opml or set OVERSIGHT_FEEDS)")
    return path


@app.command(rich_help_panel=PIPELINE)
def run(
    sample: Annotated[bool, typer.Option("--sample", help="Run offline on the bundled sample, served on 127.0.0.1.")] = False,
    feeds: Annotated[Path | None, typer.Option(help="OPML file of feeds to register and poll (default feeds.opml).")] = None,
    force: Annotated[bool, typer.Option(help="Poll every feed now, ignoring its schedule.")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many messages per stage.")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Poll the feeds, then fetch, extract, tag and land every new article (the main job)."""
    with pipeline_run("run --sample" if sample else "run", verbose) as run:
        if sample:
            run.outcomes = _run_sample(run.api, force, limit)
        else:
            from oversight.flows.pipeline import pipeline
            from oversight.flows.poll import import_feed_file

            feed_file = _feeds_file(feeds)
            if feed_file:
                log.info("registered %d feed(s) from %s", import_feed_file(current_settings(), feed_file), feed_file)
            _wait_for_prefect(run.api)
            with run.api.flow_settings():
                run.outcomes = Outcomes(pipeline(None, force, limit))
    settings = current_settings()
    typer.echo(f"warehouse: {settings.lake.shown} (data in {settings.lake.data_path})")
    typer.echo(f'try: oversight query "{EXAMPLE_QUERY}"')


def _run_sample(api: TemporaryApi, force: bool, limit: int | None) -> Outcomes:
    from oversight.flows.sample import SampleError, sample_feed_urls, serve_sample

    settings = load_settings(**SAMPLE_OVERRIDES)
    from oversight.flows.pipeline import pipeline
    from oversight.warehouse import db
    from oversight.warehouse.feeds import FeedRow, register_feeds

    try:
        with serve_sample(settings.sample_port) as base_url:
            urls = sample_feed_urls(base_url)
            with db.writer(settings.lake) as con:
                register_feeds(con, [FeedRow(u, "oversight sample", base_url, "sample") for u in urls])
            log.info("serving the sample on %s (%d feeds)", base_url, len(urls))
            _wait_for_prefect(api)
            with api.flow_settings():
                return Outcomes(pipeline(urls, True, limit, overrides=SAMPLE_OVERRIDES))
    except SampleError as exc:
        fail(str(exc))


@app.command(rich_help_panel=PIPELINE)
def poll(
    feeds: Annotated[Path | None, typer.Option(help="OPML file of feeds to register first.")] = None,
    force: Annotated[bool, typer.Option(help="Poll every feed now, ignoring its schedule.")] = False,
) -> None:
    """Poll due feeds and queue their new entries on the bus."""
    with pipeline_run("poll", cpu_workers=False) as run:
        from oversight.flows.pipeline import poll_feeds
        from oversight.flows.poll import import_feed_file

        feed_file = _feeds_file(feeds)
        if feed_file:
            import_feed_file(current_settings(), feed_file)
        run.api.wait_ready()
        with run.api.flow_settings():
            run.outcomes = Outcomes(poll_feeds(None, force))


@app.command(rich_help_panel=PIPELINE)
def process(
    limit: Annotated[int | None, typer.Option(help="At most this many messages per stage.")] = None,
) -> None:
    """Extract, tag and land everything waiting on the bus (bounded per run)."""
    with pipeline_run("process") as run:
        from oversight.flows.pipeline import process as process_flow

        _wait_for_prefect(run.api)
        with run.api.flow_settings():
            run.outcomes = Outcomes(process_flow(limit))


@app.command(rich_help_panel=PIPELINE)
def serve(
    prefect_yaml: Annotated[Path, typer.Option("--prefect-yaml", help="Deployment definitions.")] = PREFECT_YAML,
) -> None:
    """Run the prefect.yaml schedules on this machine until Ctrl-C: Prefect's server (API, UI, scheduler)
    on 127.0.0.1:OVERSIGHT_SERVE_PORT under OVERSIGHT_HOME, or the server PREFECT_API_URL names."""
    setup_logging()
    from oversight.flows import serve as serving

    started, clock = datetime.now(UTC), time.monotonic()
    server = None
    try:
        deployments = serving.served_deployments(prefect_yaml)
        if os.environ.get("PREFECT_API_URL"):
            taken = serving.foreign_deployments(deployments)
            if taken:
                fail(f"the Prefect server at {os.environ['PREFECT_API_URL']} already has deployment(s) "
                     f"{', '.join(taken)} that `oversight serve` did not create (from `prefect deploy`: a worker "
                     "runs those schedules). Serving would take them over, so nothing was changed. Keep the "
                     "worker, or unset PREFECT_API_URL to serve on this machine's own server.", 2)
        else:
            server = serving.start_local_server(Path(os.environ["PREFECT_HOME"]), current_settings().serve_port)
            prefect_api.use_api_url(server.api_url)
    except serving.ServeError as exc:
        fail(str(exc), UNAVAILABLE)
    where = f"Prefect UI at {server.ui_url}" if server else f"on {os.environ['PREFECT_API_URL']}"
    web_process = _start_web(server)
    typer.echo("serving " + ", ".join(serving.describe(d) for d in deployments) + f"; {where}; Ctrl-C stops")
    try:
        with serving.advertised(Path(os.environ["PREFECT_HOME"]), os.environ["PREFECT_API_URL"],
                                server.ui_url if server else None):
            serving.run_runner(deployments)
        counts = serving.run_counts(started)
    except Exception as exc:  # noqa: BLE001 - the count is a courtesy; stopping must stay quiet and complete
        counts = f"unknown ({exc.__class__.__name__}: {exc})"
    finally:
        from oversight.flows.web import stop_process

        stop_process(web_process)
        if server:
            server.stop()
    typer.echo(f"oversight serve: flow runs {counts} ({time.monotonic() - clock:.0f} s)")


def _start_web(server: object) -> subprocess.Popen[bytes]:
    """The review pages beside the schedules (`oversight web` in a child process)."""
    from oversight.flows.web import WebError, start_web_process

    settings = current_settings()
    try:
        process = start_web_process(settings)
    except WebError as exc:
        if server is not None:
            server.stop()  # type: ignore[attr-defined]
        fail(str(exc), UNAVAILABLE)
    typer.echo(f"review pages at http://{settings.web_host}:{settings.web_port}/ (log: {settings.home / 'web.log'})")
    return process


@app.command(rich_help_panel=RESEARCH)
def web(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default OVERSIGHT_WEB_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default OVERSIGHT_WEB_PORT, 8780).")] = None,
) -> None:
    """Serve the review pages until Ctrl-C: the events list with filters, each event with its article and
    evidence, confirm/reject/correct with keyboard shortcuts, and an Atom feed per filter."""
    setup_logging()
    from oversight.flows.web import WebError, serve_web

    overrides = {k: v for k, v in (("web_host", host), ("web_port", port)) if v is not None}
    settings = load_settings(**overrides)
    try:
        typer.echo(f"review pages at http://{settings.web_host}:{settings.web_port}/ ; Ctrl-C stops")
        serve_web(settings)
    except WebError as exc:
        fail(str(exc), UNAVAILABLE)


@app.command(rich_help_panel=FILES)
def tag(
    in_: Annotated[Path, typer.Option("--in", help="JSONL documents: id, title, text[, published].")],
    out: Annotated[Path, typer.Option("--out", help="JSONL tags in the contract format, one line per document.")],
) -> None:
    """Tag documents from a JSONL file and write the agencies, vendors, technologies and events found."""
    setup_logging()
    from oversight.flows.files import tag_file

    clock = time.monotonic()
    if not in_.is_file():
        fail(f"input {in_} does not exist")
    outcomes = tag_file(in_, out)
    typer.echo(f"oversight tag: {outcomes.summary()} -> {out} ({time.monotonic() - clock:.1f} s)")
    if outcomes.stage("tag").get("bad_line"):
        raise typer.Exit(1)


@app.command(rich_help_panel=FILES)
def extract(
    html_dir: Annotated[Path, typer.Option("--html-dir", help="Folder of *.html / *.html.gz pages.")],
    out: Annotated[Path, typer.Option("--out", help="JSONL: file, title, text, published, authors, language.")],
) -> None:
    """Extract article text and metadata from saved HTML pages."""
    setup_logging()
    from oversight.flows.files import extract_dir

    clock = time.monotonic()
    if not html_dir.is_dir():
        fail(f"--html-dir {html_dir} is not a folder")
    outcomes = extract_dir(current_settings(), html_dir, out)
    typer.echo(f"oversight extract: {outcomes.summary()} -> {out} ({time.monotonic() - clock:.1f} s)")


@feeds_app.command("list")
def feeds_list() -> None:
    """Show every feed with its health: last outcome, failures, entries seen, next poll."""
    from oversight.flows.feeds_cli import print_feeds

    print_feeds(current_settings())


@feeds_app.command("add")
def feeds_add(
    url: str,
    discover: Annotated[bool, typer.Option(help="Treat URL as a site page and add the feeds it links to.")] = False,
) -> None:
    """Register a feed URL (or, with --discover, the feeds a site's page advertises)."""
    setup_logging()
    from oversight.flows.feeds_cli import add_feed

    for added in add_feed(current_settings(), url, discover):
        typer.echo(f"added {added}")


@feeds_app.command("import")
def feeds_import(path: Path) -> None:
    """Register every feed of an OPML file."""
    from oversight.flows.poll import import_feed_file

    if not path.is_file():
        fail(f"OPML file {path} does not exist")
    typer.echo(f"registered {import_feed_file(current_settings(), path)} feed(s) from {path}")


@feeds_app.command("export")
def feeds_export(
    out: Annotated[Path | None, typer.Option(help="Write the OPML here instead of standard output.")] = None,
) -> None:
    """Write the registered feeds as OPML 2.0."""
    from oversight.flows.feeds_cli import export_opml

    text = export_opml(current_settings())
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(text)


def _register_commands() -> None:
    # Research and operations commands live in their own modules; each adds itself to `app`.
    from oversight.flows import cli_ops, cli_research
    from oversight.flows.review_cli import review_app
    from oversight.flows.warehouse_cli import warehouse_app

    cli_research.register(app)
    cli_ops.register(app)
    app.add_typer(warehouse_app, name="warehouse", rich_help_panel=OPERATIONS)
    app.add_typer(review_app, name="review", rich_help_panel=RESEARCH)


_register_commands()


def main() -> None:
    from oversight.flows.bus import BusError
    from oversight.warehouse.db import WarehouseError

    try:
        app()
    except (WarehouseError, BusError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
