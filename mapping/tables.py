"""The mapping file: correspondence tables per shop, over shared defaults, in TOML.

    [defaults]                      # every shop starts from these
    unknown_sku = "park"            # or "placeholder" (then placeholder_product)
    [defaults.products]             # SKU -> Odoo default_code, where they differ
    "TS-RED-M" = "TSHIRT-001"
    [[defaults.taxes]]              # storefront tax -> Odoo taxes (by name)
    rate = "0.2"                    # a fraction, as the storefront reports it
    price_include = false           # optional; title, country and subject too
    taxes = ["20%"]                 # [] means: no ERP tax for this one
    [defaults.shipping]             # method code or title -> product default_code
    default = "SHIP"
    [[defaults.gateways]]           # payment gateway and currency -> journal code
    gateway = "shopify_payments"
    journal = "STRP"
    [defaults.customers]            # how orders find their Odoo partner
    match = ["external_id", "vat", "email"]
    unknown = "create"              # or "park", or "default" (default_partner)
    [defaults.accounts]             # account codes
    rounding = "642000"
    [defaults.stripe]               # the processor's ledger accounts (codes)
    clearing = "101402"             # with bank, fee_default, refunds, disputes,
    fees = { stripe_fee = "620000" }  # suspense; fees by kind are optional
    [shops.acme]                    # a shop's own entries win over the defaults

Every value is a code or name the administrator sees in Odoo; ids are looked up
once (see `mapping.resolver`). `load_tables` reads the file and raises one
ConfigurationError naming every problem in it.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from o2c.errors import ConfigurationError
from o2c.ledger import ProcessorAccounts
from o2c.money import to_decimal

UnknownSku = Literal["park", "placeholder"]
UnknownCustomer = Literal["create", "park", "default"]
MatchBy = Literal["external_id", "vat", "email"]
InvoiceCurrency = Literal["presentment", "shop"]
InvoiceOn = Literal["order", "fulfillment", "payment"]


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TaxRule(_Table):
    """One storefront tax to Odoo taxes; an unset field matches anything."""

    title: str | None = None
    rate: Decimal | None = None
    country: str | None = None
    price_include: bool | None = None
    subject: Literal["line", "shipping", "duty"] | None = None
    taxes: tuple[str, ...]

    @field_validator("rate", mode="before")
    @classmethod
    def _exact_rate(cls, value: Any) -> Decimal | None:
        return None if value is None else to_decimal(value)

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    def specificity(self) -> int:
        """How many fields the rule pins down: the most specific match wins."""
        fields = (self.title, self.rate, self.country, self.price_include, self.subject)
        return sum(value is not None for value in fields)


class ShippingTable(_Table):
    """Shipping method (code or title) to a product code, with a default."""

    default: str | None = None
    methods: dict[str, str] = Field(default_factory=dict)


class GatewayRule(_Table):
    """A payment gateway (and currency, or any) to a journal code."""

    gateway: str
    currency: str | None = None
    journal: str


class CustomerTable(_Table):
    """How an order's customer becomes an Odoo partner."""

    match: tuple[MatchBy, ...] = ("external_id", "vat", "email")
    unknown: UnknownCustomer = "create"
    default_partner: str | None = None  # a partner's email or name, for "default"
    companies: bool = True  # B2B orders: a company partner with the buyer as contact


class AccountTable(_Table):
    """Account codes: rounding adjustments and refund amounts without a line."""

    rounding: str | None = None
    refund_adjustment: str | None = None
    entry_journal: str | None = None  # journal code for journal entries (MISC)


class ProcessorTable(_Table):
    """A payment processor's ledger accounts (codes), for its clearing entries.

    `clearing` mirrors the processor balance, `bank` receives the payouts,
    `fee_default` (or `fees` by fee kind) takes the fees, `refunds` and `disputes`
    what money went back, `suspense` balance lines the rules do not know.
    """

    clearing: str
    bank: str
    fee_default: str
    fees: dict[str, str] = Field(default_factory=dict)
    refunds: str
    disputes: str
    suspense: str

    def ledger_accounts(self) -> ProcessorAccounts:
        """Return the accounts as the ledger rules take them."""
        return ProcessorAccounts.model_validate(self.model_dump())


