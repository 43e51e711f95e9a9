"""The envelope answers: orjson writes the very bytes Starlette's JSONResponse writes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import JSONResponse

from sandbox.tiktok_shop.dataset import dataset
from sandbox.tiktok_shop.envelope import EnvelopeResponse, PlatformError, envelope, fail, ok

# what the emulator's data is made of: JSON values with string keys, unicode included
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_bytes_equal_the_stdlib_rendering(content: Any) -> None:
    assert EnvelopeResponse(content).body == JSONResponse(content).body


def test_a_page_of_generated_orders_renders_as_before() -> None:
    orders = dataset(3, dt.date(2026, 6, 1), "scale_200").orders[:100]
    page = envelope(0.0, {"orders": orders, "next_page_token": "abc"})
    assert EnvelopeResponse(page).body == JSONResponse(page).body
    answer = ok(0.0, {"orders": orders})
    assert answer.headers["content-type"] == "application/json"
    assert json.loads(answer.body)["data"]["orders"] == orders


def test_what_orjson_cannot_write_falls_back_to_the_stdlib() -> None:
    content = {"data": {1: "a", "big": 2**70}}
    assert EnvelopeResponse(content).body == JSONResponse(content).body


def test_errors_keep_their_status_and_code() -> None:
    answer = fail(0.0, PlatformError(36009002, "Too many requests", 429))
    assert answer.status_code == 429
    assert json.loads(answer.body)["code"] == 36009002
