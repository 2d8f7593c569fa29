"""The `o2c-hub` command line (typer + rich); `main` is the console script."""

from __future__ import annotations


def main() -> None:
    """Run the `o2c-hub` command line with the process's arguments."""
    from sync.cli.app import app

    app(prog_name="o2c-hub")
