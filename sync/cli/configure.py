"""`o2c-hub init` writes a commented configuration; `o2c-hub check` proves it works."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from config.settings import config_path
from config.templates import render_hub_toml
from sync.check import check_all
from sync.cli.context import EXIT_FAILURE, fail, guarded, settings_of, state, stdout
from sync.cli.output import print_json


@guarded
def init_command(
    ctx: typer.Context,
    folder: Path = typer.Option(
        Path("."), "--dir", help="Folder to write hub.toml into (created if needed)."
    ),
    sandbox: bool = typer.Option(
        False, "--sandbox", help="Point every connector at the local simulators."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented hub.toml (production placeholders, or the sandbox)."""
    target = state(ctx).config or folder / "hub.toml"
    target = target.expanduser().resolve()
    if target.exists() and not force:
        raise fail(f"error: {target} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_hub_toml(sandbox=sandbox), encoding="utf-8")
    stdout.print(f"wrote {escape(str(target))}")
    kind = "sandbox " if sandbox else ""
    stdout.print(
        f"next: edit the {kind}configuration if needed, then "
        f"`o2c-hub --config {escape(str(target))} check`"
    )


@guarded
def check_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON results."),
) -> None:
    """Validate the configuration and reach every configured system."""
    settings = settings_of(ctx)
    results = check_all(settings)
    where = str(config_path(state(ctx).config))
    if as_json:
        print_json(
            {
                "config": where,
                "ok": all(result.ok for result in results),
                "checks": [result.as_json() for result in results],
            }
        )
    else:
        stdout.print(f"configuration {escape(where)}: valid")
        for result in results:
            mark = "[green]ok[/green]  " if result.ok else "[red]FAIL[/red]"
            stdout.print(f"{mark} {escape(result.name)}: {escape(result.detail)}")
    failed = [result.name for result in results if not result.ok]
    if failed:
        raise typer.Exit(EXIT_FAILURE)