class SpecialProducts(_Table):
    """Product codes for parts of an order that have no SKU."""

    duty: str | None = None
    tip: str | None = None
    gift_card: str | None = None
    discount: str | None = None


class ShopMapping(_Table):
    """Everything one shop's orders are mapped with (defaults merged in)."""

    unknown_sku: UnknownSku = "park"
    placeholder_product: str | None = None
    products: dict[str, str] = Field(default_factory=dict)
    sku_is_code: bool = True  # an SKU without entry is looked up as default_code
    taxes: tuple[TaxRule, ...] = ()
    shipping: ShippingTable = ShippingTable()
    gateways: tuple[GatewayRule, ...] = ()
    customers: CustomerTable = CustomerTable()
    accounts: AccountTable = AccountTable()
    special: SpecialProducts = SpecialProducts()
    stripe: ProcessorTable | None = None  # None: Stripe payouts post nothing
    invoice_currency: InvoiceCurrency | None = None  # None: the policy's
    invoice_on: InvoiceOn | None = None
    # The "Rounding Method" of taxes the prediction follows. None: read it from the
    # ERP company's settings; a value here overrides what the company says.
    tax_rounding: Literal["round_per_line", "round_globally"] | None = None

    def product_code(self, sku: str) -> str | None:
        """Return the Odoo code for an SKU: the override, else the SKU itself."""
        if sku in self.products:
            return self.products[sku]
        return sku if self.sku_is_code else None

    def journal_for(self, gateway: str, currency: str) -> str | None:
        """Return the journal code for a gateway in a currency, or None."""
        exact = [r for r in self.gateways if r.gateway == gateway]
        for rule in exact:
            if rule.currency and rule.currency.upper() == currency.upper():
                return rule.journal
        return next((r.journal for r in exact if r.currency is None), None)


class MappingTables(_Table):
    """The whole file: defaults and per-shop sections (partial, merged on use)."""

    defaults: dict[str, Any] = Field(default_factory=dict)
    shops: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def for_shop(self, shop: str) -> ShopMapping:
        """Return the shop's tables: its own entries over the defaults.

        Raises ConfigurationError when the merged tables are invalid.
        """
        merged = _merge(self.defaults, self.shops.get(shop, {}))
        try:
            return ShopMapping.model_validate(merged)
        except ValidationError as exc:
            raise ConfigurationError(
                f"mapping for shop {shop!r}: {_problems(exc)}"
            ) from None

    def shop_names(self) -> list[str]:
        """Return the shops that have a section of their own."""
        return sorted(self.shops)


def processor_accounts(tables: MappingTables) -> ProcessorAccounts | None:
    """Return the Stripe ledger accounts of `[defaults.stripe]`, or None without it.

    Raises ConfigurationError naming every missing or invalid entry at once.
    """
    table = tables.for_shop("").stripe
    return table.ledger_accounts() if table is not None else None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; lists (tax and gateway rules) put the shop's first."""
    merged = dict(base)
    for name, value in over.items():
        old = merged.get(name)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[name] = _merge(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            merged[name] = [*value, *old]
        else:
            merged[name] = value
    return merged


def parse_tables(data: dict[str, Any], *, origin: str = "mapping") -> MappingTables:
    """Return the tables of a parsed TOML document.

    Raises ConfigurationError listing every invalid entry of the defaults and of
    each shop section.
    """
    problems: list[str] = []
    try:
        tables = MappingTables.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(f"{origin}: {_problems(exc)}") from None
    for shop in ["", *tables.shop_names()]:
        try:
            tables.for_shop(shop)
        except ConfigurationError as exc:
            label = f"shop {shop!r}" if shop else "defaults"
            problems.append(f"{label}: {exc}")
    if problems:
        raise ConfigurationError(f"{origin}: " + "; ".join(problems))
    return tables


def load_tables(path: Path) -> MappingTables:
    """Read the mapping file; a missing file means empty tables.

    Raises ConfigurationError for invalid TOML or entries (all of them named).
    """
    if not path.exists():
        return MappingTables()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from None
    return parse_tables(data, origin=str(path))


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or '(root)'}: {error['msg']}"
        for error in exc.errors()
    )
