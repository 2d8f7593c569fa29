"""The hub's tax prediction against the sandbox Odoo's own, independent engine.

Both were written separately from the same description of Odoo's engine; where they
agree over generated tax sets, a reading mistake would have to be made twice.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sandbox.odoo.taxes import Tax, compute_line
from connectors.sandbox.odoo.taxes_legacy import compute_all
from o2c.taxes import (
    TaxDefinition,
    legacy_line_taxes,
    modern_line_taxes,
    round_to,
)

D = Decimal


@st.composite
def leaf_taxes(draw: st.DrawFn, tax_id: int) -> TaxDefinition:
    amount_type = draw(st.sampled_from(["percent", "percent", "fixed", "division"]))
    if amount_type == "fixed":
        amount = D(draw(st.integers(0, 500))).scaleb(-2)
    else:
        amount = D(
            draw(st.sampled_from(["0", "5", "5.5", "7", "10", "12", "19", "21"]))
        )
    return TaxDefinition(
        id=tax_id,
        name=f"t{tax_id}",
        amount_type=amount_type,
        amount=amount,
        price_include=draw(st.booleans()),
        include_base_amount=draw(st.booleans()),
        is_base_affected=draw(st.booleans()),
        sequence=draw(st.integers(1, 3)),
    )


@st.composite
def tax_sets(draw: st.DrawFn) -> tuple[TaxDefinition, ...]:
    count = draw(st.integers(1, 4))
    leaves = [draw(leaf_taxes(index + 1)) for index in range(count)]
    if count >= 2 and draw(st.booleans()):
        group = TaxDefinition(
            id=50,
            name="group",
            amount_type="group",
            sequence=draw(st.integers(1, 3)),
            children=tuple(leaves[:2]),
        )
        return (group, *leaves[2:])
    return tuple(leaves)


def sandbox_tax(tax: TaxDefinition) -> Tax:
    return Tax(
        id=tax.id,
        amount_type=tax.amount_type,
        amount=tax.amount,
        price_include=tax.price_include,
        include_base_amount=tax.include_base_amount,
        is_base_affected=tax.is_base_affected,
        sequence=tax.sequence,
        children=tuple(sandbox_tax(child) for child in tax.children),
    )


def near(value: Decimal) -> Decimal:
    """Raw amounts agree to far below a cent; the last of 28 digits may differ."""
    return round_to(value, 12)


def same(ours: Decimal, theirs: Decimal) -> bool:
    return near(ours) == near(theirs)


PRICES = st.integers(-50_000, 500_000).map(lambda units: D(units).scaleb(-2))
QUANTITIES = st.sampled_from([D(1), D(2), D(3), D("0.5"), D(7)])


@settings(max_examples=300, deadline=None)
@given(taxes=tax_sets(), price=PRICES, quantity=QUANTITIES, per_line=st.booleans())
def test_modern_engines_agree_on_every_line(
    taxes: tuple[TaxDefinition, ...], price: Decimal, quantity: Decimal, per_line: bool
) -> None:
    ours = modern_line_taxes(
        taxes, price_unit=price, quantity=quantity, digits=2, per_line=per_line
    )
    theirs = compute_line(
        [sandbox_tax(t) for t in taxes],
        price_unit=price,
        quantity=quantity,
        rounding=D("0.01") if per_line else None,
    )

    assert same(ours.total_excluded, theirs.total_excluded)
    assert same(ours.total_included, theirs.total_included)
    assert [(t.tax.id, near(t.amount)) for t in ours.taxes] == [
        (t.tax.id, near(t.amount)) for t in theirs.taxes
    ]


@settings(max_examples=300, deadline=None)
@given(taxes=tax_sets(), price=PRICES, quantity=QUANTITIES, per_line=st.booleans())
def test_legacy_engines_agree_on_every_line(
    taxes: tuple[TaxDefinition, ...], price: Decimal, quantity: Decimal, per_line: bool
) -> None:
    # The sandbox implements Odoo 16's variant of the legacy engine.
    ours = legacy_line_taxes(
        taxes,
        price_unit=price,
        quantity=quantity,
        digits=2,
        per_line=per_line,
        version=16,
    )
    theirs = compute_all(
        [sandbox_tax(t) for t in taxes],
        price_unit=price,
        quantity=quantity,
        rounding=D("0.01"),
        round_globally=not per_line,
    )

    assert same(ours.total_excluded, theirs.total_excluded)
    assert same(ours.total_included, theirs.total_included)
    assert [(t.tax.id, near(t.amount)) for t in ours.taxes] == [
        (t.tax.id, near(t.amount)) for t in theirs.taxes
    ]
