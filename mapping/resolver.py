"""The mapping tables resolved against the ERP: the invoice builder's `Resolver`.

References handed to the builder are ERP ids as text (`"42"`), except a customer
under the `create` policy, which is `"new:<key>"` (`NEW_PARTNER`): the executor
finds it (by the configured keys) or creates it from the order's customer before
writing the invoice, for a whole batch at once, so the pipeline's decision stays
free of ERP writes and of a lookup per order. Every miss raises
`o2c.errors.MappingError(kind, key)` with the key an administrator must add:

    product   the SKU (or "line <id>" without one)
    tax       `TaxQuery.key`: title|rate|country|incl-or-excl|subject
    shipping  the method's title
    duty, tip, gift_card, discount    the product code, or the part's name
    account   "rounding" or "refund_adjustment"
    customer  the customer's email (or name)
    journal   gateway/currency
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from mapping.catalog import CachedCatalog, PartnerQuery
from mapping.tables import ShopMapping, TaxRule
from o2c.errors import MappingError
from o2c.ids import shopify_numeric_id
from o2c.invoices import hub_key
from o2c.orders import Order, OrderLine, ShippingLine
from o2c.resolution import TaxQuery
from o2c.taxes import TaxDefinition

logger = logging.getLogger(__name__)

NEW_PARTNER = "new:"


class MappingResolver:
    """One shop's tables over a cached catalog; satisfies `o2c.resolution.Resolver`."""

    def __init__(self, tables: ShopMapping, catalog: CachedCatalog, shop: str) -> None:
        self.tables = tables
        self.catalog = catalog
        self.shop = shop

    def prefetch(self, orders: Iterable[Order]) -> None:
        """Look up every product code of these orders in one call (a cache warm-up)."""
        codes = {
            code
            for order in orders
            for line in order.lines
            if line.sku and (code := self.tables.product_code(line.sku))
        }
        if codes:
            self.catalog.products_by_code(sorted(codes))

    # -- products ----------------------------------------------------------

    def product_for_line(self, line: OrderLine) -> str:
        """Return the product id of a line's SKU, or the placeholder by policy.

        Raises MappingError("product", sku) when neither applies.
        """
        code = self.tables.product_code(line.sku) if line.sku else None
        if code is not None:
            found = self.catalog.products_by_code([code]).get(code)
            if found is not None:
                return str(found)
        missing = line.sku or f"line {line.external_id}"
        placeholder = self.tables.placeholder_product
        if self.tables.unknown_sku == "placeholder" and placeholder:
            logger.info("SKU %s mapped to the placeholder product", missing)
            return self._product("product", placeholder)
        raise MappingError("product", missing)

    def shipping_product(self, line: ShippingLine) -> str:
        """Return the product of a shipping method (code, then title, then default).

        Raises MappingError("shipping", title).
        """
        methods = self.tables.shipping.methods
        code = (
            methods.get(line.code or "")
            or methods.get(line.title)
            or self.tables.shipping.default
        )
        if code is None:
            raise MappingError("shipping", line.title)
        return self._product("shipping", code)

    def duty_product(self) -> str:
        """Return the product for duties; raises MappingError("duty", ...)."""
        return self._special("duty", self.tables.special.duty)

    def gift_card_product(self) -> str:
        """Return the gift card product; raises MappingError("gift_card", ...)."""
        return self._special("gift_card", self.tables.special.gift_card)

    def tip_product(self) -> str:
        """Return the tip product; raises MappingError("tip", ...)."""
        return self._special("tip", self.tables.special.tip)

    def discount_product(self) -> str:
        """Return the discount product; raises MappingError("discount", ...)."""
        return self._special("discount", self.tables.special.discount)

    def _special(self, kind: str, code: str | None) -> str:
        if code is None:
            raise MappingError(kind, kind, f"no {kind} product is configured")
        return self._product(kind, code)

    def _product(self, kind: str, code: str) -> str:
        found = self.catalog.products_by_code([code]).get(code)
        if found is None:
            raise MappingError(kind, code, f"no Odoo product with code {code!r}")
        return str(found)

    # -- accounts and journals --------------------------------------------

    def rounding_account(self) -> str:
        """Return the rounding account id; raises MappingError("account", ...)."""
        return self._account("rounding", self.tables.accounts.rounding)

    def refund_adjustment_account(self) -> str:
        """Return the refund adjustment account; raises MappingError("account", ...)."""
        return self._account(
            "refund_adjustment", self.tables.accounts.refund_adjustment
        )

    def _account(self, name: str, code: str | None) -> str:
        if code is None:
            raise MappingError("account", name, f"no {name} account is configured")
        found = self.catalog.accounts_by_code([code]).get(code)
        if found is None:
            raise MappingError("account", name, f"no Odoo account with code {code!r}")
        return str(found)

    def journal_for(self, gateway: str, currency: str) -> str:
        """Return the journal id for payments of a gateway in a currency.

        Raises MappingError("journal", "gateway/currency").
        """
        key = f"{gateway}/{currency}"
        code = self.tables.journal_for(gateway, currency)
        if code is None:
            raise MappingError("journal", key)
        found = self.catalog.journals_by_code([code]).get(code)
        if found is None:
            raise MappingError("journal", key, f"no Odoo journal with code {code!r}")
        return str(found)

    # -- taxes ---------------------------------------------------------------

    def taxes_for(self, query: TaxQuery) -> tuple[TaxDefinition, ...]:
        """Return the ERP taxes of a storefront tax line (the most specific rule).

        Raises MappingError("tax", query.key) when no rule matches, a rule names a
        tax the ERP lacks, or a tax disagrees on whether prices include it.
        """
        rule = _best_rule(self.tables.taxes, query)
        if rule is None:
            raise MappingError("tax", query.key)
        by_name = dict(self.catalog.sale_taxes())
        taxes: list[TaxDefinition] = []
        for name in rule.taxes:
            tax = by_name.get(name)
            if tax is None:
                raise MappingError(
                    "tax", query.key, f"no Odoo sales tax named {name!r}"
                )
            if tax.amount_type != "group" and tax.price_include != query.price_include:
                raise MappingError(
                    "tax",
                    query.key,
                    f"Odoo tax {name!r} has price_include={tax.price_include}, "
                    f"the order's prices have {query.price_include}",
                )
            taxes.append(tax)
        return tuple(taxes)

    # -- customers -----------------------------------------------------------

    def partner_for(self, order: Order) -> str:
        """Return the partner id, `new:<key>` to find or create it, or the default.

        With the `create` policy no lookup happens here: the executor finds or
        creates the partners of a whole batch in two calls. The `park` and
        `default` policies look the customer up now. Raises
        MappingError("customer", email) when the policy parks unknown customers,
        or the default partner is missing.
        """
        customers = self.tables.customers
        query = partner_query(order, companies=customers.companies)
        if customers.unknown == "create" and query is not None:
            return f"{NEW_PARTNER}{query.external_key}"
        if query is not None:
            found = self.catalog.find_partner(query, match=customers.match)
            if found is not None:
                return str(found)
        if customers.unknown == "default" and customers.default_partner:
            default = PartnerQuery(
                email=customers.default_partner, name=customers.default_partner
            )
            found = self.catalog.find_partner(default, match=("email", "name"))
            if found is not None:
                return str(found)
            raise MappingError("customer", customers.default_partner)
        raise MappingError("customer", _customer_label(order, query))


