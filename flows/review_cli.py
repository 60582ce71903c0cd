"""`oversight review ...`: confirm, reject or correct events from the terminal, and export the reviews as gold."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer

from oversight.flows.cli_common import UNAVAILABLE, current_settings, fail, read_only

review_app = typer.Typer(help="Confirm, reject or correct events; export the reviewed articles as a gold set.",
                         no_args_is_help=True)

Reviewer = Annotated[str | None, typer.Option(help="Who reviews (default OVERSIGHT_REVIEWER, else the login).")]
Note = Annotated[str | None, typer.Option(help="A note kept with the correction.")]
EventId = Annotated[str, typer.Argument(help="The event's event_id (see corrected_events).")]


def default_reviewer() -> str:
    """OVERSIGHT_REVIEWER, else the login name."""
    return current_settings().reviewer or getpass.getuser()


def _record(what: str, run: object) -> None:
    from oversight.warehouse import db
    from oversight.warehouse.review import ReviewError

    try:
        with db.writer(current_settings().lake) as con:
            made = run(con)  # type: ignore[operator]
    except ReviewError as exc:
        fail(str(exc))
    except db.WarehouseError as exc:
        fail(str(exc), UNAVAILABLE)
    typer.echo(f"{what}: {made.field} {made.old_value or '-'} -> {made.new_value or '-'} by {made.reviewer} "
               f"(correction {made.correction_id})")


@review_app.command()
def confirm(event_id: EventId, reviewer: Reviewer = None, note: Note = None) -> None:
    """Confirm an event as the tagger found it (or as corrected)."""
    from oversight.warehouse.review import review_event

    _record(event_id, lambda con: review_event(con, event_id, "confirmed", reviewer or default_reviewer(), note))


@review_app.command()
def reject(event_id: EventId, reviewer: Reviewer = None, note: Note = None) -> None:
    """Reject an event: it leaves every research view, the digest and the exports."""
    from oversight.warehouse.review import review_event

    _record(event_id, lambda con: review_event(con, event_id, "rejected", reviewer or default_reviewer(), note))


@review_app.command()
def correct(
    event_id: EventId,
    field: Annotated[str, typer.Option(help="agency, technology, vendor or action.")],
    value: Annotated[str, typer.Option(help="The new value: an id or exact name ('' for no vendor).")],
    reviewer: Reviewer = None, note: Note = None,
) -> None:
    """Correct one field of an event."""
    from oversight.warehouse.review import correct_event

    _record(event_id, lambda con: correct_event(con, event_id, field, value, reviewer or default_reviewer(), note))


@review_app.command("export-gold")
def export_gold(out: Annotated[Path, typer.Option(help="The JSONL file to write.")]) -> None:
    """Write the reviewed articles in the evaluation contract's format (score with `make eval GOLD=FILE`)."""
    from oversight.warehouse.review import gold_documents

    with read_only() as con:
        docs = gold_documents(con)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    typer.echo(f"wrote {len(docs)} reviewed article(s) to {out}")
