"""Sandbox Shopify schema subset: cut `schema.graphql` out of Shopify's Admin SDL.

The sandbox executes GraphQL against a subset of Shopify's Admin schema: the same type
names, field names, arguments, defaults and nullability, only fewer of them, and no
descriptions. `FIELDS` names the object and interface fields kept; enums, scalars and
input objects they reference come along whole. Run
`python -m connectors.sandbox.shopify.schema_subset <admin.schema.graphql>` to rewrite
`schema.graphql` from the real SDL.
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    get_named_type,
    print_type,
    specified_scalar_types,
)

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")

_MONEY_BAG = ("shopMoney", "presentmentMoney")
_CONNECTION = ("edges", "nodes", "pageInfo")
_EDGE = ("cursor", "node")
_DISCOUNT = ("allocationMethod", "index", "targetSelection", "targetType", "value")

FIELDS: dict[str, tuple[str, ...]] = {
    "QueryRoot": (
        "orders",
        "order",
        "node",
        "nodes",
        "bulkOperation",
        "currentBulkOperation",
        "webhookSubscriptions",
    ),
    "Mutation": ("bulkOperationRunQuery", "webhookSubscriptionCreate"),
    "Node": ("id",),
    "Order": (
        "id",
        "legacyResourceId",
        "name",
        "createdAt",
        "updatedAt",
        "processedAt",
        "closedAt",
        "cancelledAt",
        "cancelReason",
        "currencyCode",
        "presentmentCurrencyCode",
        "taxesIncluded",
        "email",
        "phone",
        "note",
        "tags",
        "sourceName",
        "test",
        "confirmed",
        "closed",
        "poNumber",
        "customerLocale",
        "displayFinancialStatus",
        "displayFulfillmentStatus",
        "fullyPaid",
        "unpaid",
        "paymentGatewayNames",
        "customer",
        "purchasingEntity",
        "billingAddress",
        "shippingAddress",
        "lineItems",
        "shippingLines",
        "shippingLine",
        "discountApplications",
        "discountCodes",
        "discountCode",
        "taxLines",
        "totalPriceSet",
        "subtotalPriceSet",
        "totalDiscountsSet",
        "totalShippingPriceSet",
        "totalTaxSet",
        "totalTipReceivedSet",
        "originalTotalDutiesSet",
        "currentTotalDutiesSet",
        "currentTotalPriceSet",
        "currentSubtotalPriceSet",
        "currentTotalTaxSet",
        "currentTotalDiscountsSet",
        "currentShippingPriceSet",
        "totalRefundedSet",
        "totalReceivedSet",
        "totalOutstandingSet",
        "netPaymentSet",
        "totalCapturableSet",
        "totalWeight",
        "paymentTerms",
        "transactions",
        "refunds",
        "fulfillments",
        "risk",
    ),
    "OrderConnection": _CONNECTION,
    "OrderEdge": _EDGE,
    "PageInfo": ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor"),
    "MoneyBag": _MONEY_BAG,
    "MoneyV2": ("amount", "currencyCode"),
    "LineItem": (
        "id",
        "name",
        "title",
        "sku",
        "variantTitle",
        "vendor",
        "quantity",
        "currentQuantity",
        "unfulfilledQuantity",
        "refundableQuantity",
        "nonFulfillableQuantity",
        "originalUnitPriceSet",
        "discountedUnitPriceSet",
        "originalTotalSet",
        "discountedTotalSet",
        "totalDiscountSet",
        "discountAllocations",
        "taxLines",
        "taxable",
        "requiresShipping",
        "isGiftCard",
        "product",
        "variant",
        "duties",
    ),
    "LineItemConnection": _CONNECTION,
    "LineItemEdge": _EDGE,
    "Product": ("id", "title", "legacyResourceId"),
    "ProductVariant": ("id", "title", "sku", "legacyResourceId"),
    "Duty": ("id", "price", "taxLines", "harmonizedSystemCode", "countryCodeOfOrigin"),
    "TaxLine": (
        "title",
        "rate",
        "ratePercentage",
        "priceSet",
        "channelLiable",
        "source",
    ),
    "ShippingLine": (
        "id",
        "title",
        "code",
        "source",
        "carrierIdentifier",
        "isRemoved",
        "originalPriceSet",
        "discountedPriceSet",
        "currentDiscountedPriceSet",
        "taxLines",
        "discountAllocations",
    ),
    "ShippingLineConnection": _CONNECTION,
    "ShippingLineEdge": _EDGE,
    "DiscountAllocation": ("allocatedAmountSet", "discountApplication"),
    "DiscountApplication": _DISCOUNT,
    "DiscountApplicationConnection": _CONNECTION,
    "DiscountApplicationEdge": _EDGE,
    "DiscountCodeApplication": ("code",),
    "AutomaticDiscountApplication": ("title",),
    "ManualDiscountApplication": ("title", "description"),
    "ScriptDiscountApplication": ("title",),
    "PricingPercentageValue": ("percentage",),
    "Customer": (
        "id",
        "legacyResourceId",
        "firstName",
        "lastName",
        "displayName",
        "email",
        "phone",
        "defaultEmailAddress",
        "defaultPhoneNumber",
    ),
    "CustomerEmailAddress": ("emailAddress",),
    "CustomerPhoneNumber": ("phoneNumber",),
    "MailingAddress": (
        "id",
        "name",
        "firstName",
        "lastName",
        "company",
        "address1",
        "address2",
        "city",
        "province",
        "provinceCode",
        "zip",
        "country",
        "countryCodeV2",
        "phone",
    ),
    "PurchasingCompany": ("company", "location", "contact"),
    "Company": ("id", "name", "externalId"),
    "CompanyLocation": ("id", "name", "externalId"),
    "CompanyContact": ("id", "customer"),
    "PaymentTerms": (
        "id",
        "paymentTermsName",
        "paymentTermsType",
        "dueInDays",
        "overdue",
        "paymentSchedules",
    ),
    "PaymentScheduleConnection": _CONNECTION,
    "PaymentScheduleEdge": _EDGE,
    "PaymentSchedule": (
        "id",
        "issuedAt",
        "dueAt",
        "completedAt",
        "balanceDue",
        "totalBalance",
    ),
    "OrderTransaction": (
        "id",
        "kind",
        "status",
        "gateway",
        "formattedGateway",
        "amountSet",
        "createdAt",
        "processedAt",
        "parentTransaction",
        "authorizationCode",
        "paymentId",
        "test",
        "errorCode",
        "manualPaymentGateway",
    ),
    "OrderTransactionConnection": _CONNECTION,
    "OrderTransactionEdge": _EDGE,
    "Refund": (
        "id",
        "legacyResourceId",
        "createdAt",
        "updatedAt",
        "note",
        "totalRefundedSet",
        "refundLineItems",
        "refundShippingLines",
        "orderAdjustments",
        "transactions",
    ),
    "RefundLineItem": (
        "id",
        "lineItem",
        "quantity",
        "restockType",
        "restocked",
        "priceSet",
        "subtotalSet",
        "totalTaxSet",
    ),
    "RefundLineItemConnection": _CONNECTION,
    "RefundLineItemEdge": _EDGE,
    "RefundShippingLine": ("id", "shippingLine", "subtotalAmountSet", "taxAmountSet"),
    "RefundShippingLineConnection": _CONNECTION,
    "RefundShippingLineEdge": _EDGE,
    "OrderAdjustment": ("id", "amountSet", "taxAmountSet", "reason"),
    "OrderAdjustmentConnection": _CONNECTION,
    "OrderAdjustmentEdge": _EDGE,
    "Fulfillment": (
        "id",
        "name",
        "status",
        "createdAt",
        "updatedAt",
        "totalQuantity",
        "trackingInfo",
        "fulfillmentLineItems",
    ),
    "FulfillmentTrackingInfo": ("company", "number", "url"),
    "FulfillmentLineItem": ("id", "quantity", "lineItem"),
    "FulfillmentLineItemConnection": _CONNECTION,
    "FulfillmentLineItemEdge": _EDGE,
    "OrderRiskSummary": ("recommendation", "assessments"),
    "OrderRiskAssessment": ("riskLevel", "facts"),
    "RiskFact": ("description", "sentiment"),
    "BulkOperation": (
        "id",
        "status",
        "errorCode",
        "createdAt",
        "completedAt",
        "objectCount",
        "rootObjectCount",
        "fileSize",
        "url",
        "partialDataUrl",
        "query",
        "type",
    ),
    "BulkOperationRunQueryPayload": ("bulkOperation", "userErrors"),
    "BulkOperationUserError": ("field", "message", "code"),
    "WebhookSubscription": (
        "id",
        "topic",
        "uri",
        "format",
        "filter",
        "includeFields",
        "createdAt",
        "updatedAt",
    ),
    "WebhookSubscriptionConnection": _CONNECTION,
    "WebhookSubscriptionEdge": _EDGE,
    "WebhookSubscriptionCreatePayload": ("webhookSubscription", "userErrors"),
    "UserError": ("field", "message"),
}


_BUILT_IN = set(specified_scalar_types)


class SubsetError(ValueError):
    """The allowlist names a field the real schema lacks or misses a referenced type."""


def subset_sdl(real_sdl: str | GraphQLSchema) -> str:
    """Return the SDL of the subset of the real schema (SDL text or built) in `FIELDS`.

    Raises SubsetError when a listed field does not exist in the real schema or a kept
    field returns an object type that is not listed.
    """
    real = build_schema(real_sdl) if isinstance(real_sdl, str) else real_sdl
    kept: dict[str, GraphQLNamedType] = {}
    pending = list(FIELDS)
    while pending:
        name = pending.pop()
        if name in kept or name in _BUILT_IN:
            continue
        kept[name] = _cut(real, name, pending)
    parts = [print_type(kept[name]) for name in sorted(kept)]
    parts.append("schema {\n  query: QueryRoot\n  mutation: Mutation\n}")
    return "\n\n".join(parts) + "\n"


def _cut(real: GraphQLSchema, name: str, pending: list[str]) -> GraphQLNamedType:
    source = real.type_map.get(name)
    if source is None:
        raise SubsetError(f"the real schema has no type {name}")
    if isinstance(source, GraphQLObjectType | GraphQLInterfaceType):
        return _cut_fields(source, pending)
    if isinstance(source, GraphQLUnionType):
        members = [t for t in source.types if t.name in FIELDS]
        if not members:
            raise SubsetError(f"union {name} has no listed member")
        return GraphQLUnionType(name, types=members)
    if isinstance(source, GraphQLEnumType):
        values = {key: GraphQLEnumValue(v.value) for key, v in source.values.items()}
        return GraphQLEnumType(name, values=values)
    if isinstance(source, GraphQLInputObjectType):
        fields = {}
        for key, field in source.fields.items():
            pending.append(get_named_type(field.type).name)
            fields[key] = GraphQLInputField(
                field.type, default_value=field.default_value
            )
        return GraphQLInputObjectType(name, fields=fields)
    assert isinstance(source, GraphQLScalarType)
    return GraphQLScalarType(name)


def _cut_fields(
    source: GraphQLObjectType | GraphQLInterfaceType, pending: list[str]
) -> GraphQLObjectType | GraphQLInterfaceType:
    interfaces = [i for i in source.interfaces if i.name in FIELDS]
    wanted = set(FIELDS.get(source.name, ()))
    for interface in interfaces:
        wanted.update(FIELDS[interface.name])
    fields = {}
    for key in sorted(wanted):
        field = source.fields.get(key)
        if field is None:
            raise SubsetError(f"the real schema has no field {source.name}.{key}")
        fields[key] = _field(source.name, key, field, pending)
    if isinstance(source, GraphQLObjectType):
        return GraphQLObjectType(source.name, fields=fields, interfaces=interfaces)
    return GraphQLInterfaceType(source.name, fields=fields, interfaces=interfaces)


def _field(
    owner: str, key: str, field: GraphQLField, pending: list[str]
) -> GraphQLField:
    target = get_named_type(field.type)
    if (
        isinstance(target, GraphQLObjectType | GraphQLInterfaceType)
        and target.name not in FIELDS
    ):
        raise SubsetError(f"{owner}.{key} returns {target.name}, which is not listed")
    pending.append(target.name)
    args = {}
    for arg_name, arg in field.args.items():
        pending.append(get_named_type(arg.type).name)
        args[arg_name] = GraphQLArgument(arg.type, default_value=arg.default_value)
    return GraphQLField(field.type, args=args)


def main(argv: list[str] | None = None) -> int:
    """Rewrite `schema.graphql` from the real SDL named on the command line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m connectors.sandbox.shopify.schema_subset ADMIN.graphql")
        return 2
    SCHEMA_PATH.write_text(subset_sdl(Path(args[0]).read_text(encoding="utf-8")))
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
