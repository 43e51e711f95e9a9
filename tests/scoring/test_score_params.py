"""The v1 parameter file and the checks that refuse a malformed one."""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from scoring import MODEL_VERSION
from scoring.params import DEFAULT_PARAMS, ParamsError, load_params, parse_params

PARAMS_DIR = Path(__file__).resolve().parents[2] / "scoring" / "params"


def _raw() -> dict[str, Any]:
    return tomllib.loads((PARAMS_DIR / "v1.toml").read_text(encoding="utf-8"))


def _parse_with(section: str, key: str, value: object) -> None:
    raw = copy.deepcopy(_raw())
    raw[section][key] = value
    parse_params(raw)


class TestV1File:
    def test_model_version_is_v1_and_recorded(self) -> None:
        assert MODEL_VERSION == "v1.0.0"
        assert load_params("v1").model_version == MODEL_VERSION

    def test_v0_is_gone(self) -> None:
        assert not (PARAMS_DIR / "v0.toml").exists()
        with pytest.raises(ParamsError, match="no parameter file for model 'v0'"):
            load_params("v0")

    def test_weights_sum_to_one(self) -> None:
        assert math.fsum(DEFAULT_PARAMS.weights.as_dict().values()) == pytest.approx(1.0)

    def test_weights_are_the_issue_weights(self) -> None:
        assert DEFAULT_PARAMS.weights.as_dict() == {
            "revenue": 0.40,
            "consistency": 0.20,
            "reliability": 0.20,
            "growth": 0.20,
        }

    def test_revenue_tiers_are_the_issue_tiers(self) -> None:
        assert DEFAULT_PARAMS.revenue.tier_usd == (0.0, 1000.0, 5000.0, 20000.0)

    def test_tier_bounds(self) -> None:
        assert DEFAULT_PARAMS.tiers.names == ("A", "B", "C", "D", "E")
        assert DEFAULT_PARAMS.tiers.min_composite == (80.0, 65.0, 50.0, 35.0, 0.0)

    def test_statuses_are_upper_cased(self) -> None:
        assert "REFUNDED" in DEFAULT_PARAMS.revenue.void_commission_statuses


class TestMalformedFiles:
    def test_weights_not_summing_to_one(self) -> None:
        with pytest.raises(ParamsError, match=r"weights must sum to 1, got 0\.9"):
            _parse_with("weights", "growth", 0.1)

    def test_component_weights_not_summing_to_one(self) -> None:
        with pytest.raises(ParamsError, match="consistency weights must sum to 1"):
            _parse_with("consistency", "seller_type_weight", 0.5)

    def test_unknown_key(self) -> None:
        with pytest.raises(ParamsError, match=r"\[growth\] has unknown keys bonus"):
            _parse_with("growth", "bonus", 1.0)

    def test_missing_table(self) -> None:
        raw = _raw()
        del raw["tiers"]
        with pytest.raises(ParamsError, match=r"missing table \[tiers\]"):
            parse_params(raw)

    def test_wrong_type(self) -> None:
        with pytest.raises(ParamsError, match=r"window\.days must be an integer, got '90'"):
            _parse_with("window", "days", "90")

    def test_falling_revenue_points(self) -> None:
        with pytest.raises(ParamsError, match="tier_points must be non-decreasing"):
            _parse_with("revenue", "tier_points", [0.0, 50.0, 40.0, 100.0])

    def test_tiers_must_end_at_zero(self) -> None:
        with pytest.raises(ParamsError, match="decrease strictly to 0"):
            _parse_with("tiers", "min_composite", [80.0, 65.0, 50.0, 35.0, 10.0])

    def test_bad_model_version(self) -> None:
        raw = _raw()
        raw["model_version"] = "1.0"
        with pytest.raises(ParamsError, match="model_version must look like"):
            parse_params(raw)
