"""Benchmark: Shopify bulk backfill parsing, JSONL stream to canonical Orders.

Streams a generated bulk result (default 100,000 orders, each with two line items,
a shipping line, a discount, taxes, a duty and a Stripe sale, in two currencies) through
`join_bulk_lines` and `order_from_graphql`, and prints orders per second and the
process's peak RSS. Set O2C_BENCH_SHOPIFY_ORDERS to change the count. The target
(2,000 orders/s, under 300 MB with storing) is reported against, never asserted.
"""

from __future__ import annotations

import os
import re
import resource
import time
from collections.abc import Iterator
from pathlib import Path

from connectors.shopify.bulk import bulk_lines_of, join_bulk_lines
from connectors.shopify.parse import loads, order_from_graphql

TEMPLATE = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "fixtures"
    / "shopify"
    / "pair__order_b2b_eur_usd.graphql.json"
)
TARGET_PER_SECOND = 2000
_AMOUNT = re.compile(r'"amount": "(-?[1-9][0-9]*)\.([0-9]+)"')


def _template_lines() -> list[str]:
    """One order's bulk lines with a `{n}` placeholder in its id, its name, and the
    whole part of every non-zero amount, so no two orders share an amount (the
    pessimistic case for the parser's reuse of repeated amounts)."""
    node = loads(TEMPLATE.read_bytes())
    node.update(paymentTerms=None, refunds=[], fulfillments=[])
    node["transactions"] = [_stripe_sale(node["totalPriceSet"])]
    lines = []
    for line in bulk_lines_of(node):
        text = line.replace("{", "{{").replace("}", "}}").replace("NUMBER", "{n}")
        text = text.replace(
            "gid://shopify/Order/5745876049942", "gid://shopify/Order/{n}"
        )
        text = text.replace('"#1042"', '"#{n}"')
        lines.append(_AMOUNT.sub(r'"amount": "\1{n}.\2"', text))
    return lines


def _stripe_sale(total: object) -> dict[str, object]:
    """The order's payment: a Stripe sale naming its charge and intent (`NUMBER`
    becomes the order's number)."""
    return {
        "id": "gid://shopify/OrderTransaction/NUMBER",
        "gateway": "stripe",
        "kind": "SALE",
        "status": "SUCCESS",
        "createdAt": "2026-01-05T10:00:00Z",
        "authorizationCode": "ch_3BenchNUMBER",
        "paymentId": "pi_3BenchNUMBER",
        "parentTransaction": None,
        "amountSet": total,
    }


def generate(count: int) -> Iterator[bytes]:
    """Yield a grouped bulk JSONL result of `count` orders, line by line."""
    template = _template_lines()
    for n in range(1, count + 1):
        for line in template:
            yield line.format(n=n).encode()


def main() -> None:
    count = int(os.environ.get("O2C_BENCH_SHOPIFY_ORDERS", "100000"))
    started, cpu_started = time.perf_counter(), time.process_time()
    parsed = 0
    for node in join_bulk_lines(generate(count)):
        order_from_graphql(node, shop="bench")
        parsed += 1
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = parsed / elapsed
    print(f"shopify parse: {parsed} orders in {elapsed:.1f} s ({cpu:.1f} s of CPU)")
    verdict = "met" if rate >= TARGET_PER_SECOND else "MISSED"
    print(
        f"shopify parse: {rate:,.0f} orders/s (target {TARGET_PER_SECOND:,}: {verdict})"
    )
    # On a shared machine the CPU figure says more than the wall clock.
    print(f"shopify parse: {parsed / cpu:,.0f} orders per CPU second")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"shopify parse: machine load {load} on {os.cpu_count()} CPUs")
    print(f"shopify parse: peak RSS {peak_mb:,.0f} MB (target < 300 MB with storing)")


if __name__ == "__main__":
    main()
