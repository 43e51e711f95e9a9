"""The v1 reason-code taxonomy: why a borrower lost points, in words a lender can read.

Every code names its sub-score and a sentence built from the borrower's own values. A code fires
only when its cause is true for the borrower *and* costs at least ``min_points_lost`` composite
points (``points_lost`` = sub-score weight x the sub-score points that cause took away, so the
points lost of a sub-score's codes add up to what the sub-score lost). Reasons are ranked by
points lost (ties by taxonomy order) and at most ``max_reasons`` are returned.

Evidence codes (``sub_score`` = ``evidence``, ``points_lost`` 0) explain a lower confidence: up
to ``max_evidence_reasons`` of them keep a place in the list, after the point reasons, because a
payout gap matters to a lender even when it costs no points. A pending borrower gets exactly one
reason, its pending cause.

| code                          | sub-score   | true when                                          |
|-------------------------------|-------------|----------------------------------------------------|
| REVENUE_LOW                   | revenue     | monthly revenue below the top tier anchor          |
| FEW_ACTIVE_WEEKS              | consistency | covered weeks without a sale (all of them: also    |
|                               |             | the CV and monthly parts, which no sales cannot    |
|                               |             | explain); counted over the weeks the data covers   |
| REVENUE_VOLATILE              | consistency | weekly revenue CV above 0                          |
| MONTHLY_SWINGS                | consistency | a month-over-month fall                            |
| SHOP_YOUNG                    | consistency | shop younger than the full-credit age              |
| SELLER_TYPE                   | consistency | seller type earning less than full credit          |
| RETURN_RATE_HIGH              | reliability | return rate above ``return_rate_good``             |
| CANCELLATION_RATE_HIGH        | reliability | cancellation rate above ``cancellation_rate_good`` |
| RATING_LOW                    | reliability | rating below ``rating_good``                       |
| LATE_DELIVERY                 | reliability | on-time rate below ``on_time_good``                |
| VIOLATIONS                    | reliability | at least one violation                             |
| NO_RELIABILITY_SIGNAL         | reliability | no signal at all (neutral points)                  |
| {REVENUE,ORDERS,AFFILIATE}_DECLINING        | growth | trend below ``-noise_band``          |
| {REVENUE,ORDERS,AFFILIATE}_GROWTH_MODEST    | growth | trend ``-noise_band`` to ``cap_change`` |
| {REVENUE,ORDERS,AFFILIATE}_GROWTH_EXTREME   | growth | that trend is above ``cap_change``    |
| NO_TREND                      | growth      | too few sales for any trend (neutral points)       |
| RECONCILIATION_GAP            | evidence    | payouts differ from orders beyond the tolerance    |
| LIMITED_HISTORY               | evidence    | the platform shows fewer than the window's days    |
| DATA_SYNCING / DATA_STALE / DATA_INCOMPLETE | evidence | pending (see ``features.evidence``)   |
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.features.evidence import PENDING_CODES
from scoring.params import DEFAULT_PARAMS, Params

__all__ = ["CODES", "Reason", "pct", "pcts", "reason_lists", "taxonomy", "usd", "usds"]

#: Renders the sentences of one code from its fields' values, one list per field (as Python
#: scalars), returning one sentence per row; a code without fields returns its one sentence.
Render = Callable[..., list[str]]


def usds(amounts: list[float]) -> list[str]:
    """Whole dollars with thousands separators: ``-$1,250``."""
    return [f"{'-' if a < 0 else ''}${abs(a):,.0f}" for a in amounts]


def pcts(rates: list[float]) -> list[str]:
    """Rates as percentages with one decimal: ``12.4%``."""
    return [f"{100.0 * r:.1f}%" for r in rates]


def usd(amount: float) -> str:
    """One amount as :func:`usds` writes it."""
    return usds([amount])[0]


def pct(rate: float) -> str:
    """One rate as :func:`pcts` writes it."""
    return pcts([rate])[0]


def _limit(rate: float) -> str:
    return f"{100.0 * rate:g}%"


@dataclass(frozen=True, slots=True)
class Reason:
    """One code of the taxonomy: its sub-score, the feature values its sentence uses, and how
    the sentences are rendered from them (a column of values per field: sentences are built
    a column at a time, which costs a third of calling a function per sentence)."""

    code: str
    sub_score: str
    fields: tuple[str, ...]
    render: Render


_SERIES = (
    ("REVENUE", "revenue_change", "Weekly revenue trend"),
    ("ORDERS", "order_change", "Weekly order count trend"),
    ("AFFILIATE", "affiliate_change", "Affiliate commission trend"),
)


def _growth(prefix: str, key: str, label: str, p: Params) -> list[Reason]:
    """The three codes of one growth series."""
    days, cap = p.window.days, _limit(p.growth.cap_change)
    return [
        Reason(
            f"{prefix}_DECLINING",
            "growth",
            (key,),
            lambda v: [
                f"{label} fell {x} over the {days}-day window" for x in pcts([-c for c in v])
            ],
        ),
        Reason(
            f"{prefix}_GROWTH_MODEST",
            "growth",
            (key,),
            lambda v: [
                f"{label} changed {'+' if c >= 0 else ''}{x} over the {days}-day window; "
                f"full credit at +{cap}"
                for c, x in zip(v, pcts(v), strict=True)
            ],
        ),
        Reason(
            f"{prefix}_GROWTH_EXTREME",
            "growth",
            (key,),
            lambda v: [
                f"{label} rose {x} over the {days}-day window, above the {cap} lenders treat as "
                "sustainable"
                for x in pcts(v)
            ],
        ),
    ]


def taxonomy(p: Params) -> tuple[Reason, ...]:
    """Every reason code of the model with ``p``'s thresholds in its sentences, in rank order
    for ties."""
    w, r, c, g = p.window, p.reliability, p.consistency, p.growth
    full_age = c.shop_age_days[int(np.argmax(c.shop_age_points))]
    reasons = [
        Reason(
            "REVENUE_LOW",
            "revenue",
            ("monthly_revenue_usd", "next_tier_usd"),
            lambda m, t: [
                f"Monthly revenue {a} is below {b}" for a, b in zip(usds(m), usds(t), strict=True)
            ],
        ),
        Reason(
            "FEW_ACTIVE_WEEKS",
            "consistency",
            ("active_weeks", "covered_weeks"),
            lambda a, c: [
                f"No sales in any of the last {y:.0f} weeks"
                if x == 0
                else f"Sales in only {x:.0f} of the last {y:.0f} weeks"
                for x, y in zip(a, c, strict=True)
            ],
        ),
        Reason(
            "REVENUE_VOLATILE",
            "consistency",
            ("weekly_cv",),
            lambda v: [f"Weekly revenue varies by {x} of its average week" for x in pcts(v)],
        ),
        Reason(
            "MONTHLY_SWINGS",
            "consistency",
            ("monthly_drop",),
            lambda v: [
                f"Monthly revenue fell by {x} of its average month from one month to the next"
                for x in pcts(v)
            ],
        ),
        Reason(
            "SHOP_YOUNG",
            "consistency",
            ("shop_age_days",),
            lambda d: [f"Shop is {x:.0f} days old; full credit from {full_age:g} days" for x in d],
        ),
        Reason(
            "SELLER_TYPE",
            "consistency",
            ("seller_type", "seller_type_component"),
            lambda t, v: [
                f"Seller type {k} earns {x} of the seller-type credit"
                for k, x in zip(t, pcts(v), strict=True)
            ],
        ),
        Reason(
            "RETURN_RATE_HIGH",
            "reliability",
            ("return_rate",),
            lambda v: [f"Return rate {x} is above {_limit(r.return_rate_good)}" for x in pcts(v)],
        ),
        Reason(
            "CANCELLATION_RATE_HIGH",
            "reliability",
            ("cancellation_rate",),
            lambda v: [
                f"Cancellation rate {x} is above {_limit(r.cancellation_rate_good)}"
                for x in pcts(v)
            ],
        ),
        Reason(
            "RATING_LOW",
            "reliability",
            ("rating",),
            lambda v: [f"Shop rating {x:.1f} is below {r.rating_good:g}" for x in v],
        ),
        Reason(
            "LATE_DELIVERY",
            "reliability",
            ("on_time_rate",),
            lambda v: [f"On-time delivery {x} is below {_limit(r.on_time_good)}" for x in pcts(v)],
        ),
        Reason(
            "VIOLATIONS",
            "reliability",
            ("violations",),
            lambda v: [f"{x:.0f} platform violation{'s' if x != 1 else ''} on record" for x in v],
        ),
        Reason(
            "NO_RELIABILITY_SIGNAL",
            "reliability",
            (),
            lambda: [
                f"No orders, commissions or shop ratings in the {w.days}-day window "
                "to judge reliability"
            ],
        ),
    ]
    for prefix, key, label in _SERIES:
        reasons += _growth(prefix, key, label, p)
    reasons += [
        Reason(
            "NO_TREND",
            "growth",
            ("activity_count",),
            lambda n: [
                f"Only {x:.0f} sales in the {w.days}-day window, too few to show a trend "
                f"(at least {g.min_events})"
                for x in n
            ],
        ),
        Reason(
            "RECONCILIATION_GAP",
            "evidence",
            ("settled_usd", "ordered_usd", "settled_ratio"),
            lambda s, o, x: [
                f"Payouts of {a} have no matching orders"
                if not np.isfinite(ratio)
                else f"Payouts of {a} are {pct(ratio)} of the {b} of orders they settle, "
                f"outside ±{_limit(p.reconciliation.tolerance)}"
                for a, b, ratio in zip(usds(s), usds(o), x, strict=True)
            ],
        ),
        Reason(
            "LIMITED_HISTORY",
            "evidence",
            ("visible_days",),
            lambda v: [
                f"The platform shows only {x:.0f} of the {w.days} days of history" for x in v
            ],
        ),
        Reason(
            "DATA_SYNCING",
            "evidence",
            ("pending_platform",),
            lambda x: [f"The {k} connection has not finished its first full data pull" for k in x],
        ),
        Reason(
            "DATA_STALE",
            "evidence",
            ("pending_platform", "pending_date"),
            lambda x, d: [
                f"The {k} connection's data ends {_day(day)}, more than "
                f"{w.pending_tolerance_days:g} days before the score date"
                for k, day in zip(x, d, strict=True)
            ],
        ),
        Reason(
            "DATA_INCOMPLETE",
            "evidence",
            ("pending_platform", "pending_date"),
            lambda x, d: [
                f"The {k} connection's data starts {_day(day)}, after the start of the "
                f"{w.days}-day window"
                for k, day in zip(x, d, strict=True)
            ],
        ),
    ]
    return tuple(reasons)


def _day(ns: int) -> str:
    return pd.Timestamp(int(ns), tz="UTC").strftime("%Y-%m-%d")


#: Every code of the v1 taxonomy, in tie-break order.
CODES: tuple[str, ...] = tuple(reason.code for reason in taxonomy(DEFAULT_PARAMS))


def _lost(f: dict[str, np.ndarray], sub: str, component: str, weight: float) -> np.ndarray:
    """Composite points a component took away: weight x 100 x its share x (1 - value)."""
    value = np.nan_to_num(f[f"{component}_component"], nan=1.0)
    return np.asarray(weight * 100.0 * f[f"{sub}_share_{component}"] * (1.0 - value))


def _causes(f: dict[str, np.ndarray], p: Params) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per point code: (true for the borrower, composite points lost)."""
    wt, g = p.weights, p.growth
    n = len(f["revenue"])
    active = f["activity_count"] > 0
    zero = np.zeros(n)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    out["REVENUE_LOW"] = (f["revenue"] < 100.0, wt.revenue * (100.0 - f["revenue"]))
    cv = _lost(f, "consistency", "weekly_cv", wt.consistency)
    monthly = _lost(f, "consistency", "monthly_stability", wt.consistency)
    weeks = _lost(f, "consistency", "active_weeks", wt.consistency)
    out["FEW_ACTIVE_WEEKS"] = (
        f["active_weeks_component"] < 1.0,
        weeks + np.where(active, 0.0, cv + monthly),
    )
    out["REVENUE_VOLATILE"] = (active & (f["weekly_cv"] > 0.0), np.where(active, cv, 0.0))
    out["MONTHLY_SWINGS"] = (
        active & (f["monthly_drop"] > 0.0),
        np.where(active, monthly, 0.0),
    )
    for code, component in (("SHOP_YOUNG", "shop_age"), ("SELLER_TYPE", "seller_type")):
        lost = _lost(f, "consistency", component, wt.consistency)
        out[code] = (lost > 0.0, lost)
    for code, component in (
        ("RETURN_RATE_HIGH", "return_rate"),
        ("CANCELLATION_RATE_HIGH", "cancellation_rate"),
        ("RATING_LOW", "rating"),
        ("LATE_DELIVERY", "on_time"),
        ("VIOLATIONS", "violations"),
    ):
        lost = _lost(f, "reliability", component, wt.reliability)
        out[code] = (lost > 0.0, lost)
    no_signal = f["reliability_signals"] == 0
    out["NO_RELIABILITY_SIGNAL"] = (
        no_signal,
        np.where(no_signal, wt.reliability * (100.0 - p.reliability.no_signal_points), 0.0),
    )
    for prefix, key, _ in _SERIES:
        component = key.replace("_change", "_trend")
        lost = _lost(f, "growth", component, wt.growth)
        change = f[key]
        known = ~np.isnan(change)
        out[f"{prefix}_DECLINING"] = (known & (change < -g.noise_band), lost)
        modest = known & (change >= -g.noise_band) & (change <= g.cap_change)
        out[f"{prefix}_GROWTH_MODEST"] = (modest, lost)
        out[f"{prefix}_GROWTH_EXTREME"] = (known & (change > g.cap_change), lost)
    no_trend = f["growth_signals"] == 0
    neutral = float(np.interp(0.0, g.change, g.points))
    out["NO_TREND"] = (no_trend, np.where(no_trend, wt.growth * (100.0 - neutral), zero))
    return out


