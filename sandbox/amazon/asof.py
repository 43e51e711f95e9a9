"""An Amazon seller's data as they were at an instant.

An order has two versions: as placed (``Pending``, ``LastUpdateDate`` = purchase date) and its
final state from ``updated`` on (the generator keeps no time for each intermediate status).
Finance transactions exist once posted; a settlement group holds the transactions posted so far
and is closed once its period has ended.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

from sandbox.amazon.data import DAY, AmazonData, Order, _groups, dataset
from sandbox.asof import happened


def order_at(order: Order, cut: int) -> Order | None:
    """The order as it was at ``cut``, or None before it was placed."""
    if not happened(order.created, cut):
        return None
    if happened(order.updated, cut):
        return order
    return dataclasses.replace(order, status="Pending", updated=order.created)


@functools.lru_cache(maxsize=64)
def _settled(seed: int, anchor: dt.date, persona_id: str, history_days: int) -> int:
    data = dataset(seed, anchor, persona_id, history_days)
    moments = [0, *(o.updated for o in data.orders), *(t.posted for t in data.transactions)]
    moments += [g.end for g in data.groups if g.closed]
    return max(moments) + 1


@functools.lru_cache(maxsize=256)
def dataset_at(
    seed: int, anchor: dt.date, persona_id: str, history_days: int, cut: int
) -> AmazonData:
    """The seller's data as they were at ``cut`` (unix seconds); KeyError for no persona."""
    data = dataset(seed, anchor, persona_id, history_days)
    if cut >= _settled(seed, anchor, persona_id, history_days):
        return data
    orders = [o for o in (order_at(o, cut) for o in data.orders) if o is not None]
    posted = [t for t in data.transactions if happened(t.posted, cut)]
    start = data.anchor_ts - history_days * DAY
    groups = _groups(posted, start, min(cut, data.anchor_ts))
    return AmazonData(data.persona, data.anchor_ts, orders, posted, groups)
