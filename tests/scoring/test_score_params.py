"""The v0 parameter file and the checks that refuse a malformed one."""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from scoring.params import DEFAULT_PARAMS, MODEL_VERSION, ParamsError, load_params, parse_params

V0_FILE = Path(__file__).resolve().parents[2] / "scoring" / "params" / "v0.toml"


def _raw() -> dict[str, Any]:
    return tomllib.loads(V0_FILE.read_text(encoding="utf-8"))


def _parse_with(section: str, key: str, value: object) -> None:
    raw = copy.deepcopy(_raw())
    raw[section][key] = value
    parse_params(raw)


class TestV0File:
    def test_model_version_is_recorded(self) -> None:
        assert MODEL_VERSION == "v0.1.0"
        assert load_params("v0").model_version == MODEL_VERSION

    def test_weights_sum_to_one(self) -> None:
        assert math.fsum(DEFAULT_PARAMS.weights.as_dict().values()) == pytest.approx(1.0)

    def test_weights_are_the_v0_weights(self) -> None:
        assert DEFAULT_PARAMS.weights.as_dict() == {
            "revenue": 0.40,
            "consistency": 0.20,
            "reliability": 0.20,
            "growth": 0.20,
        }

    def test_window_is_ninety_days(self) -> None:
        assert DEFAULT_PARAMS.window.days == 90
        assert DEFAULT_PARAMS.window.months == 3.0

    def test_revenue_anchors_are_the_tiers(self) -> None:
        revenue = DEFAULT_PARAMS.revenue
        assert revenue.anchors_usd == (0.0, 1000.0, 5000.0, 20000.0, 60000.0)
        assert revenue.anchor_points == (0.0, 40.0, 65.0, 85.0, 100.0)

    def test_unknown_version_is_refused(self) -> None:
        with pytest.raises(ParamsError, match="no parameter file for model 'v9'"):
            load_params("v9")


class TestParseParams:
    def test_weights_not_summing_to_one(self) -> None:
        with pytest.raises(ParamsError, match=r"^weights must sum to 1, got 0\.9$"):
            _parse_with("weights", "growth", 0.10)

    def test_anchors_not_increasing(self) -> None:
        with pytest.raises(
            ParamsError,
            match=r"^revenue\.anchors_usd must be strictly increasing, got "
            r"\[0\.0, 1000\.0, 1000\.0, 20000\.0, 60000\.0\]$",
        ):
            _parse_with("revenue", "anchors_usd", [0, 1000, 1000, 20000, 60000])

    def test_points_falling(self) -> None:
        with pytest.raises(ParamsError, match="anchor_points must be non-decreasing"):
            _parse_with("revenue", "anchor_points", [0, 40, 30, 85, 100])

    def test_anchor_lengths_differ(self) -> None:
        with pytest.raises(ParamsError, match=r"same length \(at least 2\), got 5 and 4"):
            _parse_with("revenue", "anchor_points", [0, 40, 65, 100])

    def test_points_above_100(self) -> None:
        with pytest.raises(ParamsError, match=r"anchor_points must lie in \[0, 100\]"):
            _parse_with("revenue", "anchor_points", [0, 40, 65, 85, 101])

    def test_discount_out_of_range(self) -> None:
        with pytest.raises(
            ParamsError,
            match=r"^revenue\.unsettled_commission_discount must be between 0 and 1, got 1\.5$",
        ):
            _parse_with("revenue", "unsettled_commission_discount", 1.5)

    def test_non_number(self) -> None:
        with pytest.raises(
            ParamsError, match=r"weights\.revenue must be a finite number, got '0\.4'"
        ):
            _parse_with("weights", "revenue", "0.4")

    def test_too_many_reasons(self) -> None:
        with pytest.raises(
            ParamsError, match=r"^reasons\.max_reasons must be an integer between 0 and 4, got 5$"
        ):
            _parse_with("reasons", "max_reasons", 5)

    def test_consistency_blend_must_sum_to_one(self) -> None:
        with pytest.raises(ParamsError, match=r"stability_weight must sum to 1, got 1\.1$"):
            _parse_with("consistency", "stability_weight", 0.5)

    def test_growth_span_must_stay_in_bounds(self) -> None:
        with pytest.raises(ParamsError, match=r"must stay within \[0, 100\], got \[-10, 110\]"):
            _parse_with("growth", "span_points", 60.0)

    def test_missing_key(self) -> None:
        raw = _raw()
        del raw["window"]["days"]
        with pytest.raises(ParamsError, match=r"^\[window\] is missing days$"):
            parse_params(raw)

    def test_unknown_key(self) -> None:
        with pytest.raises(ParamsError, match=r"^\[weights\] has unknown keys tenure$"):
            _parse_with("weights", "tenure", 0.0)

    def test_missing_table(self) -> None:
        raw = _raw()
        del raw["growth"]
        with pytest.raises(ParamsError, match=r"^missing table \[growth\]$"):
            parse_params(raw)

    def test_malformed_version(self) -> None:
        raw = _raw()
        raw["model_version"] = "zero"
        with pytest.raises(
            ParamsError, match=r"model_version must look like 'v0\.1\.0', got 'zero'"
        ):
            parse_params(raw)
