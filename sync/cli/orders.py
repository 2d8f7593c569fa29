"""`o2c-hub orders list|show`: the stored orders and their pipeline state."""

from __future__ import annotations

import typer

from sync.cli.context import fail, guarded, open_store, settings_of
from sync.cli.output import key_value_table, orders_table, print_json, show

app = typer.Typer(help="Stored orders and their pipeline state.", no_args_is_help=True)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")


@app.command("list")
@guarded
def list_command(
    ctx: typer.Context,
    state: str | None = typer.Option(None, "--state", help="Only this state."),
    shop: str | None = typer.Option(None, "--shop", help="Only this shop (name)."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List stored orders, most recently updated first."""
    from sync.orders_repo import list_orders

    engine = open_store(settings_of(ctx))
    try:
        records = list_orders(engine, state=state, shop=shop, limit=limit)
    finally:
        engine.dispose()
    if as_json:
        from sync.http.views import order_json

        print_json({"orders": [order_json(record) for record in records]})
    elif records:
        show(orders_table(records))
    else:
        show("no orders stored yet")


@app.command("show")
@guarded
def show_command(
    ctx: typer.Context,
    ident: str = typer.Argument(..., help="Hub id, Shopify GID or order number."),
    shop: str | None = typer.Option(None, "--shop", help="Shop, for a number."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one stored order: its state and its canonical content."""
    from sync.http.views import order_detail_json, order_json
    from sync.orders_repo import get_order

    engine = open_store(settings_of(ctx))
    try:
        found = get_order(engine, ident, shop=shop)
    finally:
        engine.dispose()
    if found is None:
        raise fail(f"error: no stored order matches {ident!r}")
    record, order = found
    if as_json:
        print_json(order_detail_json(record, order))
        return
    summary = order_json(record)
    summary["total"] = f"{record.total_amount} {record.currency}"
    summary["lines"] = len(order.lines)
    summary["customer"] = order.customer.email if order.customer else None
    show(key_value_table(f"order {record.number}", summary))
