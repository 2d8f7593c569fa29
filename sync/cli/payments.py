"""CLI: `payments list`, `payments show ID`, `payouts list` and `payouts show ID`,
read from the Stripe intake's tables.

Each reads the store named by the configuration (`--config`, `$O2C_HUB_CONFIG` or
`./hub.toml`) and prints a table, or JSON with `--json`, where money is written as
everywhere in the CLI: `{"amount": "<decimal string>", "currency": "<ISO code>"}`.
A payment's links say which order or invoice it is for and where that was read
(`via`: metadata, description, or a storefront transaction naming the payment).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sync.store.models_stripe import StripeObjectRecord

payments_app = typer.Typer(
    help="Payments received through Stripe.", no_args_is_help=True
)
payouts_app = typer.Typer(
    help="Stripe payouts and their breakdown.", no_args_is_help=True
)

ConfigOption = typer.Option(
    None, "--config", "-c", help="The hub's configuration file."
)
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")


@payments_app.callback()
def payments_group() -> None:
    """Payments received through Stripe."""


@payouts_app.callback()
def payouts_group() -> None:
    """Stripe payouts and their breakdown."""


def list_payments(engine: Engine, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest payments, newest first, as JSON-ready dicts."""
    from sync.store.models_stripe import StripeKind

    return [_payment_view(row) for row in _newest(engine, StripeKind.PAYMENT, limit)]


def _newest(engine: Engine, kind: str, limit: int) -> list[StripeObjectRecord]:
    """The newest stored Stripe objects of one kind, newest first."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from sync.store.models_stripe import StripeObjectRecord

    query = (
        select(StripeObjectRecord)
        .where(StripeObjectRecord.kind == kind)
        .order_by(StripeObjectRecord.created_at.desc(), StripeObjectRecord.id.desc())
        .limit(limit)
    )
    with Session(engine) as session:
        return list(session.execute(query).scalars())


def find_payment(engine: Engine, payment_id: str) -> dict[str, Any] | None:
    """One payment by its charge or intent id, or None when it is not stored."""
    from sqlalchemy import or_, select
    from sqlalchemy.orm import Session

    from sync.store.models_stripe import StripeKind, StripeObjectRecord

    query = (
        select(StripeObjectRecord)
        .where(
            StripeObjectRecord.kind == StripeKind.PAYMENT,
            or_(
                StripeObjectRecord.external_id == payment_id,
                StripeObjectRecord.payment_intent_id == payment_id,
            ),
        )
        .order_by(StripeObjectRecord.id)
    )
    with Session(engine) as session:
        row = session.execute(query).scalars().first()
    return None if row is None else _payment_view(row)


def list_payouts(engine: Engine, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest payouts, newest first, each without its lines (`line_count`)."""
    from sync.store.models_stripe import StripeKind

    summaries = []
    for row in _newest(engine, StripeKind.PAYOUT, limit):
        view = _payout_view(row)
        view["line_count"] = len(view.pop("lines"))
        summaries.append(view)
    return summaries


def find_payout(engine: Engine, payout_id: str) -> dict[str, Any] | None:
    """One payout with its lines and fee totals, or None when it is not stored."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from sync.store.models_stripe import StripeKind, StripeObjectRecord

    query = select(StripeObjectRecord).where(
        StripeObjectRecord.kind == StripeKind.PAYOUT,
        StripeObjectRecord.external_id == payout_id,
    )
    with Session(engine) as session:
        row = session.execute(query).scalars().first()
    return None if row is None else _payout_view(row)


@payments_app.command("list")
def list_command(
    config: Path | None = ConfigOption,
    limit: int = typer.Option(50, min=1, help="How many payments to show."),
    as_json: bool = JsonOption,
) -> None:
    """Show the newest payments."""
    payments = list_payments(_engine(config), limit=limit)
    if as_json:
        typer.echo(json.dumps(payments, indent=2))
        return
    table = Table("created", "payment", "amount", "refunded", "status", "links")
    for p in payments:
        links = ", ".join(
            f"{link['kind']} {link['value']} ({link['via']})" for link in p["links"]
        )
        table.add_row(
            p["created"],
            p["id"],
            _shown(p["amount"]),
            p["amount_refunded"]["amount"],
            p["status"],
            links,
        )
    Console().print(table)


@payments_app.command("show")
def show_payment_command(
    payment_id: str = typer.Argument(
        ..., help="The charge (ch_...) or intent (pi_...)."
    ),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Show one payment and what it is linked to, with where each link was read."""
    payment = find_payment(_engine(config), payment_id)
    if payment is None:
        typer.echo(f"no payment {payment_id} is stored", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(payment, indent=2))
        return
    console = Console()
    console.print(
        f"{payment['id']}  {_shown(payment['amount'])}  "
        f"{payment['status']}  refunded {_shown(payment['amount_refunded'])}  "
        f"intent {payment['payment_intent'] or '-'}  created {payment['created']}"
    )
    table = Table("link", "value", "via")
    for link in payment["links"]:
        table.add_row(link["kind"], link["value"], link["via"])
    console.print(table if payment["links"] else "no links to an order or invoice")