def partner_query(order: Order, *, companies: bool = True) -> PartnerQuery | None:
    """Return how the order's customer (or B2B company) is found, or None (guest)."""
    customer = order.customer
    if customer is None:
        return None
    company = customer.company if companies else None
    if company is not None and (company.name or company.vat_id):
        ident = company.external_id or company.vat_id or company.name or ""
        return PartnerQuery(
            external_key=hub_key("company", order.source, _ident(ident)),
            vat=company.vat_id,
            name=company.name,
            is_company=True,
        )
    if not (customer.email or customer.external_id):
        return None
    ident = customer.external_id or customer.email or ""
    name = " ".join(p for p in (customer.first_name, customer.last_name) if p)
    return PartnerQuery(
        external_key=hub_key("customer", order.source, _ident(ident)),
        email=customer.email,
        name=name or customer.email,
    )


def _ident(value: str) -> str:
    try:
        return shopify_numeric_id(value)
    except ValueError:
        return value


def _customer_label(order: Order, query: PartnerQuery | None) -> str:
    if query is None:
        return f"guest order {order.number}"
    return query.email or query.vat or query.name or order.number


def _best_rule(rules: Iterable[TaxRule], query: TaxQuery) -> TaxRule | None:
    """The matching rule that pins down the most fields; the first among equals."""
    best: TaxRule | None = None
    for rule in rules:
        if _matches(rule, query) and (
            best is None or rule.specificity() > best.specificity()
        ):
            best = rule
    return best


def _matches(rule: TaxRule, query: TaxQuery) -> bool:
    checks = (
        rule.title is None or rule.title.casefold() == query.title.casefold(),
        rule.rate is None or _same_rate(rule.rate, query.rate),
        rule.country is None or rule.country == (query.country_code or "").upper(),
        rule.price_include is None or rule.price_include == query.price_include,
        rule.subject is None or rule.subject == query.subject,
    )
    return all(checks)


def _same_rate(a: Decimal, b: Decimal) -> bool:
    # Storefronts report 0.2, 0.20 or 0.200; the value is what counts.
    return a.compare(b) == 0
