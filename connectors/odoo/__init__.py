"""Odoo ERP gateway: JSON-RPC and JSON-2 backends behind one interface.

Open one with `open_gateway(settings.odoo)`; the public names are below. The
modules behind them: `gateway` (interface and opening), `moves` (batched,
exactly-once account.move writes), `idempotency` (keys as external ids),
`documents` (drafts as Odoo values), `lookups`, `partners`, `payments`,
`profile` (version differences), `errors` (translation), `jsonrpc`/`json2`
(transports), `keys` (key encoding and references).
"""

from __future__ import annotations

from connectors.odoo.gateway import ErpGateway, OdooGateway, open_gateway
from connectors.odoo.keys import xmlid_name
from connectors.odoo.profile import OdooProfile, profile_from_version
from connectors.odoo.records import (
    CreatedDocument,
    DocumentTotals,
    Partner,
    PartnerData,
    PaymentRequest,
    RegisteredPayment,
    TotalFinding,
)

__all__ = [
    "CreatedDocument",
    "DocumentTotals",
    "ErpGateway",
    "OdooGateway",
    "OdooProfile",
    "Partner",
    "PartnerData",
    "PaymentRequest",
    "RegisteredPayment",
    "TotalFinding",
    "open_gateway",
    "profile_from_version",
    "xmlid_name",
]
