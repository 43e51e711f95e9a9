"""TikTok Shop data as they were at an instant: orders, returns, statements and affiliate orders.

The generator builds each record in its final state and keeps the time of every change on it
(``paid_time``, ``cancel_time``, ``rts_time``, ``collection_time``, ``delivery_time``, the
completion at ``update_time``), so the state at ``cut`` is rebuilt event by event: later
fields are removed, the status is the one the last past event set and ``update_time`` is that
event's time. Returns have two versions (requested, then final at ``update_time``). Statements
appear once posted (``statement_time``) and turn PAID two days later. Affiliate orders (no
update time on the wire) appear with their order and settle when the order and its completed
returns are final. A record whose last change is before ``cut`` is served unchanged, so a view
taken after every change is exactly the generated data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

from sandbox.asof import happened
from sandbox.tiktok_shop.data_orders import DAY
from sandbox.tiktok_shop.dataset import Dataset, dataset

# The order's lifecycle: (time field, status it sets, fields that exist from then on).
ORDER_STEPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("paid_time", "AWAITING_SHIPMENT", ("paid_time", "recipient_address")),
    (
        "cancel_time",
        "CANCELLED",
        ("cancel_time", "cancellation_initiator", "cancel_reason"),
    ),
    (
        "rts_time",
        "AWAITING_COLLECTION",
        ("rts_time", "packages", "tracking_number", "shipping_provider", "shipping_provider_id"),
    ),
    ("collection_time", "IN_TRANSIT", ("collection_time",)),
    ("delivery_time", "DELIVERED", ("delivery_time",)),
)
ITEM_CANCEL_FIELDS = ("cancel_reason", "cancel_user")
ITEM_PACKAGE_FIELDS = (
    "package_id",
    "package_status",
    "tracking_number",
    "shipping_provider_name",
    "rts_time",
)
PAYOUT_DELAY = 2 * DAY  # a statement is PROCESSING for two days, then PAID (data_finance)
RETURN_REQUESTED = "RETURN_OR_REFUND_REQUEST_PENDING"
RETURN_COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"
CREATOR_SETTLE_DAYS = 15  # creator orders settle 15 days after the order (data_affiliate)
CREATOR_REFUND_DAYS = 2  # our choice: the generator keeps no refund time


def order_at(order: dict[str, Any], cut: int) -> dict[str, Any] | None:
    """The order as it was at ``cut``, or None before it was placed."""
    if not happened(order["create_time"], cut):
        return None
    if happened(order["update_time"], cut):
        return order
    status, update = "UNPAID", order["create_time"]
    view = dict(order)
    for time_field, step_status, fields in ORDER_STEPS:
        moment = order.get(time_field)
        if happened(moment, cut):
            status, update = step_status, max(update, moment)
        else:
            for name in fields:
                view.pop(name, None)
    shipped = happened(order.get("rts_time"), cut)
    collected = happened(order.get("collection_time"), cut)
    cancelled = happened(order.get("cancel_time"), cut)
    items = []
    for item in order["line_items"]:
        copy = {**item, "display_status": status}
        if not cancelled:
            for name in ITEM_CANCEL_FIELDS:
                copy.pop(name, None)
        if not shipped:
            for name in ITEM_PACKAGE_FIELDS:
                copy.pop(name, None)
        elif "package_status" in copy:
            copy["package_status"] = "SHIPPED" if collected else "TO_FULFILL"
        items.append(copy)
    view.update(status=status, update_time=update, line_items=items)
    return view


def return_at(ret: dict[str, Any], cut: int) -> dict[str, Any] | None:
    """The return as requested until its final status (set at ``update_time``)."""
    if not happened(ret["create_time"], cut):
        return None
    if happened(ret["update_time"], cut):
        return ret
    return {**ret, "return_status": RETURN_REQUESTED, "update_time": ret["create_time"]}


def statement_at(statement: dict[str, Any], cut: int) -> dict[str, Any] | None:
    """A statement exists once posted; PAID ones were PROCESSING for their first two days."""
    if not happened(statement["statement_time"], cut):
        return None
    if statement["payment_status"] == "PAID" and not happened(
        statement["statement_time"] + PAYOUT_DELAY, cut
    ):
        return {**statement, "payment_status": "PROCESSING"}
    return statement


def _unsettled(order: dict[str, Any], cut: int, estimated_status: str) -> dict[str, Any]:
    """An affiliate order before it settled: estimated commission only, nothing returned."""
    skus = [
        {
            **{k: v for k, v in sku.items() if not k.startswith("actual_")},
            "returned_quantity": 0,
            "refunded_quantity": 0,
        }
        for sku in order["skus"]
    ]
    view = {**order, "status": estimated_status, "skus": skus}
    if not happened(order.get("delivery_time"), cut):
        view.pop("delivery_time", None)
    return view


def seller_affiliate_at(aff: dict[str, Any], settled_at: int, cut: int) -> dict[str, Any] | None:
    """The seller-side affiliate order: PROCESSING until ``settled_at``, then final."""
    if not happened(aff["create_time"], cut):
        return None
    if happened(settled_at, cut):
        return aff
    return _unsettled(aff, cut, "PROCESSING")


def creator_settled_at(order: dict[str, Any], anchor_ts: int) -> int:
    """When a creator order took its final status (the generator settles at 15 days)."""
    days = {"ORDERED": 0, "REFUNDED": CREATOR_REFUND_DAYS}.get(order["status"], CREATOR_SETTLE_DAYS)
    created: int = order["create_time"]
    return min(created + days * DAY, anchor_ts - 1)


def creator_affiliate_at(order: dict[str, Any], anchor_ts: int, cut: int) -> dict[str, Any] | None:
    if not happened(order["create_time"], cut):
        return None
    if happened(creator_settled_at(order, anchor_ts), cut):
        return order
    return _unsettled(order, cut, "ORDERED")


def _seller_settle_times(data: Dataset) -> dict[str, int]:
    """Per affiliate order id: when its order and the order's completed returns were final."""
    orders = {o["id"]: o for o in data.orders}
    times: dict[str, int] = {}
    for aff in data.seller_affiliate_orders:
        order = orders[aff["id"]]
        final = order["update_time"] if aff["status"] != "PROCESSING" else aff["create_time"]
        times[aff["id"]] = final
    for ret in data.returns:
        if ret["return_status"] == RETURN_COMPLETE and ret["order_id"] in times:
            times[ret["order_id"]] = max(times[ret["order_id"]], ret["update_time"])
    return times


