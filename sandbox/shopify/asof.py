"""A Shopify store as it was at an instant.

The generator keeps the time of every change on the order: creation, cancellation, fulfilment
and each refund; ``updated_at`` is the last of them plus a little processing delay. The state at
``cut`` applies the changes made before it, one by one: each earlier version carries its last
change's time as ``updated_at``, the final version (reached at ``updated_at``) is the generated
order itself. Customers exist from their first order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from decimal import Decimal

from sandbox.asof import happened
from sandbox.shopify.data import ZERO, Order, Refund, ShopifyData, dataset

PENDING = ("pending", "voided")


def _financial(
    order: Order, refunds: tuple[Refund, ...], refunded: Decimal, cancelled: bool
) -> str:
    if order.financial_status in PENDING:
        return "voided" if cancelled else "pending"
    if refunds and refunded >= order.total:
        return "refunded"
    return "partially_refunded" if refunds else "paid"


def order_at(order: Order, cut: int) -> Order | None:
    """The order as it was at ``cut``, or None before it was placed."""
    if not happened(order.created_at, cut):
        return None
    if happened(order.updated_at, cut):
        return order
    cancelled = happened(order.cancelled_at, cut)
    fulfilled = happened(order.fulfilled_at, cut)
    refunds = tuple(r for r in order.refunds if happened(r.created_at, cut))
    refunded = sum((r.amount for r in refunds), ZERO)
    changes = [order.created_at, *(r.created_at for r in refunds)]
    if cancelled and order.cancelled_at is not None:
        changes.append(order.cancelled_at)
    if fulfilled and order.fulfilled_at is not None:
        changes.append(order.fulfilled_at)
    closed_at = None
    if order.closed_at is not None and happened(order.closed_at, cut):
        closed_at = order.closed_at
    return dataclasses.replace(
        order,
        updated_at=max(changes),
        cancelled_at=order.cancelled_at if cancelled else None,
        cancel_reason=order.cancel_reason if cancelled else None,
        fulfilled_at=order.fulfilled_at if fulfilled else None,
        fulfillment_status=order.fulfillment_status if fulfilled else None,
        closed_at=closed_at,
        refunds=refunds,
        financial_status=_financial(order, refunds, refunded, cancelled),
    )


@functools.lru_cache(maxsize=64)
def _settled(seed: int, anchor: dt.date, persona_id: str, history_days: int) -> int:
    data = dataset(seed, anchor, persona_id, history_days)
    moments = [0, *(o.updated_at for o in data.orders), *(c.created_at for c in data.customers)]
    return max(moments) + 1


@functools.lru_cache(maxsize=256)
def dataset_at(
    seed: int, anchor: dt.date, persona_id: str, history_days: int, cut: int
) -> ShopifyData:
    """The store as it was at ``cut`` (unix seconds); KeyError for an unknown persona."""
    data = dataset(seed, anchor, persona_id, history_days)
    if cut >= _settled(seed, anchor, persona_id, history_days):
        return data
    orders = tuple(o for o in (order_at(o, cut) for o in data.orders) if o is not None)
    customers = tuple(c for c in data.customers if happened(c.created_at, cut))
    return dataclasses.replace(data, orders=orders, customers=customers)
