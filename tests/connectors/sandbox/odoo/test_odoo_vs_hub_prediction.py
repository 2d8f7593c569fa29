"""The sandbox's invoice totals agree with the hub's independent prediction.

Both implement Odoo's tax engine from the same plain-words reference, separately;
a disagreement means one of them misreads Odoo.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sandbox.odoo import SandboxOdoo
from o2c.taxes import DocumentLine, RoundingConfig, TaxDefinition, predict_document

RATES = (0, 5, 7, 10, 19, 20, 21)


def _sandbox(version: int, rounding: str) -> SandboxOdoo:
    """Return a fresh, unstarted sandbox (in-process calls are enough here)."""
    return SandboxOdoo(version, rounding=rounding)


lines_strategy = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("-50"), max_value=Decimal("999.99"), places=2),
        st.integers(min_value=1, max_value=7),
        st.sampled_from([Decimal(0), Decimal(0), Decimal(10), Decimal("12.5")]),
        st.sampled_from(RATES),
        st.booleans(),
    ),
    min_size=1,
    max_size=4,
)


def _sandbox_totals(
    odoo: SandboxOdoo, lines: list[tuple[Any, ...]]
) -> tuple[Decimal, Decimal]:
    vals = {
        "move_type": "out_invoice",
        "partner_id": odoo.ref("sandbox.partner_deco"),
        "invoice_line_ids": [
            (
                0,
                0,
                {
                    "product_id": odoo.ref("sandbox.product_tshirt"),
                    "price_unit": price,
                    "quantity": qty,
                    "discount": discount,
                    "tax_ids": [
                        (
                            6,
                            0,
                            [
                                odoo.ref(
                                    f"sandbox.tax_{rate}_{'incl' if inc else 'excl'}"
                                )
                            ],
                        )
                    ],
                },
            )
            for price, qty, discount, rate, inc in lines
        ],
    }
    move_id = odoo.service.call(
        odoo.uid, "account.move", "create", [vals], {}, context={}
    )
    row = odoo.record("account.move", move_id)
    return row["amount_untaxed"], row["amount_tax"]


def _hub_totals(
    odoo: SandboxOdoo, lines: list[tuple[Any, ...]], rounding: str
) -> tuple[Decimal, Decimal]:
    doc = [
        DocumentLine(
            quantity=Decimal(qty),
            price_unit=price,
            discount=discount,
            taxes=(
                TaxDefinition(
                    id=odoo.ref(f"sandbox.tax_{rate}_{'incl' if inc else 'excl'}"),
                    name=f"{rate}%",
                    amount=Decimal(rate),
                    price_include=inc,
                ),
            ),
        )
        for price, qty, discount, rate, inc in lines
    ]
    config = RoundingConfig.for_odoo(odoo.version, rounding=rounding)  # type: ignore[arg-type]
    totals = predict_document(doc, config, 2)
    return totals.untaxed, totals.tax


COMBINATIONS = [
    (16, "round_per_line"),
    (16, "round_globally"),
    (17, "round_per_line"),
    (17, "round_globally"),
    (18, "round_per_line"),
    (18, "round_globally"),
    (19, "round_per_line"),
    (19, "round_globally"),
]


@pytest.mark.parametrize(("version", "rounding"), COMBINATIONS)
@settings(max_examples=25, deadline=None)
@given(lines=lines_strategy)
def test_sandbox_invoice_totals_match_the_hub_prediction(
    version: int, rounding: str, lines: list[tuple[Any, ...]]
) -> None:
    odoo = _sandbox(version, rounding)
    assert _sandbox_totals(odoo, lines) == _hub_totals(odoo, lines, rounding)


def test_sandbox_rounds_a_division_tie_up_like_float_round() -> None:
    odoo = _sandbox(19, "round_globally")
    lines = [
        (Decimal("-1.07"), 1, Decimal("12.5"), 5, True),
        (Decimal("804.07"), 1, Decimal("12.5"), 5, True),
    ]
    # 702.625 tax-included in total: Odoo rounds the tie up to 702.63.
    assert _sandbox_totals(odoo, lines) == (Decimal("669.17"), Decimal("33.46"))