def _evidence(f: dict[str, np.ndarray], p: Params) -> dict[str, np.ndarray]:
    """Per evidence code (priority order): true for the borrower."""
    return {
        "RECONCILIATION_GAP": f["reconciliation_gap"].astype(bool),
        "LIMITED_HISTORY": f["visible_days"] < p.window.days,
    }


def _first_per_group(groups: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Mask over rows sorted by group: the row's rank within its group is below ``limit``."""
    if groups.size == 0:
        return np.zeros(0, dtype=bool)
    starts = np.r_[0, np.flatnonzero(groups[1:] != groups[:-1]) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, groups.size]))
    return np.asarray((np.arange(groups.size) - first) < limit)


def _selected(
    f: dict[str, np.ndarray], p: Params, index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(borrower, code index, points lost) of every reason returned, unordered."""
    n = len(f["revenue"])
    pending = f["pending"].astype(bool)
    rs = p.reasons

    # Evidence reasons first: they decide how many places the point reasons get.
    fired = [(np.flatnonzero(v & ~pending), index[k]) for k, v in _evidence(f, p).items()]
    eb = np.concatenate([rows for rows, _ in fired])
    ec = np.concatenate([np.full(rows.size, code) for rows, code in fired])
    order = np.lexsort((ec, eb))
    eb, ec = eb[order], ec[order]
    keep = _first_per_group(eb, np.full(eb.size, rs.max_evidence_reasons))
    eb, ec = eb[keep], ec[keep]
    places = rs.max_reasons - np.bincount(eb, minlength=n)

    cb, cc, cl = [eb], [ec], [np.zeros(eb.size)]
    for code, (fires, lost) in _causes(f, p).items():
        rows = np.flatnonzero(fires & (lost >= rs.min_points_lost) & ~pending)
        cb.append(rows)
        cc.append(np.full(rows.size, index[code]))
        cl.append(lost[rows])
    b, c, lost = np.concatenate(cb[1:]), np.concatenate(cc[1:]), np.concatenate(cl[1:])
    order = np.lexsort((c, -np.round(lost, 9), b))
    b, c, lost = b[order], c[order], lost[order]
    keep = _first_per_group(b, places[b])
    cb[1:], cc[1:], cl[1:] = [b[keep]], [c[keep]], [lost[keep]]

    waiting = np.flatnonzero(pending)
    code_of = np.array([index[code] for code in PENDING_CODES])
    cb.append(waiting)
    cc.append(code_of[f["pending_code"][waiting]])
    cl.append(np.zeros(waiting.size))
    return np.concatenate(cb), np.concatenate(cc), np.concatenate(cl)


def reason_lists(f: dict[str, np.ndarray], p: Params) -> list[list[dict[str, Any]]]:
    """Per borrower (position in ``f``'s arrays), the list of reason dicts
    ``{"code", "sub_score", "points_lost", "message"}``, ranked (see module doc).

    Selection and ranking are array operations; only the sentences and the output dicts,
    which are Python objects by contract, are built one reason at a time.
    """
    reasons = taxonomy(p)
    index = {reason.code: i for i, reason in enumerate(reasons)}
    n = len(f["revenue"])
    b, code, lost = _selected(f, p, index)
    is_evidence = np.array([r.sub_score == "evidence" for r in reasons])[code]
    order = np.lexsort((code, -np.round(lost, 9), is_evidence, b))
    b, code, lost = b[order], code[order], lost[order]
    messages = np.empty(b.size, dtype=object)
    for i, reason in enumerate(reasons):
        at = np.flatnonzero(code == i)
        if not at.size:
            continue
        if not reason.fields:
            messages[at] = reason.render()[0]
            continue
        messages[at] = reason.render(*(f[name][b[at]].tolist() for name in reason.fields))
    names = [reason.code for reason in reasons]
    subs = [reason.sub_score for reason in reasons]
    dicts = [
        {"code": names[c], "sub_score": subs[c], "points_lost": x, "message": m}
        for c, x, m in zip(
            code.tolist(), np.round(lost, 2).tolist(), messages.tolist(), strict=True
        )
    ]
    out: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    bounds = np.r_[0, np.flatnonzero(b[1:] != b[:-1]) + 1, b.size].tolist()
    for lo, hi in itertools.pairwise(bounds):
        if hi > lo:
            out[int(b[lo])] = dicts[lo:hi]
    return out
