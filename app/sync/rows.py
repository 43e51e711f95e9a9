"""Canonical records → fact-table rows, and which table and key each record kind upserts into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.models import AffiliateCommission, Order, Return, Settlement
from app.models.base import Base
from connectors.core.records import (
    AffiliateCommissionRecord,
    OrderRecord,
    Record,
    ReturnRecord,
    SettlementRecord,
)


@dataclass(frozen=True)
class Target:
    model: type[Base]
    key: tuple[str, ...]


TARGETS: dict[type[Any], Target] = {
    OrderRecord: Target(Order, ("connection_id", "external_id")),
    SettlementRecord: Target(Settlement, ("connection_id", "external_id")),
    AffiliateCommissionRecord: Target(
        AffiliateCommission, ("connection_id", "role", "external_id")
    ),
    ReturnRecord: Target(Return, ("connection_id", "external_id")),
}


def to_row(
    record: Record, *, connection_id: str, borrower_id: str, seen_at: datetime
) -> dict[str, Any]:
    common = {
        "connection_id": connection_id,
        "borrower_id": borrower_id,
        "platform": record.platform.value,
        "currency": record.currency,
        "first_seen_at": seen_at,
        "last_seen_at": seen_at,
    }
    match record:
        case OrderRecord():
            return common | {
                "external_id": record.order_id,
                "created_at": record.created_at,
                "updated_at": record.updated_at,
                "status": record.status.value,
                "platform_status": record.platform_status,
                "total_amount": record.total_amount,
                "subtotal_amount": record.subtotal_amount,
                "shipping_amount": record.shipping_amount,
                "tax_amount": record.tax_amount,
                "item_count": record.item_count,
                "paid_at": record.paid_at,
                "delivered_at": record.delivered_at,
                "cancelled_at": record.cancelled_at,
                "cancellation_initiator": record.cancellation_initiator,
                "is_sample": record.is_sample,
                "fulfillment_type": record.fulfillment_type,
                "fulfillment_status": record.fulfillment_status,
                "buyer_ref": record.buyer_ref,
            }
        case SettlementRecord():
            return common | {
                "external_id": record.statement_id,
                "statement_time": record.statement_time,
                "settlement_amount": record.settlement_amount,
                "revenue_amount": record.revenue_amount,
                "fee_amount": record.fee_amount,
                "adjustment_amount": record.adjustment_amount,
                "shipping_cost_amount": record.shipping_cost_amount,
                "payment_status": record.payment_status,
                "payment_id": record.payment_id,
            }
        case AffiliateCommissionRecord():
            return common | {
                "external_id": record.order_id,
                "role": record.role.value,
                "created_at": record.created_at,
                "delivered_at": record.delivered_at,
                "status": record.status,
                "gross_amount": record.gross_amount,
                "estimated_commission": record.estimated_commission,
                "actual_commission": record.actual_commission,
                "settled": record.settled,
            }
        case ReturnRecord():
            return common | {
                "external_id": record.return_id,
                "order_external_id": record.order_id,
                "return_type": record.return_type,
                "status": record.status,
                "created_at": record.created_at,
                "updated_at": record.updated_at,
                "refund_amount": record.refund_amount,
            }
    raise TypeError(f"no table for {type(record).__name__}")