@payouts_app.command("list")
def list_payouts_command(
    config: Path | None = ConfigOption,
    limit: int = typer.Option(50, min=1, help="How many payouts to show."),
    as_json: bool = JsonOption,
) -> None:
    """Show the newest payouts: amount, arrival, and whether they were broken down."""
    payouts = list_payouts(_engine(config), limit=limit)
    if as_json:
        typer.echo(json.dumps(payouts, indent=2))
        return
    table = Table("arrival", "payout", "amount", "status", "breakdown", "lines", "fees")
    for p in payouts:
        fees = ", ".join(
            f"{kind} {fee['amount']}" for kind, fee in p["fees_by_kind"].items()
        )
        table.add_row(
            p["arrival_date"][:10],
            p["id"],
            _shown(p["amount"]),
            p["status"],
            p["breakdown"],
            str(p["line_count"]),
            fees,
        )
    Console().print(table)


@payouts_app.command("show")
def show_command(
    payout_id: str = typer.Argument(..., help="The payout id (po_...)."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Show one payout, its balance lines and its fees by kind."""
    payout = find_payout(_engine(config), payout_id)
    if payout is None:
        typer.echo(f"no payout {payout_id} is stored", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(payout, indent=2))
        return
    console = Console()
    console.print(
        f"{payout['id']}  {_shown(payout['amount'])}  {payout['status']}  "
        f"arrival {payout['arrival_date']}  breakdown {payout['breakdown']}"
    )
    if payout["note"]:
        console.print(payout["note"])
    table = Table("line", "type", "amount", "fee", "net", "source")
    for line in payout["lines"]:
        table.add_row(
            line["id"],
            line["type"],
            line["amount"]["amount"],
            line["fee"]["amount"],
            line["net"]["amount"],
            line["source"] or "",
        )
    console.print(table)
    for kind, fee in payout["fees_by_kind"].items():
        console.print(f"fees {kind}: {_shown(fee)}")


def _engine(config: Path | None) -> Engine:
    from config.settings import ConfigError, load_settings
    from sync.store.db import make_engine

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    return make_engine(settings.store_url)


def _payment_view(row: StripeObjectRecord) -> dict[str, Any]:
    from sync.http.views import money_json

    data = json.loads(row.data)
    refunded = data["amount_refunded"]
    return {
        "id": row.external_id,
        "created": row.created_at.isoformat(),
        "amount": money_json(row.amount, row.currency),
        "amount_refunded": money_json(refunded["amount"], refunded["currency"]),
        "status": row.status,
        "payment_intent": data.get("payment_intent_id"),
        "customer_email": data.get("customer_email"),
        "links": [
            {"kind": x["kind"], "value": x["value"], "via": x["via"]}
            for x in data.get("links", [])
        ],
    }


def _payout_view(row: StripeObjectRecord) -> dict[str, Any]:
    from o2c.payments import Payout, fees_by_kind

    payout = Payout.model_validate_json(row.data)
    lines = [
        {
            "id": t.external_id,
            "type": t.type,
            "amount": t.amount.as_json(),
            "fee": t.fee.as_json(),
            "net": t.net.as_json(),
            "source": t.source_id,
        }
        for t in payout.transactions
    ]
    fees = fees_by_kind(payout.lines)
    return {
        "id": payout.external_id,
        "amount": payout.amount.as_json(),
        "status": payout.status,
        "automatic": payout.automatic,
        "arrival_date": payout.arrival_date.isoformat(),
        "breakdown": payout.breakdown.value,
        "note": payout.breakdown_note,
        "lines": lines,
        "fees_by_kind": {kind: money.as_json() for kind, money in fees.items()},
    }


def _shown(money: dict[str, str]) -> str:
    """Money in a table cell."""
    return f"{money['amount']} {money['currency']}"
