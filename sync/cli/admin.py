"""`o2c-hub status` and `o2c-hub dead-letters list|retry`: the operator's view."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from sync.cli.context import fail, guarded, open_store, settings_of
from sync.cli.output import key_value_table, print_json, show
from sync.deadletters import list_dead_letters, retry, retry_all
from sync.runtime import Hub
from sync.status import hub_status

dead_letters_app = typer.Typer(
    help="Inbox rows the hub gave up on or parked.", no_args_is_help=True
)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")


@guarded
def status_command(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Show orders per state, the inbox backlog, dead letters and the last polls."""
    settings = settings_of(ctx)
    engine = open_store(settings)
    try:
        status = hub_status(engine, settings)
    finally:
        engine.dispose()
    if as_json:
        print_json(status)
        return
    show(key_value_table("orders by state", status["orders"]["by_state"] or {}))
    inbox = dict(status["inbox"]["by_status"])
    inbox["due now"] = status["inbox"]["due"]
    inbox["oldest pending"] = status["inbox"]["oldest_pending_at"]
    show(key_value_table("inbox", inbox))
    show(f"dead letters: {status['dead_letters']}")
    show(_polls_table(status["polls"]))


def _polls_table(polls: list[dict[str, Any]]) -> Table:
    table = Table("Shop", "Last run", "Last success", "Last error", title="polls")
    for poll in polls:
        table.add_row(
            poll["shop"],
            poll["last_run_at"] or "never",
            poll["last_success_at"] or "never",
            poll["last_error"] or "",
        )
    return table


@dead_letters_app.command("list")
@guarded
def list_command(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List dead and parked inbox rows with their last error."""
    engine = open_store(settings_of(ctx))
    try:
        letters = list_dead_letters(engine)
    finally:
        engine.dispose()
    if as_json:
        print_json({"dead_letters": [letter.as_dict() for letter in letters]})
        return
    table = Table("Id", "Status", "Shop", "Topic", "Attempts", "Last error")
    for letter in letters:
        table.add_row(
            str(letter.id),
            letter.status,
            letter.account,
            letter.topic,
            str(letter.attempts),
            letter.last_error or "",
        )
    show(table if letters else "no dead letters")


@dead_letters_app.command("retry")
@guarded
def retry_command(
    ctx: typer.Context,
    letter_id: int | None = typer.Argument(None, help="The dead letter's id."),
    every: bool = typer.Option(False, "--all", help="Retry every dead letter."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Send dead letters back to pending and queue their keys again."""
    if (letter_id is None) == (not every):
        raise fail("error: give one dead letter ID or --all, not both or neither")
    hub = Hub(settings_of(ctx))
    try:
        hub.migrate()
        count, keys = _retry(hub, letter_id)
        # Queued now rather than at the next sweep, which waits out a grace period.
        for key in keys:
            hub.enqueue(key)
    finally:
        hub.close()
    if as_json:
        print_json({"retried": count, "keys_queued": len(keys)})
    else:
        show(f"{count} dead letter(s) back to pending; {len(keys)} key(s) queued")


def _retry(hub: Hub, letter_id: int | None) -> tuple[int, list[str]]:
    """Reset one letter or all; return how many and the keys to queue."""
    letters = list_dead_letters(hub.engine, limit=1_000_000)
    if letter_id is None:
        count = retry_all(hub.engine)
        return count, sorted({letter.key for letter in letters if letter.key})
    if not retry(hub.engine, letter_id):
        raise fail(f"error: no dead or parked inbox row with id {letter_id}")
    keys = {letter.key for letter in letters if letter.id == letter_id and letter.key}
    return 1, sorted(keys)
