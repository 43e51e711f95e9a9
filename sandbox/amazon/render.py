"""Wire shapes of the Amazon models: v0 and v2026-01-01 orders, 2024-06-19 transactions, v0
financial event groups and events. Money types follow reference 3-4: v0 order Amount and v2026
amount are strings, v0 finance CurrencyAmount and 2024-06-19 currencyAmount are numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sandbox.amazon.data import EventGroup, Order, Transaction
from sandbox.amazon.personas import MARKETPLACES
from sandbox.money import fmt

V2026_STATUS = {
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "Shipped": "SHIPPED",
    "Canceled": "CANCELLED",
}


def iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(amount: Decimal) -> float | int:
    # The finance models declare BigDecimal as a JSON number; whole amounts stay integers.
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def order_v0(o: Order) -> dict[str, Any]:
    shipped = o.status == "Shipped"
    quantity = sum(i.quantity for i in o.items)
    body: dict[str, Any] = {
        "AmazonOrderId": o.id,
        "SellerOrderId": o.seller_order_id,
        "PurchaseDate": iso(o.created),
        "LastUpdateDate": iso(o.updated),
        "OrderStatus": o.status,
        "FulfillmentChannel": o.channel,
        "SalesChannel": MARKETPLACES[o.marketplace].name,
        "ShipServiceLevel": "Std Dom",
        "NumberOfItemsShipped": quantity if shipped else 0,
        "NumberOfItemsUnshipped": 0 if shipped or o.status == "Canceled" else quantity,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": o.marketplace,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "EarliestShipDate": iso(o.created + 86400),
        "LatestShipDate": iso(o.created + 2 * 86400),
        "IsBusinessOrder": o.business,
        "IsPrime": o.prime,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsIBA": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "BuyerInfo": {"BuyerEmail": o.buyer_email, "BuyerName": o.buyer_name},
        "ShippingAddress": {
            "Name": o.ship_to.name,
            "AddressLine1": o.ship_to.line1,
            "City": o.ship_to.city,
            "StateOrRegion": o.ship_to.state,
            "PostalCode": o.ship_to.postal,
            "CountryCode": o.ship_to.country,
            "AddressType": "Residential",
        },
    }
    # Reference 3a: a Pending order carries no OrderTotal.
    if o.status != "Pending":
        body["OrderTotal"] = {"CurrencyCode": o.currency, "Amount": fmt(o.total, o.currency)}
    return body


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": fmt(amount, currency), "currencyCode": currency}


def order_v2026(o: Order, included: frozenset[str]) -> dict[str, Any]:
    market = MARKETPLACES[o.marketplace]
    shipped = o.status == "Shipped"
    items = []
    for i in o.items:
        item: dict[str, Any] = {
            "orderItemId": i.item_id,
            "quantityOrdered": i.quantity,
            "product": {
                "asin": i.asin,
                "title": i.title,
                "sellerSku": i.sku,
                "price": {"unitPrice": _money(i.unit_price, o.currency)},
            },
        }
        if "PROCEEDS" in included and o.status != "Pending":
            item["proceeds"] = {"proceedsTotal": _money(i.unit_price * i.quantity, o.currency)}
        if "FULFILLMENT" in included:
            item["fulfillment"] = {
                "quantityFulfilled": i.quantity if shipped else 0,
                "quantityUnfulfilled": 0 if shipped else i.quantity,
            }
        items.append(item)
    body: dict[str, Any] = {
        "orderId": o.id,
        "orderAliases": [{"aliasId": o.seller_order_id, "aliasType": "SELLER_ORDER_ID"}],
        "createdTime": iso(o.created),
        "lastUpdatedTime": iso(o.updated),
        "programs": (["PRIME"] if o.prime else []) + (["AMAZON_BUSINESS"] if o.business else []),
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": o.marketplace,
            "marketplaceName": market.name,
        },
        "orderItems": items,
    }
    if "BUYER" in included:
        body["buyer"] = {"buyerName": o.buyer_name, "buyerEmail": o.buyer_email}
    if "RECIPIENT" in included:
        body["recipient"] = {
            "deliveryAddress": {
                "name": o.ship_to.name,
                "addressLine1": o.ship_to.line1,
                "city": o.ship_to.city,
                "stateOrRegion": o.ship_to.state,
                "postalCode": o.ship_to.postal,
                "countryCode": o.ship_to.country,
                "addressType": "RESIDENTIAL",
            }
        }
    if "PROCEEDS" in included and o.status != "Pending":
        body["proceeds"] = {"grandTotal": _money(o.total, o.currency)}
    if "FULFILLMENT" in included:
        body["fulfillment"] = {
            "fulfillmentStatus": V2026_STATUS[o.status],
            "fulfilledBy": "AMAZON" if o.channel == "AFN" else "MERCHANT",
            "fulfillmentServiceLevel": "STANDARD",
        }
    return body


def _currency(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"currencyCode": currency, "currencyAmount": _number(amount)}


def transaction(t: Transaction, seller: str) -> dict[str, Any]:
    market = MARKETPLACES[t.marketplace]
    refund = t.kind == "Refund"
    return {
        "sellingPartnerMetadata": {
            "sellingPartnerId": seller,
            "accountType": "PAYABLE",
            "marketplaceId": t.marketplace,
        },
        "relatedIdentifiers": [
            {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": t.order_id},
            {
                "relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID",
                "relatedIdentifierValue": t.group_id,
            },
        ],
        "transactionType": t.kind,
        "transactionId": t.id,
        "transactionStatus": "RELEASED",
        "description": "Refund Order" if refund else "Order Payment",
        "postedDate": iso(t.posted),
        "totalAmount": _currency(t.amount, t.currency),
        "marketplaceDetails": {"marketplaceId": t.marketplace, "marketplaceName": market.name},
        "breakdowns": [
            {"breakdownType": "Sales", "breakdownAmount": _currency(t.principal, t.currency),
             "breakdowns": [{"breakdownType": "ProductCharges",
                             "breakdownAmount": _currency(t.principal, t.currency)}]},
            {"breakdownType": "Expenses", "breakdownAmount": _currency(t.fee, t.currency),
             "breakdowns": [{"breakdownType": "AmazonFees",
                             "breakdownAmount": _currency(t.fee, t.currency)}]},
        ],
    }  # fmt: skip


def _v0_currency(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"CurrencyCode": currency, "CurrencyAmount": _number(amount)}


def event_group(g: EventGroup) -> dict[str, Any]:
    body: dict[str, Any] = {
        "FinancialEventGroupId": g.id,
        "ProcessingStatus": "Closed" if g.closed else "Open",
        "FundTransferStatus": "Succeeded" if g.closed else "Processing",
        "OriginalTotal": _v0_currency(g.total, g.currency),
        "ConvertedTotal": _v0_currency(g.total, g.currency),
        "BeginningBalance": _v0_currency(Decimal(0), g.currency),
        "FinancialEventGroupStart": iso(g.start),
    }
    if g.closed:
        body["FinancialEventGroupEnd"] = iso(g.end)
        body["FundTransferDate"] = iso(g.end + 86400)
        body["TraceId"] = f"TR{g.id}"
        body["AccountTail"] = "042"
    return body


def shipment_event(t: Transaction) -> dict[str, Any]:
    refund = t.kind == "Refund"
    charges = "ItemChargeAdjustmentList" if refund else "ItemChargeList"
    fees = "ItemFeeAdjustmentList" if refund else "ItemFeeList"
    item_key = "ShipmentItemAdjustmentList" if refund else "ShipmentItemList"
    return {
        "AmazonOrderId": t.order_id,
        "SellerOrderId": t.order.seller_order_id,
        "MarketplaceName": MARKETPLACES[t.marketplace].name,
        "PostedDate": iso(t.posted),
        item_key: [
            {
                "SellerSKU": "SBX-ORDER",
                "QuantityShipped": sum(i.quantity for i in t.order.items),
                charges: [{"ChargeType": "Principal",
                           "ChargeAmount": _v0_currency(t.principal, t.currency)}],
                fees: [{"FeeType": "Commission", "FeeAmount": _v0_currency(t.fee, t.currency)}],
            }
        ],
    }  # fmt: skip
