"""Scoring parameters: load a versioned TOML file and check it before any score uses it.

Every weight, threshold, tier bound, cap, discount and confidence rule of a model version lives
in ``<version>.toml`` beside this module (``v1.toml`` holds ``v1.x.y``). :func:`parse_params`
checks a parsed mapping up front — exact keys per table, the type of every value, ranges, weights
summing to 1, increasing anchors — and raises :class:`ParamsError` with an exact message, so a
bad file fails at import rather than as a strange score.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

__all__ = [
    "DEFAULT_PARAMS",
    "MODEL_VERSION",
    "ConfidenceParams",
    "ConsistencyParams",
    "GrowthParams",
    "Params",
    "ParamsError",
    "ReasonParams",
    "ReconciliationParams",
    "ReliabilityParams",
    "RevenueParams",
    "TierParams",
    "Weights",
    "WindowParams",
    "load_params",
    "parse_params",
]

_SUM_TOLERANCE = 1e-9
_MAX_REASONS = 4  # the output contract allows at most four reasons per borrower


class ParamsError(ValueError):
    """A parameter file is malformed; the message names the key and what is wrong."""


@dataclass(frozen=True, slots=True)
class WindowParams:
    """The scoring window, its weeks and months, and the pending tolerance (days)."""

    days: int
    days_per_month: float
    week_days: int
    weeks: int
    months: int
    pending_tolerance_days: float

    @property
    def month_count(self) -> float:
        """Months in the window (window days / days per month): 3.0 for 90 days."""
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
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True, slots=True)
class TierParams:
    """Tier names, best first, and the lowest composite of each (the last must be 0)."""

    names: tuple[str, ...]
    min_composite: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class RevenueParams:
    """Definition of net revenue and the monthly-USD-to-points map."""

    tier_usd: tuple[float, ...]
    tier_points: tuple[float, ...]
    unsettled_commission_discount: float
    refunded_return_statuses: frozenset[str]
    void_commission_statuses: frozenset[str]


@dataclass(frozen=True, slots=True)
class ReconciliationParams:
    """How orders are compared with settled payouts (days, fraction, USD)."""

    lag_days: float
    tolerance: float
    min_order_usd: float


@dataclass(frozen=True, slots=True)
class ConsistencyParams:
    """Component weights and maps of the consistency sub-score."""

    active_weeks_weight: float
    weekly_cv_weight: float
    monthly_stability_weight: float
    shop_age_weight: float
    seller_type_weight: float
    max_weekly_cv: float
    max_monthly_drop: float
    shop_age_days: tuple[float, ...]
    shop_age_points: tuple[float, ...]
    seller_type_points: dict[str, float]
    first_activity_margin_days: float


@dataclass(frozen=True, slots=True)
class ReliabilityParams:
    """Component weights, good/bad bounds of each signal, and the no-signal points."""

    rating_weight: float
    return_rate_weight: float
    cancellation_rate_weight: float
    on_time_weight: float
    violations_weight: float
    return_rate_good: float
    return_rate_bad: float
    cancellation_rate_good: float
    cancellation_rate_bad: float
    rating_good: float
    rating_bad: float
    on_time_good: float
    on_time_bad: float
    violations_bad: float
    no_signal_points: float
    ignored_return_statuses: frozenset[str]


@dataclass(frozen=True, slots=True)
class GrowthParams:
    """Component weights and the relative-change-to-points map (capped, then tapered)."""

    revenue_trend_weight: float
    order_trend_weight: float
    affiliate_trend_weight: float
    change: tuple[float, ...]
    points: tuple[float, ...]
    noise_band: float
    cap_change: float
    min_events: int


@dataclass(frozen=True, slots=True)
class ConfidenceParams:
    """Evidence deductions and the high/medium cut-offs."""

    high_from: float
    medium_from: float
    limited_visibility: float
    reconciliation_gap: float
    no_settlements: float
    missing_health: float
    few_orders: float
    few_orders_below: int
    no_activity: float


@dataclass(frozen=True, slots=True)
class ReasonParams:
    """How many reasons are returned and which are worth naming."""

    max_reasons: int
    min_points_lost: float
    max_evidence_reasons: int


@dataclass(frozen=True, slots=True)
class Params:
    """All parameters of one model version."""

    model_version: str
    window: WindowParams
    weights: Weights
    tiers: TierParams
    revenue: RevenueParams
    reconciliation: ReconciliationParams
    consistency: ConsistencyParams
    reliability: ReliabilityParams
    growth: GrowthParams
    confidence: ConfidenceParams
    reasons: ReasonParams


_T = TypeVar("_T")
_SECTIONS = tuple(f.name for f in dataclasses.fields(Params) if f.name != "model_version")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _convert(where: str, value: object, hint: Any) -> Any:
    """``value`` as the annotated type ``hint``, or a ParamsError naming ``where``."""
    origin = typing.get_origin(hint)
    if hint is float:
        if not _is_number(value):
            raise ParamsError(f"{where} must be a finite number, got {value!r}")
        return float(typing.cast(float, value))
    if hint is str:
        if not isinstance(value, str) or not value:
            raise ParamsError(f"{where} must be a non-empty string, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamsError(f"{where} must be an integer, got {value!r}")
        return value
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise ParamsError(f"{where} must be a list, got {value!r}")
        return tuple(_convert(f"{where}[{i}]", v, item) for i, v in enumerate(value))
    if origin is frozenset:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParamsError(f"{where} must be a list of strings, got {value!r}")
        return frozenset(v.upper() for v in value)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ParamsError(f"{where} must be a table, got {value!r}")
        return {str(k).upper(): _convert(f"{where}.{k}", v, float) for k, v in value.items()}
    raise TypeError(f"unsupported parameter type {hint!r}")  # pragma: no cover


def _section(raw: Mapping[str, Any], name: str, cls: type[_T]) -> _T:
    """Table ``name`` of ``raw`` as dataclass ``cls``, with exactly its fields."""
    table = raw.get(name)
    if not isinstance(table, Mapping):
        raise ParamsError(f"missing table [{name}]")
    hints = typing.get_type_hints(cls)
    keys = {f.name for f in dataclasses.fields(typing.cast(Any, cls))}
    missing = sorted(keys - set(table))
    if missing:
        raise ParamsError(f"[{name}] is missing {', '.join(missing)}")
    unknown = sorted(set(table) - keys)
    if unknown:
        raise ParamsError(f"[{name}] has unknown keys {', '.join(unknown)}")
    return cls(**{key: _convert(f"{name}.{key}", table[key], hints[key]) for key in keys})


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ParamsError(message)


def _check_unit(where: str, value: float) -> None:
    _check(0.0 <= value <= 1.0, f"{where} must be between 0 and 1, got {value:g}")


def _check_sum_to_one(where: str, values: tuple[float, ...]) -> None:
    for value in values:
        _check_unit(where, value)
    total = math.fsum(values)
    _check(abs(total - 1.0) <= _SUM_TOLERANCE, f"{where} must sum to 1, got {total:g}")


def _check_map(where: str, xs: tuple[float, ...], ys: tuple[float, ...], top: float) -> None:
    _check(
        len(xs) >= 2 and len(xs) == len(ys),
        f"{where}: anchors and points must have the same length (at least 2), "
        f"got {len(xs)} and {len(ys)}",
    )
    _check(
        all(b > a for a, b in itertools.pairwise(xs)),
        f"{where}: anchors must be strictly increasing, got {list(xs)}",
    )
    _check(
        all(0.0 <= y <= top for y in ys),
        f"{where}: points must lie in [0, {top:g}], got {list(ys)}",
    )


def _check_semantics(p: Params) -> None:
    """Cross-field rules no single type can express."""
    w = p.window
    _check(w.days >= 7, f"window.days must be at least 7, got {w.days}")
    _check(w.week_days >= 1 and w.weeks >= 3, "window.week_days >= 1 and window.weeks >= 3")
    _check(
        (w.weeks - 1) * w.week_days < w.days <= w.weeks * w.week_days,
        f"window.weeks x window.week_days must just cover window.days, got {w.weeks} x "
        f"{w.week_days} for {w.days}",
    )
    _check(
        w.months >= 2 and w.months * w.days_per_month <= w.days,
        "window.months must be >= 2 and fit in the window",
    )
    _check(w.pending_tolerance_days >= 0.0, "window.pending_tolerance_days must be >= 0")
    _check_sum_to_one("weights", tuple(p.weights.as_dict().values()))
    t = p.tiers
    _check(
        len(t.names) >= 2 and len(t.names) == len(t.min_composite),
        "tiers.names and tiers.min_composite must have the same length (at least 2)",
    )
    _check(
        all(b < a for a, b in itertools.pairwise(t.min_composite)) and t.min_composite[-1] == 0.0,
        f"tiers.min_composite must decrease strictly to 0, got {list(t.min_composite)}",
    )
    r = p.revenue
    _check_map("revenue", r.tier_usd, r.tier_points, 100.0)
    _check(
        all(b >= a for a, b in itertools.pairwise(r.tier_points)),
        "revenue.tier_points must be non-decreasing (more revenue never scores less)",
    )
    _check_unit("revenue.unsettled_commission_discount", r.unsettled_commission_discount)
    rc = p.reconciliation
    _check(rc.lag_days >= 0.0 and rc.lag_days < w.days / 2, "reconciliation.lag_days out of range")
    _check(rc.tolerance > 0.0, "reconciliation.tolerance must be > 0")
    c = p.consistency
    _check_sum_to_one(
        "consistency weights",
        (
            c.active_weeks_weight,
            c.weekly_cv_weight,
            c.monthly_stability_weight,
            c.shop_age_weight,
            c.seller_type_weight,
        ),
    )
    _check(c.max_weekly_cv > 0.0 and c.max_monthly_drop > 0.0, "consistency maxima must be > 0")
    _check_map("consistency.shop_age", c.shop_age_days, c.shop_age_points, 1.0)
    for name, value in c.seller_type_points.items():
        _check_unit(f"consistency.seller_type_points.{name}", value)
    rl = p.reliability
    _check_sum_to_one(
        "reliability weights",
        (
            rl.rating_weight,
            rl.return_rate_weight,
            rl.cancellation_rate_weight,
            rl.on_time_weight,
            rl.violations_weight,
        ),
    )
    for name, good, bad in (
        ("return_rate", rl.return_rate_good, rl.return_rate_bad),
        ("cancellation_rate", rl.cancellation_rate_good, rl.cancellation_rate_bad),
        ("on_time", rl.on_time_bad, rl.on_time_good),
        ("rating", rl.rating_bad, rl.rating_good),
    ):
        _check(0.0 <= good < bad, f"reliability.{name}: bounds must be ordered and distinct")
    _check(rl.violations_bad > 0.0, "reliability.violations_bad must be > 0")
    _check(0.0 <= rl.no_signal_points <= 100.0, "reliability.no_signal_points must be in [0, 100]")
    g = p.growth
    _check_sum_to_one(
        "growth weights", (g.revenue_trend_weight, g.order_trend_weight, g.affiliate_trend_weight)
    )
    _check_map("growth", g.change, g.points, 100.0)
    _check(g.min_events >= 2, "growth.min_events must be >= 2")
    _check(0.0 <= g.noise_band < g.cap_change, "growth: 0 <= noise_band < cap_change")
    cf = p.confidence
    _check(0.0 < cf.medium_from < cf.high_from <= 1.0, "confidence: 0 < medium_from < high_from")
    rs = p.reasons
    _check(
        0 <= rs.max_evidence_reasons <= rs.max_reasons <= _MAX_REASONS,
        f"reasons: 0 <= max_evidence_reasons <= max_reasons <= {_MAX_REASONS}",
    )


def parse_params(raw: Mapping[str, Any]) -> Params:
    """Check a parsed parameter mapping and build :class:`Params`.

    Raises
    ------
    ParamsError
        With an exact message naming the offending key, e.g. ``"weights must sum to 1, got 0.9"``.
    """
    unknown = sorted(set(raw) - set(_SECTIONS) - {"model_version"})
    if unknown:
        raise ParamsError(f"unknown top-level keys {', '.join(unknown)}")
    version = raw.get("model_version")
    if not isinstance(version, str) or not version.startswith("v") or version.count(".") != 2:
        raise ParamsError(f"model_version must look like 'v1.0.0', got {version!r}")
    hints = typing.get_type_hints(Params)
    sections = {name: _section(raw, name, hints[name]) for name in _SECTIONS}
    params = Params(model_version=version, **sections)
    _check_semantics(params)
    return params


def load_params(version: str = "v1") -> Params:
    """Load and check ``scoring/params/<version>.toml``.

    The file's ``model_version`` must belong to the file's major version (``v1.toml`` holds
    ``v1.x.y``), so a copied file cannot silently claim another model's version.
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


DEFAULT_PARAMS: Params = load_params("v1")
MODEL_VERSION: str = DEFAULT_PARAMS.model_version
