"""The GraphQL documents the Shopify connector sends (Admin API, valid for 2026-01).

Selections are composed from plain strings rather than GraphQL fragments so that
the same text can go inside a bulk operation, whose query runs without variables.
Connections are read through `nodes` with `pageInfo`; the bulk join rebuilds that
shape from the JSONL lines so both paths hand the parser one dict shape.
"""

from __future__ import annotations

# Page sizes, chosen so each query's requested cost stays well under Shopify's
# 1,000-point limit. Beyond them an order is paged (line items) or refused as
# truncated (the rest), never silently cut.
LINE_ITEMS_PAGE = 20
SHIPPING_LINES_MAX = 5
DISCOUNT_APPLICATIONS_MAX = 10
REFUNDS_MAX = 50
REFUND_LINES_MAX = 50
REFUND_PARTS_MAX = 10
FULFILLMENTS_MAX = 50
FULFILLMENT_LINES_MAX = 100
TRACKING_NUMBERS_MAX = 10
ORDER_TRANSACTIONS_MAX = 30

MONEY_BAG = (
    "{ shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }"
)
TAX_LINES = (
    f"taxLines {{ title rate ratePercentage channelLiable priceSet {MONEY_BAG} }}"
)
ALLOCATIONS = (
    f"discountAllocations {{ allocatedAmountSet {MONEY_BAG} "
    "discountApplication { index } }"
)
ADDRESS = "{ name company address1 address2 city provinceCode zip countryCodeV2 phone }"
PAGE_INFO = "pageInfo { hasNextPage endCursor }"

LINE_ITEM = f"""
    __typename id sku title variantTitle quantity taxable requiresShipping isGiftCard
    product {{ id }} variant {{ id }}
    originalUnitPriceSet {MONEY_BAG}
    {ALLOCATIONS}
    {TAX_LINES}
    duties {{ id price {MONEY_BAG} {TAX_LINES} }}
"""

SHIPPING_LINE = f"""
    __typename id title code originalPriceSet {MONEY_BAG}
    {ALLOCATIONS}
    {TAX_LINES}
"""

DISCOUNT_APPLICATION = """
    __typename index allocationMethod targetSelection targetType
    value {
        __typename
        ... on MoneyV2 { amount currencyCode }
        ... on PricingPercentageValue { percentage }
    }
    ... on DiscountCodeApplication { code }
    ... on ManualDiscountApplication { title }
    ... on AutomaticDiscountApplication { title }
    ... on ScriptDiscountApplication { title }
"""

TRANSACTION = f"""
    id gateway kind status createdAt authorizationCode paymentId
    parentTransaction {{ id }}
    amountSet {MONEY_BAG}
"""

# The order's transactions: a plain list (no paging), read with one more than the
# limit so that an order beyond it is refused rather than read in part. It holds
# no connection, so the bulk query selects it too (without the limit).
ORDER_TRANSACTIONS = (
    f"transactions(first: {ORDER_TRANSACTIONS_MAX + 1}) {{ {TRANSACTION} }}"
)

# The order's own fields: everything but the connections, shared by every query.
ORDER_SCALARS = f"""
    __typename id name createdAt updatedAt currencyCode presentmentCurrencyCode
    taxesIncluded email displayFinancialStatus displayFulfillmentStatus
    cancelledAt cancelReason sourceName tags
    customer {{
        id firstName lastName
        defaultEmailAddress {{ emailAddress }}
        defaultPhoneNumber {{ phoneNumber }}
    }}
    purchasingEntity {{
        __typename
        ... on PurchasingCompany {{ company {{ id }} location {{ id }} }}
    }}
    billingAddress {ADDRESS}
    shippingAddress {ADDRESS}
    subtotalPriceSet {MONEY_BAG}
    totalDiscountsSet {MONEY_BAG}
    totalShippingPriceSet {MONEY_BAG}
    totalTaxSet {MONEY_BAG}
    originalTotalDutiesSet {MONEY_BAG}
    totalTipReceivedSet {MONEY_BAG}
    totalPriceSet {MONEY_BAG}
"""

# Payment terms hold a connection (schedules); bulk selects only their id.
PAYMENT_TERMS = """
    paymentTerms {
        paymentTermsName paymentTermsType dueInDays
        paymentSchedules(first: 1) { nodes { dueAt } }
    }
"""

# Refunds and fulfillments are plain lists holding connections. Read in full
# inside the order they would cost more than Shopify's 1,000-point limit for one
# query, and a bulk operation cannot select them at all; so the order lists their
# ids, and `details.read_nodes` reads them by id, many in one query.
REFUND_IDS = f"refunds(first: {REFUNDS_MAX + 1}) {{ id }}"
FULFILLMENT_IDS = f"fulfillments(first: {FULFILLMENTS_MAX + 1}) {{ id }}"

# The items of the connections inside a refund and a fulfillment, by connection.
REFUND_ITEMS = {
    "refundLineItems": (
        f"quantity restockType lineItem {{ id }} subtotalSet {MONEY_BAG} "
        f"totalTaxSet {MONEY_BAG}"
    ),
    "refundShippingLines": f"subtotalAmountSet {MONEY_BAG}",
    "orderAdjustments": f"reason amountSet {MONEY_BAG} taxAmountSet {MONEY_BAG}",
    "transactions": TRANSACTION,
}
FULFILLMENT_ITEMS = {"fulfillmentLineItems": "quantity lineItem { id }"}

# Page sizes when the further pages of a refund's or fulfillment's connections are read.
REFUND_PAGES = {
    "refundLineItems": REFUND_LINES_MAX,
    "refundShippingLines": REFUND_PARTS_MAX,
    "orderAdjustments": REFUND_PARTS_MAX,
    "transactions": REFUND_PARTS_MAX,
}
FULFILLMENT_PAGES = {"fulfillmentLineItems": FULFILLMENT_LINES_MAX}


