"""`o2c-hub status` and `o2c-hub dead-letters list|retry`: the operator's view.

Dead letters are of two kinds: inbox rows (`inbox:ID`, a delivery the hub could
not process) and outbox commands (`command:ID`, an ERP write that kept failing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from sync.cli.context import fail, guarded, open_store, settings_of
from sync.cli.output import key_value_table, print_json, show

if TYPE_CHECKING:
    from sync.deadletters import DeadLetter
    from sync.outbox import DeadCommand
    from sync.runtime import Hub

dead_letters_app = typer.Typer(
    help="Inbox rows and outbox commands the hub gave up on or parked.",
    no_args_is_help=True,
)

INBOX = "inbox"
COMMAND = "command"

JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")


@guarded
def status_command(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Show orders per state, the inbox backlog, dead letters, the last polls,
    invoicing and the money that came in."""
    from sync.status import hub_status

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
    show(_polls_table(status["polls"], status["stripe"]))
    show(_money_in_table(status))


def _polls_table(polls: list[dict[str, Any]], stripe: dict[str, Any] | None) -> Table:
    table = Table("Source", "Last run", "Last success", "Last error", title="polls")
    runs = [(f"shop {poll['shop']}", poll) for poll in polls]
    if stripe is not None:
        runs.append(("stripe catch-up", stripe["catch_up"]))
    for name, run in runs:
        table.add_row(
            name,
            run["last_run_at"] or "never",
            run["last_success_at"] or "never",
            run["last_error"] or "",
        )
    return table


def _money_in_table(status: dict[str, Any]) -> Table:
    rows: dict[str, Any] = {}
    invoices, credit_notes = status["invoices"], status["credit_notes"]
    rows["invoices posted / pending / dead"] = (
        f"{invoices['posted']} / {invoices['pending']} / {invoices['dead']}"
    )
    rows["credit notes posted / pending / dead"] = (
        f"{credit_notes['posted']} / {credit_notes['pending']} / {credit_notes['dead']}"
    )
    stripe = status["stripe"]
    if stripe is not None:
        rows["stripe payments / refunds / disputes"] = (
            f"{stripe['payments']} / {stripe['refunds']} / {stripe['disputes']}"
        )
        rows["stripe payouts (broken down)"] = (
            f"{stripe['payouts']} ({stripe['payouts_broken_down']})"
        )
    statements = status["statements"]
    rows["statement files imported / failed"] = (
        f"{statements['files_imported']} / {statements['files_failed']}"
    )
    rows["statement lines"] = statements["lines"]
    return key_value_table("invoicing and money in", rows)


@dead_letters_app.command("list")
@guarded
def list_command(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List dead and parked inbox rows and dead outbox commands with their error."""
    from sync.deadletters import list_dead_letters
    from sync.outbox import list_dead_commands

    engine = open_store(settings_of(ctx))
    try:
        letters = [_inbox_row(letter) for letter in list_dead_letters(engine)]
        letters += [_command_row(command) for command in list_dead_commands(engine)]
    finally:
        engine.dispose()
    if as_json:
        print_json({"dead_letters": letters})
        return
    table = Table("Id", "Kind", "Status", "What", "Key", "Attempts", "Last error")
    for letter in letters:
        table.add_row(
            letter["ref"],
            letter["kind"],
            letter["status"],
            letter["what"],
            letter["key"] or "",
            str(letter["attempts"]),
            letter["last_error"] or "",
        )
    show(table if letters else "no dead letters")


def _inbox_row(letter: DeadLetter) -> dict[str, Any]:
    """An inbox row as listed: its fields, `kind`, `ref` (inbox:ID) and `what`."""
    return {
        **letter.as_dict(),
        "kind": INBOX,
        "ref": f"{INBOX}:{letter.id}",
        "what": f"{letter.source} {letter.account} {letter.topic}",
    }


def _command_row(command: DeadCommand) -> dict[str, Any]:
    """A dead command as listed: its fields, `kind`, `ref` (command:ID), `what`."""
    return {
        **command.as_dict(),
        "command": command.kind,
        "kind": COMMAND,
        "ref": f"{COMMAND}:{command.id}",
        "status": "dead",
        "what": f"{command.kind} {command.idempotency_key}",
    }


@dead_letters_app.command("retry")
@guarded
def retry_command(
    ctx: typer.Context,
    letter_ref: str | None = typer.Argument(
        None, help="inbox:ID or command:ID as listed (a bare ID is an inbox row)."
    ),
    every: bool = typer.Option(
        False, "--all", help="Retry every dead inbox row and command."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Send dead letters back to pending; queue their keys or the executor again."""
    if (letter_ref is None) == (not every):
        raise fail("error: give one dead letter ID or --all, not both or neither")
    from sync.runtime import Hub

    kind, letter_id = _parse_ref(letter_ref) if letter_ref else (None, None)
    hub = Hub(settings_of(ctx))
    try:
        hub.migrate()
        count, keys = (0, []) if kind == COMMAND else _retry(hub, letter_id)
        commands = 0 if kind == INBOX else _retry_commands(hub, letter_id)
        # Queued now rather than at the next sweep, which waits out a grace period.
        for key in keys:
            hub.enqueue(key)
        if commands and hub.invoicing_enabled:
            hub.enqueue_execute()
    finally:
        hub.close()
    if as_json:
        print_json({"retried": count + commands, "keys_queued": len(keys)})
    else:
        show(
            f"{count} dead letter(s) back to pending; {len(keys)} key(s) queued; "
            f"{commands} command(s) back to pending"
        )


def _parse_ref(text: str) -> tuple[str, int]:
    """Return the kind and id of `inbox:12`, `command:7` or a bare `12` (inbox)."""
    kind, _, number = text.rpartition(":")
    kind = kind or INBOX
    if kind not in (INBOX, COMMAND) or not number.isdigit():
        raise fail(f"error: {text!r} is not inbox:ID, command:ID or an ID")
    return kind, int(number)


def _retry(hub: Hub, letter_id: int | None) -> tuple[int, list[str]]:
    """Reset one letter or all; return how many and the keys to queue."""
    from sync.deadletters import list_dead_letters, retry, retry_all

    letters = list_dead_letters(hub.engine, limit=1_000_000)
    if letter_id is None:
        count = retry_all(hub.engine)
        return count, sorted({letter.key for letter in letters if letter.key})
    if not retry(hub.engine, letter_id):
        raise fail(f"error: no dead or parked inbox row with id {letter_id}")
    keys = {letter.key for letter in letters if letter.id == letter_id and letter.key}
    return 1, sorted(keys)


def _retry_commands(hub: Hub, command_id: int | None) -> int:
    """Reset one dead command or all; return how many."""
    from sync.outbox import retry_commands

    count = retry_commands(hub.engine, command_id)
    if command_id is not None and not count:
        raise fail(f"error: no dead command with id {command_id}")
    return count
