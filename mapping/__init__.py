"""Admin-configured correspondence tables and the preflight that replays orders.

tables    the mapping file (TOML): per shop over shared defaults
catalog   the ERP lookups the tables need (a protocol) and their cache
resolver  the tables resolved against the ERP: the invoice builder's Resolver
check     the preflight: unmapped keys with the orders they block, previews
"""

from __future__ import annotations

from mapping.catalog import CachedCatalog, Catalog, PartnerQuery
from mapping.check import CheckReport, check_orders, preview, validate_tables
from mapping.resolver import NEW_PARTNER, MappingResolver, partner_query
from mapping.tables import (
    MappingTables,
    ProcessorTable,
    ShopMapping,
    load_tables,
    parse_tables,
    processor_accounts,
)

__all__ = [
    "NEW_PARTNER",
    "CachedCatalog",
    "Catalog",
    "CheckReport",
    "MappingResolver",
    "MappingTables",
    "PartnerQuery",
    "ProcessorTable",
    "ShopMapping",
    "check_orders",
    "load_tables",
    "parse_tables",
    "partner_query",
    "preview",
    "processor_accounts",
    "validate_tables",
]