def connection(name: str, items: str, first: int, *, after: str = "") -> str:
    """Return a connection's selection: its nodes and page info."""
    argument = f"first: {first}, after: {after}" if after else f"first: {first}"
    return f"{name}({argument}) {{ nodes {{ {items} }} {PAGE_INFO} }}"


def refund_selection(pages: dict[str, int]) -> str:
    """Return a refund's selection with the given page size per connection."""
    parts = [connection(name, REFUND_ITEMS[name], pages[name]) for name in REFUND_ITEMS]
    return "id createdAt note " + " ".join(parts)


def fulfillment_selection(pages: dict[str, int]) -> str:
    """Return a fulfillment's selection with the given page size per connection."""
    lines = connection(
        "fulfillmentLineItems",
        FULFILLMENT_ITEMS["fulfillmentLineItems"],
        pages["fulfillmentLineItems"],
    )
    return (
        f"id status createdAt trackingInfo(first: {TRACKING_NUMBERS_MAX}) "
        f"{{ number }} {lines}"
    )


ORDER_CONNECTIONS = f"""
    lineItems(first: {LINE_ITEMS_PAGE}) {{ nodes {{ {LINE_ITEM} }} {PAGE_INFO} }}
    shippingLines(first: {SHIPPING_LINES_MAX}) {{
        nodes {{ {SHIPPING_LINE} }} {PAGE_INFO}
    }}
    discountApplications(first: {DISCOUNT_APPLICATIONS_MAX}) {{
        nodes {{ {DISCOUNT_APPLICATION} }} {PAGE_INFO}
    }}
"""

# What ORDER_BY_ID selects. `orders.fetch_order` then replaces the refund and
# fulfillment ids with the full objects, giving the shape the parser reads.
ORDER_NODE = (
    ORDER_SCALARS
    + ORDER_TRANSACTIONS
    + PAYMENT_TERMS
    + ORDER_CONNECTIONS
    + REFUND_IDS
    + FULFILLMENT_IDS
)

ORDER_BY_ID = f"""
query OrderById($id: ID!) {{
    order(id: $id) {{ {ORDER_NODE} }}
}}
"""

ORDER_LINE_ITEMS_PAGE = f"""
query OrderLineItems($id: ID!, $after: String) {{
    order(id: $id) {{
        id
        lineItems(first: {LINE_ITEMS_PAGE}, after: $after) {{
            nodes {{ {LINE_ITEM} }} {PAGE_INFO}
        }}
    }}
}}
"""

# Cheap listing for the polling safety net; each order is then read by id.
ORDERS_UPDATED = f"""
query OrdersUpdated($first: Int!, $after: String, $query: String) {{
    orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
        nodes {{ id updatedAt }}
        {PAGE_INFO}
    }}
}}
"""

# Webhook subscriptions: the hub points a shop's order topics at its endpoint.
WEBHOOK_SUBSCRIPTION = "id topic uri format createdAt"

WEBHOOK_SUBSCRIPTIONS = f"""
query WebhookSubscriptions($first: Int!, $after: String) {{
    webhookSubscriptions(first: $first, after: $after) {{
        nodes {{ {WEBHOOK_SUBSCRIPTION} }}
        {PAGE_INFO}
    }}
}}
"""

WEBHOOK_SUBSCRIPTION_CREATE = f"""
mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $uri: String!) {{
    webhookSubscriptionCreate(
        topic: $topic, webhookSubscription: {{ uri: $uri, format: JSON }}
    ) {{
        webhookSubscription {{ {WEBHOOK_SUBSCRIPTION} }}
        userErrors {{ field message }}
    }}
}}
"""

BULK_RUN_QUERY = """
mutation BulkOrders($query: String!) {
    bulkOperationRunQuery(query: $query, groupObjects: true) {
        bulkOperation { id status }
        userErrors { field message code }
    }
}
"""

BULK_OPERATION_FIELDS = """
    id status errorCode objectCount rootObjectCount url partialDataUrl
"""

BULK_OPERATION = f"""
query BulkOperation($id: ID!) {{
    bulkOperation(id: $id) {{ {BULK_OPERATION_FIELDS} }}
}}
"""

CURRENT_BULK_OPERATION = f"""
query CurrentBulkOperation {{
    currentBulkOperation(type: QUERY) {{ {BULK_OPERATION_FIELDS} }}
}}
"""


def bulk_orders_query(search: str | None) -> str:
    """Return the bulk query for orders.

    It selects the order's own fields and transactions (all of them: bulk takes no
    paging arguments), line items, shipping lines and discount applications, and
    only the ids of payment terms, refunds and fulfillments (to know which orders
    need their details read).

    `search` is Shopify's order search syntax (`updated_at:>=...`), or None.
    """
    argument = (
        f"(query: {_graphql_string(search)}, sortKey: UPDATED_AT)" if search else ""
    )
    return f"""
{{
    orders{argument} {{
        edges {{ node {{
            {ORDER_SCALARS}
            transactions {{ {TRANSACTION} }}
            lineItems {{ edges {{ node {{ {LINE_ITEM} }} }} }}
            shippingLines {{ edges {{ node {{ {SHIPPING_LINE} }} }} }}
            discountApplications {{ edges {{ node {{ {DISCOUNT_APPLICATION} }} }} }}
            paymentTerms {{ id }}
            refunds {{ id }}
            fulfillments {{ id }}
        }} }}
    }}
}}
"""


def _graphql_string(text: str) -> str:
    """Quote text as a GraphQL string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
