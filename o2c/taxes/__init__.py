"""Odoo's tax computation, reproduced to predict an invoice's totals to the cent.

The public names live here; `definitions` holds the records, `modern` and `legacy`
the two line engines, `document` the invoice totals, `representation` the rules that
turn storefront amounts into Odoo line fields without losing a cent.
"""

from __future__ import annotations

from o2c.taxes.definitions import (
    AmountType,
    Engine,
    GlobalUntaxed,
    LineTaxes,
    RoundingConfig,
    RoundingMethod,
    TaxAmount,
    TaxDefinition,
    fits,
    round_to,
)
from o2c.taxes.document import (
    DocumentLine,
    DocumentTotals,
    line_taxes,
    predict_document,
)
from o2c.taxes.legacy import flatten_legacy, legacy_line_taxes
from o2c.taxes.modern import flatten_modern, modern_line_taxes
from o2c.taxes.representation import LineFields, represent

# The brief's name for the engine settings; one record carries both.
TaxEngine = RoundingConfig

__all__ = [
    "AmountType",
    "DocumentLine",
    "DocumentTotals",
    "Engine",
    "GlobalUntaxed",
    "LineFields",
    "LineTaxes",
    "RoundingConfig",
    "RoundingMethod",
    "TaxAmount",
    "TaxDefinition",
    "TaxEngine",
    "fits",
    "flatten_legacy",
    "flatten_modern",
    "legacy_line_taxes",
    "line_taxes",
    "modern_line_taxes",
    "predict_document",
    "represent",
    "round_to",
]
