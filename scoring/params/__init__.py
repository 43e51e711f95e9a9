"""Scoring parameters: load a versioned TOML file and check it before any score uses it.

Every weight, anchor and threshold of a model version lives in ``<version>.toml`` beside this
module. :func:`parse_params` checks a parsed mapping up front (exact keys, types, ranges, weights
summing to 1, increasing anchors) and raises :class:`ParamsError` with an exact message, so a
bad file fails at import rather than as a strange score.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "DEFAULT_PARAMS",
    "MODEL_VERSION",
    "ConsistencyParams",
    "GrowthParams",
    "Params",
    "ParamsError",
    "ReasonParams",
    "ReliabilityParams",
    "RevenueParams",
    "Weights",
    "WindowParams",
    "load_params",
    "parse_params",
]

_SUM_TOLERANCE = 1e-9
_MAX_REASONS = 4  # the ScoreFrame contract allows at most four reasons per borrower


class ParamsError(ValueError):
    """A parameter file is malformed; the message names the key and what is wrong."""


@dataclass(frozen=True, slots=True)
class WindowParams:
    """Length of the scoring window and of a month, in days."""

    days: int
    days_per_month: float

    @property
    def months(self) -> float:
        """Number of months the window spans (window days / days per month)."""
        return self.days / self.days_per_month


@dataclass(frozen=True, slots=True)
class Weights:
    """Composite weights of the four sub-scores (unitless, summing to 1)."""

    revenue: float
    consistency: float
    reliability: float
    growth: float

    def as_dict(self) -> dict[str, float]:
        """Weights keyed by sub-score name."""
        return {
            "revenue": self.revenue,
            "consistency": self.consistency,
            "reliability": self.reliability,
            "growth": self.growth,
        }


@dataclass(frozen=True, slots=True)
class RevenueParams:
    """Revenue definition and the USD-per-month to points map."""

    anchors_usd: tuple[float, ...]
    anchor_points: tuple[float, ...]
    unsettled_commission_discount: float
    refunded_return_statuses: frozenset[str]
    void_commission_statuses: frozenset[str]


@dataclass(frozen=True, slots=True)
class ConsistencyParams:
    """Week length and the blend of active-week share and weekly stability."""

    week_days: int
    active_weeks_weight: float
    stability_weight: float
    max_cv: float


@dataclass(frozen=True, slots=True)
class ReliabilityParams:
    """Penalties in points per unit rate, and the value used when nothing can be judged."""

    return_rate_penalty: float
    cancellation_rate_penalty: float
    no_orders_points: float
    ignored_return_statuses: frozenset[str]


@dataclass(frozen=True, slots=True)
class GrowthParams:
    """Map from relative revenue change between window halves to points."""

    neutral_points: float
    span_points: float
    max_change: float


@dataclass(frozen=True, slots=True)
class ReasonParams:
    """Thresholds that trigger each v0 reason code, and how many reasons to return."""

    max_reasons: int
    revenue_low_usd: float
    few_active_weeks: int
    revenue_volatile_cv: float
    return_rate_high: float
    cancellation_rate_high: float
    growth_negative_below: float


@dataclass(frozen=True, slots=True)
class Params:
    """All parameters of one model version."""

    model_version: str
    window: WindowParams
    weights: Weights
    revenue: RevenueParams
    consistency: ConsistencyParams
    reliability: ReliabilityParams
    growth: GrowthParams
    reasons: ReasonParams


def _section(raw: Mapping[str, Any], name: str, keys: set[str]) -> Mapping[str, Any]:
    """Return table ``name`` after checking it has exactly ``keys``."""
    table = raw.get(name)
    if not isinstance(table, Mapping):
        raise ParamsError(f"missing table [{name}]")
    missing = sorted(keys - set(table))
    if missing:
        raise ParamsError(f"[{name}] is missing {', '.join(missing)}")
    unknown = sorted(set(table) - keys)
    if unknown:
        raise ParamsError(f"[{name}] has unknown keys {', '.join(unknown)}")
    return table


def _number(table: Mapping[str, Any], section: str, key: str, lo: float, hi: float) -> float:
    """Read a finite number in [lo, hi]."""
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ParamsError(f"{section}.{key} must be a finite number, got {value!r}")
    if not lo <= value <= hi:
        raise ParamsError(f"{section}.{key} must be between {lo:g} and {hi:g}, got {value!r}")
    return float(value)


def _integer(
    table: Mapping[str, Any], section: str, key: str, lo: int, hi: int | None = None
) -> int:
    """Read an integer in [lo, hi] (no upper bound when ``hi`` is None)."""
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParamsError(f"{section}.{key} must be an integer, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        bounds = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise ParamsError(f"{section}.{key} must be an integer {bounds}, got {value!r}")
    return value


def _strings(table: Mapping[str, Any], section: str, key: str) -> frozenset[str]:
    """Read a list of strings (platform statuses)."""
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ParamsError(f"{section}.{key} must be a list of strings, got {value!r}")
    return frozenset(value)


def _floats(table: Mapping[str, Any], section: str, key: str) -> tuple[float, ...]:
    """Read a list of finite numbers."""
    value = table[key]
    if not isinstance(value, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value
    ):
        raise ParamsError(f"{section}.{key} must be a list of finite numbers, got {value!r}")
    return tuple(float(v) for v in value)


def _check_sum_to_one(section: str, values: Mapping[str, float]) -> None:
    total = math.fsum(values.values())
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise ParamsError(f"{section} must sum to 1, got {total:g}")


def _parse_window(raw: Mapping[str, Any]) -> WindowParams:
    t = _section(raw, "window", {"days", "days_per_month"})
    return WindowParams(
        days=_integer(t, "window", "days", 1),
        days_per_month=_number(t, "window", "days_per_month", 1.0, 31.0),
    )


def _parse_weights(raw: Mapping[str, Any]) -> Weights:
    t = _section(raw, "weights", {"revenue", "consistency", "reliability", "growth"})
    weights = Weights(
        revenue=_number(t, "weights", "revenue", 0.0, 1.0),
        consistency=_number(t, "weights", "consistency", 0.0, 1.0),
        reliability=_number(t, "weights", "reliability", 0.0, 1.0),
        growth=_number(t, "weights", "growth", 0.0, 1.0),
    )
    _check_sum_to_one("weights", weights.as_dict())
    return weights


def _parse_revenue(raw: Mapping[str, Any]) -> RevenueParams:
    keys = {
        "anchors_usd",
        "anchor_points",
        "unsettled_commission_discount",
        "refunded_return_statuses",
        "void_commission_statuses",
    }
    t = _section(raw, "revenue", keys)
    anchors = _floats(t, "revenue", "anchors_usd")
    points = _floats(t, "revenue", "anchor_points")
    if len(anchors) < 2 or len(anchors) != len(points):
        raise ParamsError(
            "revenue.anchors_usd and revenue.anchor_points must have the same length (at least 2),"
            f" got {len(anchors)} and {len(points)}"
        )
    if any(b <= a for a, b in itertools.pairwise(anchors)):
        raise ParamsError(f"revenue.anchors_usd must be strictly increasing, got {list(anchors)}")
    if any(b < a for a, b in itertools.pairwise(points)):
        raise ParamsError(f"revenue.anchor_points must be non-decreasing, got {list(points)}")
    if points[0] < 0.0 or points[-1] > 100.0:
        raise ParamsError(f"revenue.anchor_points must lie in [0, 100], got {list(points)}")
    return RevenueParams(
        anchors_usd=anchors,
        anchor_points=points,
        unsettled_commission_discount=_number(t, "revenue", "unsettled_commission_discount", 0, 1),
        refunded_return_statuses=_strings(t, "revenue", "refunded_return_statuses"),
        void_commission_statuses=_strings(t, "revenue", "void_commission_statuses"),
    )


def _parse_consistency(raw: Mapping[str, Any]) -> ConsistencyParams:
    keys = {"week_days", "active_weeks_weight", "stability_weight", "max_cv"}
    t = _section(raw, "consistency", keys)
    parsed = ConsistencyParams(
        week_days=_integer(t, "consistency", "week_days", 1),
        active_weeks_weight=_number(t, "consistency", "active_weeks_weight", 0.0, 1.0),
        stability_weight=_number(t, "consistency", "stability_weight", 0.0, 1.0),
        max_cv=_number(t, "consistency", "max_cv", 1e-9, math.inf),
    )
    _check_sum_to_one(
        "consistency.active_weeks_weight + consistency.stability_weight",
        {"a": parsed.active_weeks_weight, "s": parsed.stability_weight},
    )
    return parsed


def _parse_reliability(raw: Mapping[str, Any]) -> ReliabilityParams:
    keys = {
        "return_rate_penalty",
        "cancellation_rate_penalty",
        "no_orders_points",
        "ignored_return_statuses",
    }
    t = _section(raw, "reliability", keys)
    return ReliabilityParams(
        return_rate_penalty=_number(t, "reliability", "return_rate_penalty", 0.0, math.inf),
        cancellation_rate_penalty=_number(
            t, "reliability", "cancellation_rate_penalty", 0.0, math.inf
        ),
        no_orders_points=_number(t, "reliability", "no_orders_points", 0.0, 100.0),
        ignored_return_statuses=_strings(t, "reliability", "ignored_return_statuses"),
    )


def _parse_growth(raw: Mapping[str, Any]) -> GrowthParams:
    t = _section(raw, "growth", {"neutral_points", "span_points", "max_change"})
    parsed = GrowthParams(
        neutral_points=_number(t, "growth", "neutral_points", 0.0, 100.0),
        span_points=_number(t, "growth", "span_points", 0.0, 100.0),
        max_change=_number(t, "growth", "max_change", 1e-9, math.inf),
    )
    lo, hi = parsed.neutral_points - parsed.span_points, parsed.neutral_points + parsed.span_points
    if lo < 0.0 or hi > 100.0:
        raise ParamsError(
            "growth.neutral_points ± growth.span_points must stay within [0, 100], "
            f"got [{lo:g}, {hi:g}]"
        )
    return parsed


def _parse_reasons(raw: Mapping[str, Any]) -> ReasonParams:
    keys = {
        "max_reasons",
        "revenue_low_usd",
        "few_active_weeks",
        "revenue_volatile_cv",
        "return_rate_high",
        "cancellation_rate_high",
        "growth_negative_below",
    }
    t = _section(raw, "reasons", keys)
    return ReasonParams(
        max_reasons=_integer(t, "reasons", "max_reasons", 0, _MAX_REASONS),
        revenue_low_usd=_number(t, "reasons", "revenue_low_usd", 0.0, math.inf),
        few_active_weeks=_integer(t, "reasons", "few_active_weeks", 0),
        revenue_volatile_cv=_number(t, "reasons", "revenue_volatile_cv", 0.0, math.inf),
        return_rate_high=_number(t, "reasons", "return_rate_high", 0.0, 1.0),
        cancellation_rate_high=_number(t, "reasons", "cancellation_rate_high", 0.0, 1.0),
        growth_negative_below=_number(t, "reasons", "growth_negative_below", -math.inf, 0.0),
    )


def parse_params(raw: Mapping[str, Any]) -> Params:
    """Check a parsed parameter mapping and build :class:`Params`.

    Raises
    ------
    ParamsError
        With an exact message naming the offending key, e.g. ``"weights must sum to 1, got 0.9"``.
    """
    sections = {"window", "weights", "revenue", "consistency", "reliability", "growth", "reasons"}
    unknown = sorted(set(raw) - sections - {"model_version"})
    if unknown:
        raise ParamsError(f"unknown top-level keys {', '.join(unknown)}")
    version = raw.get("model_version")
    if not isinstance(version, str) or not version.startswith("v") or version.count(".") != 2:
        raise ParamsError(f"model_version must look like 'v0.1.0', got {version!r}")
    return Params(
        model_version=version,
        window=_parse_window(raw),
        weights=_parse_weights(raw),
        revenue=_parse_revenue(raw),
        consistency=_parse_consistency(raw),
        reliability=_parse_reliability(raw),
        growth=_parse_growth(raw),
        reasons=_parse_reasons(raw),
    )


def load_params(version: str = "v0") -> Params:
    """Load and check ``scoring/params/<version>.toml``.

    The file's ``model_version`` must belong to the file's major version (``v0.toml`` holds
    ``v0.x.y``), so a copied file cannot silently claim another model's version.
    """
    resource = resources.files(__name__).joinpath(f"{version}.toml")
    if not resource.is_file():
        raise ParamsError(f"no parameter file for model {version!r}")
    params = parse_params(tomllib.loads(resource.read_text(encoding="utf-8")))
    if not params.model_version.startswith(f"{version}."):
        raise ParamsError(
            f"{version}.toml declares model_version {params.model_version!r}, "
            f"expected {version}.x.y"
        )
    return params


DEFAULT_PARAMS: Params = load_params("v0")
MODEL_VERSION: str = DEFAULT_PARAMS.model_version
