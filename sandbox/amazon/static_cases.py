"""Amazon's static sandbox cases (``x-amzn-api-sandbox.static``), served verbatim on an exact match.

The cases are Amazon's (Apache-2.0) and live in the shared reference, which is read at run time
and never copied into this repository: ``AmazonAppConfig.reference_dir``, else the environment
variable ``CS_REFERENCE_DIR``, else ``<repo>/../shared/reference``. Without the files no case
matches and every request goes to the emulator proper.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# operation name -> file of the reference's ``amazon/sandbox`` folder
FILES = {
    "getOrders": "getOrders_v0.json",
    "getOrder": "getOrder_v0.json",
    "searchOrders": "searchOrders_2026-01-01.json",
    "getOrder2026": "getOrder_2026-01-01.json",
    "listTransactions": "listTransactions_2024-06-19.json",
    "listFinancialEventGroups": "listFinancialEventGroups_v0.json",
    "listFinancialEventsByGroupId": "listFinancialEventsByGroupId_v0.json",
}


@dataclass(frozen=True)
class StaticCase:
    status: int
    parameters: dict[str, Any]
    response: Any


def reference_dir(configured: str | None) -> Path:
    if configured:
        return Path(configured)
    env = os.environ.get("CS_REFERENCE_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "reference"


@functools.lru_cache(maxsize=8)
def load_cases(root: Path) -> dict[str, tuple[StaticCase, ...]]:
    cases: dict[str, tuple[StaticCase, ...]] = {}
    for operation, name in FILES.items():
        path = root / "amazon" / "sandbox" / name
        if not path.is_file():
            continue
        examples = json.loads(path.read_text(encoding="utf-8"))["examples"]
        cases[operation] = tuple(
            StaticCase(
                int(e["status"]),
                {k: v["value"] for k, v in e["request"]["parameters"].items()},
                e["response"],
            )
            for e in examples
        )
    return cases


def _matches(expected: Any, given: list[str]) -> bool:
    if isinstance(expected, list):
        return [str(v) for v in expected] == given
    return [str(expected)] == given


def match(root: Path, operation: str, params: dict[str, list[str]]) -> StaticCase | None:
    """The case whose parameters equal the request's exactly (arrays after CSV splitting)."""
    for case in load_cases(root).get(operation, ()):
        if set(case.parameters) == set(params) and all(
            _matches(v, params[k]) for k, v in case.parameters.items()
        ):
            return case
    return None
