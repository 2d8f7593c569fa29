"""`o2c-hub mapping check`: what the mappings leave unmapped, and invoice previews."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from sync.cli.context import fail, guarded, open_store, settings_of
from sync.cli.output import key_value_table, print_json, show

app = typer.Typer(
    help="Mapping tables: replay stored orders against them.", no_args_is_help=True
)


@app.callback()
def mapping_root() -> None:
    """Mapping tables: replay stored orders against them."""


@app.command("check")
@guarded
def check_command(
    ctx: typer.Context,
    days: int = typer.Option(30, "--days", min=1, help="Orders of the last N days."),
    shop: str | None = typer.Option(None, "--shop", help="Only this shop (name)."),
    preview: str | None = typer.Option(
        None,
        "--preview",
        metavar="ORDER_ID",
        help="Print the invoice this order would get (writes nothing).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List every unmapped key with the orders it blocks (exit 1 if any)."""
    from sync.inbox import utcnow
    from sync.preflight import preview_order, run_check
    from sync.runtime import Hub

    settings = settings_of(ctx)
    engine = open_store(settings)
    hub = Hub(settings)
    try:
        invoicing = hub.invoicing()
        if preview is not None:
            shown = preview_order(engine, invoicing, preview, shop=shop)
            if shown is None:
                raise fail(f"error: no stored order {preview!r}")
            _print_preview(shown, as_json=as_json)
            return
        report = run_check(engine, invoicing, days=days, now=utcnow(), shop=shop)
    finally:
        hub.close()
        engine.dispose()
    data = report.as_dict()
    if as_json:
        print_json(data)
    else:
        _print_report(data)
    if not report.ok:
        raise typer.Exit(1)


@app.command("replay")
@guarded
def replay_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Decide again on held orders after a mapping or ERP fix (queues their work)."""
    from sync.runtime import Hub

    hub = Hub(settings_of(ctx))
    try:
        hub.migrate()
        count = hub.replay_held()
    finally:
        hub.close()
    if as_json:
        print_json({"decided": count})
    else:
        show(f"{count} held order(s) decided again")


def _print_report(data: dict[str, Any]) -> None:
    show(f"orders checked: {data['orders_checked']}")
    if data["unmapped"]:
        table = Table("Kind", "Key", "Orders", "Examples", title="unmapped keys")
        for key in data["unmapped"]:
            table.add_row(
                key["kind"], key["key"], str(key["count"]), ", ".join(key["orders"])
            )
        show(table)
    for mismatch in data["total_mismatches"]:
        predicted, storefront = (
            mismatch["predicted_total"],
            mismatch["storefront_total"],
        )
        show(f"total mismatch: {mismatch['order']} {predicted} vs {storefront}")
    for problem in [*data["table_problems"], *(e["error"] for e in data["errors"])]:
        show(f"problem: {problem}")
    if data["ok"]:
        show("every order maps")


def _print_preview(shown: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print_json(shown)
        return
    table = Table("Kind", "Description", "Qty", "Price", "Taxes", title=shown["order"])
    for line in shown["lines"]:
        table.add_row(
            line["kind"],
            line["description"],
            line["quantity"],
            line["price_unit"],
            ", ".join(line["taxes"]),
        )
    show(table)
    totals = {
        **shown["predicted"],
        "storefront total": shown["storefront_total"],
        "adjustment": shown["adjustment"],
        "hold": shown["hold_reason"] or "",
        "unmapped": ", ".join(f"{m['kind']} {m['key']}" for m in shown["unmapped"]),
    }
    show(key_value_table(f"{shown['currency']} (predicted)", totals))