def _present(rows: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    return [row for row in rows if row is not None]


@functools.lru_cache(maxsize=64)
def _settled(seed: int, anchor: dt.date, persona_id: str, history_days: int) -> int:
    """The first instant at which every record of the persona is final."""
    data = dataset(seed, anchor, persona_id, history_days)
    moments = [0]
    moments += [o["update_time"] for o in data.orders]
    moments += [r["update_time"] for r in data.returns]
    moments += [
        s["statement_time"] + (PAYOUT_DELAY if s["payment_status"] == "PAID" else 0)
        for s in data.statements
    ]
    moments += list(_seller_settle_times(data).values())
    anchor_ts = int(dt.datetime.combine(anchor, dt.time(0, 0), tzinfo=dt.UTC).timestamp())
    moments += [creator_settled_at(o, anchor_ts) for o in data.creator_affiliate_orders]
    return max(moments) + 1


@functools.lru_cache(maxsize=256)
def dataset_at(seed: int, anchor: dt.date, persona_id: str, history_days: int, cut: int) -> Dataset:
    """The persona's data as they were at ``cut`` (unix seconds); KeyError for no persona."""
    data = dataset(seed, anchor, persona_id, history_days)
    if cut >= _settled(seed, anchor, persona_id, history_days):
        return data
    anchor_ts = int(dt.datetime.combine(anchor, dt.time(0, 0), tzinfo=dt.UTC).timestamp())
    settle = _seller_settle_times(data)
    return dataclasses.replace(
        data,
        orders=_present([order_at(o, cut) for o in data.orders]),
        returns=_present([return_at(r, cut) for r in data.returns]),
        statements=_present([statement_at(s, cut) for s in data.statements]),
        seller_affiliate_orders=_present(
            [seller_affiliate_at(a, settle[a["id"]], cut) for a in data.seller_affiliate_orders]
        ),
        creator_affiliate_orders=_present(
            [creator_affiliate_at(o, anchor_ts, cut) for o in data.creator_affiliate_orders]
        ),
    )
