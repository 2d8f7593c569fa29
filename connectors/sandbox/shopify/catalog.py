"""Sandbox Shopify catalogue and reference data: products, tax regimes, people, places.

Fixed tables the order generator draws from. Tax rates are plausible public rates but
the sandbox does not claim they are current law; they only give the arithmetic variety
(one or two taxes per line, standard and reduced rates, taxed or untaxed shipping).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    title: str
    sku_stem: str
    usd_price: Decimal
    grams: int
    variants: tuple[str, ...]  # variant titles; empty means a single default variant
    reduced_rate: bool = False  # books and food pay the reduced rate where one exists
    requires_shipping: bool = True


@dataclass(frozen=True, slots=True)
class TaxRegime:
    """The taxes of one ship-to region: standard and reduced rates, taxed shipping."""

    country: str
    country_code: str
    province: str | None
    province_code: str | None
    city: str
    zip: str
    standard: tuple[tuple[str, Decimal], ...]
    reduced: tuple[tuple[str, Decimal], ...]
    shipping_taxed: bool
    prices_include_tax: bool  # the usual habit there; the generator still mixes both


def _rates(*pairs: tuple[str, str]) -> tuple[tuple[str, Decimal], ...]:
    return tuple((title, Decimal(rate)) for title, rate in pairs)


PRODUCTS: tuple[Product, ...] = (
    Product(
        7001, "Aviator sunglasses", "SUN-AVI", Decimal("89.99"), 100, ("Gold", "Black")
    ),
    Product(
        7002, "Linen shirt", "SHIRT-LIN", Decimal("54.50"), 300, ("S", "M", "L", "XL")
    ),
    Product(7003, "Coffee table", "TBL-COF", Decimal("249.00"), 12000, ()),
    Product(
        7004, "Field notes", "BOOK-FN", Decimal("12.95"), 200, (), reduced_rate=True
    ),
    Product(7005, "Espresso beans 1kg", "FOOD-ESP", Decimal("31.40"), 1000, (), True),
    Product(7006, "Wool scarf", "SCARF-WL", Decimal("39.00"), 150, ("Grey", "Navy")),
    Product(7007, "Desk lamp", "LAMP-DSK", Decimal("76.25"), 1800, ("White", "Brass")),
    Product(7008, "Gift wrapping", "SRV-WRAP", Decimal("4.99"), 0, (), False, False),
    Product(7009, "Ceramic mug", "MUG-CER", Decimal("16.00"), 350, ("Sand", "Moss")),
    Product(7010, "Leather wallet", "WAL-LEA", Decimal("64.90"), 120, ()),
    Product(7011, "Cookbook", "BOOK-CK", Decimal("28.00"), 900, (), reduced_rate=True),
    Product(
        7012, "Running shoes", "SHOE-RUN", Decimal("129.95"), 700, ("40", "42", "44")
    ),
)

TAX_REGIMES: tuple[TaxRegime, ...] = (
    TaxRegime(
        "Germany",
        "DE",
        None,
        None,
        "Berlin",
        "10115",
        _rates(("DE MwSt", "0.19")),
        _rates(("DE MwSt", "0.07")),
        True,
        True,
    ),
    TaxRegime(
        "France",
        "FR",
        None,
        None,
        "Lyon",
        "69002",
        _rates(("FR TVA", "0.2")),
        _rates(("FR TVA", "0.055")),
        True,
        True,
    ),
    TaxRegime(
        "United Kingdom",
        "GB",
        None,
        None,
        "Leeds",
        "LS1 4AP",
        _rates(("GB VAT", "0.2")),
        _rates(("GB VAT", "0")),
        True,
        True,
    ),
    TaxRegime(
        "United States",
        "US",
        "New York",
        "NY",
        "Brooklyn",
        "11201",
        _rates(("New York State Tax", "0.04"), ("New York City Tax", "0.04875")),
        _rates(("New York State Tax", "0.04"), ("New York City Tax", "0.04875")),
        True,
        False,
    ),
    TaxRegime(
        "United States",
        "US",
        "Kentucky",
        "KY",
        "Louisville",
        "40202",
        _rates(("Kentucky State Tax", "0.06")),
        _rates(("Kentucky State Tax", "0.06")),
        False,
        False,
    ),
    TaxRegime(
        "Canada",
        "CA",
        "British Columbia",
        "BC",
        "Vancouver",
        "V6B 1A1",
        _rates(("GST", "0.05"), ("BC PST", "0.07")),
        _rates(("GST", "0.05")),
        False,
        False,
    ),
    TaxRegime(
        "Japan",
        "JP",
        "Tokyo",
        "JP-13",
        "Shibuya",
        "150-0002",
        _rates(("JP Consumption Tax", "0.1")),
        _rates(("JP Consumption Tax", "0.08")),
        True,
        True,
    ),
    TaxRegime(
        "Kuwait",
        "KW",
        None,
        None,
        "Kuwait City",
        "13001",
        (),
        (),
        False,
        False,
    ),
)

SHIPPING_RATES: tuple[tuple[str, str, Decimal], ...] = (
    ("Standard", "STANDARD", Decimal("4.90")),
    ("Express", "EXPRESS", Decimal("12.00")),
    ("Free shipping", "FREE", Decimal("0")),
    ("Freight", "FREIGHT", Decimal("45.00")),
)

FIRST_NAMES = (
    "Ada",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Emeka",
    "Fatima",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Keiko",
    "Liam",
    "Mona",
    "Nadia",
    "Omar",
    "Priya",
)
LAST_NAMES = (
    "Almeida",
    "Becker",
    "Chen",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
)
STREETS = (
    "Market Street",
    "Lindenallee",
    "Rue de la Paix",
    "Elm Road",
    "Harbour Way",
    "Kirschweg",
    "Maple Avenue",
    "Station Road",
)
COMPANIES = (
    "Northwind Traders",
    "Acme Hospitality",
    "Blue Harbor Hotels",
    "Kestrel Offices",
    "Fjord Design Studio",
    "Orchard Cafés",
)
GATEWAYS = ("shopify_payments", "paypal", "stripe")
CARRIERS = ("DHL Express", "UPS", "Royal Mail", "Yamato", "Canada Post")
CANCEL_REASONS = ("customer", "inventory", "declined", "other")
PAYMENT_TERMS = (("Net 15", 15), ("Net 30", 30), ("Net 60", 60))
