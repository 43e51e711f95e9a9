"""The fault catalogue every platform emulator must honour, observed from a plain client.

A platform's test module subclasses ``FaultContract`` and provides a ``lister`` fixture: a tiny
client for that platform's order list (its own request code, never the connector's). Each test
posts one fault plan to ``/_sandbox/faults`` and checks what the client sees and what the
sandbox reports (``GET /_sandbox/faults``).
"""

from __future__ import annotations

import asyncio
import json
import re
from abc import ABC, abstractmethod
from typing import Any

import httpx
import pytest

from sandbox.fault_answers import ConnectionDropped

# a locale amount: a symbol or code and/or dot grouping with a decimal comma, never plain wire
LOCALE_AMOUNT = re.compile(r"^-?(\D+)?[\d.]+(,\d+)?( €)?$")
PLAIN = re.compile(r"^-?\d+(\.\d+)?$")


class Lister(ABC):
    """One platform's order list, page by page, with a valid token."""

    platform: str
    time_field: str

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @abstractmethod
    async def page(self, token: str | None) -> httpx.Response: ...

    @abstractmethod
    def records(self, body: Any) -> list[dict[str, Any]]:
        """The records (GraphQL nodes) of a page body."""

    @abstractmethod
    def next_token(self, body: Any) -> str | None: ...

    @abstractmethod
    def record_id(self, record: dict[str, Any]) -> str: ...

    @abstractmethod
    def amount(self, record: dict[str, Any]) -> Any:
        """The record's total amount as served, or None when the record has none."""

    @abstractmethod
    def assert_server_error(self, response: httpx.Response, status: int) -> None: ...

    @abstractmethod
    def assert_throttled(self, response: httpx.Response) -> None:
        """HTTP 429 in the platform's own shape."""

    async def plan(self, **settings: Any) -> None:
        body = {"platform": self.platform, **settings}
        response = await self.client.post("/_sandbox/faults", json=body)
        assert response.status_code == 200, response.text

    async def report(self) -> dict[str, Any]:
        response = await self.client.get("/_sandbox/faults")
        assert response.status_code == 200, response.text
        report: dict[str, Any] = response.json()["faults"][self.platform]
        return report

    async def ok_page(self, token: str | None) -> Any:
        response = await self.page(token)
        assert response.status_code == 200, response.text
        return response.json()


class FaultContract:
    """Each fault kind, seen from a client (subclasses provide the ``lister`` fixture)."""

    async def test_server_error(self, lister: Lister) -> None:
        await lister.plan(error_rate=1.0, status=502)
        lister.assert_server_error(await lister.page(None), 502)
        assert (await lister.report())["injected"] == {"error": 1}

    async def test_429_with_retry_after(self, lister: Lister) -> None:
        await lister.plan(retry_after_rate=1.0, retry_after_s=2)
        response = await lister.page(None)
        lister.assert_throttled(response)
        assert float(response.headers["retry-after"]) == 2.0
        assert (await lister.report())["injected"] == {"rate_limit_retry_after": 1}

    async def test_429_without_retry_after(self, lister: Lister) -> None:
        await lister.plan(no_retry_after_rate=1.0)
        response = await lister.page(None)
        lister.assert_throttled(response)
        assert "retry-after" not in response.headers
        assert (await lister.report())["injected"] == {"rate_limit_no_retry_after": 1}

    async def test_slow_answer_outlasts_a_client_deadline(self, lister: Lister) -> None:
        await lister.plan(slow_rate=1.0, slow_ms=600_000)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await lister.page(None)
        await lister.plan()  # no faults: the same request answers
        assert lister.records(await lister.ok_page(None))

    async def test_dropped_connection_is_a_transport_error(self, lister: Lister) -> None:
        await lister.plan(drop_rate=1.0)
        with pytest.raises(httpx.RemoteProtocolError) as raised:
            await lister.page(None)
        assert isinstance(raised.value, ConnectionDropped)
        assert (await lister.report())["injected"] == {"drop": 1}

    async def test_malformed_json_on_a_200(self, lister: Lister) -> None:
        await lister.plan(malformed_rate=1.0)
        response = await lister.page(None)
        assert response.status_code == 200
        assert response.content
        with pytest.raises(ValueError):
            json.loads(response.content)
        assert (await lister.report())["injected"] == {"malformed": 1}

    async def test_page_repeated_once(self, lister: Lister) -> None:
        await lister.plan(page_repeat_rate=1.0)
        first = await lister.ok_page(None)
        token = lister.next_token(first)
        assert token
        repeated = await lister.ok_page(token)
        # the previous page's body (its records and next token; envelopes carry fresh ids)
        assert lister.records(repeated) == lister.records(first)
        assert lister.next_token(repeated) == token
        second = await lister.ok_page(token)  # once: asking again moves on
        assert {lister.record_id(r) for r in lister.records(second)}.isdisjoint(
            lister.record_id(r) for r in lister.records(first)
        )
        assert (await lister.report())["injected"] == {"page_repeat": 1}

    async def test_records_repeated_across_pages(self, lister: Lister) -> None:
        await lister.plan(records_repeat_rate=1.0, seed=5)
        first = await lister.ok_page(None)
        first_ids = [lister.record_id(r) for r in lister.records(first)]
        second = await lister.ok_page(lister.next_token(first))
        second_ids = [lister.record_id(r) for r in lister.records(second)]
        again = [i for i in second_ids if i in first_ids]
        assert 1 <= len(again) <= 3
        assert second_ids[: len(again)] == again == first_ids[-len(again) :]
        assert (await lister.report())["injected"] == {"records_repeat": 1}

    @pytest.mark.parametrize("kind", ["missing_field", "wrong_type", "locale_amount"])
    async def test_every_record_corrupted_by_kind(self, lister: Lister, kind: str) -> None:
        await lister.plan()
        clean = lister.records(await lister.ok_page(None))
        await lister.plan(corrupt_rate=1.0, corrupt_kinds=[kind])
        served = lister.records(await lister.ok_page(None))
        expected: dict[str, str] = {}
        for before, after in zip(clean, served, strict=True):
            rid = lister.record_id(after)
            assert rid == lister.record_id(before)
            applied = kind
            if kind == "locale_amount" and lister.amount(before) is None:
                applied = "missing_field"  # nothing to format: the record loses a field
            expected[rid] = applied
            if applied == "missing_field":
                assert self.time_field_of(lister, before) is not None
                assert self.time_field_of(lister, after) is None
            elif applied == "wrong_type":
                assert self.time_field_of(lister, after) == [self.time_field_of(lister, before)]
            else:
                text = lister.amount(after)
                assert PLAIN.match(str(lister.amount(before)))
                assert isinstance(text, str) and not PLAIN.match(text)
                assert LOCALE_AMOUNT.match(text), text
        report = await lister.report()
        assert report["corrupted"] == dict(sorted(expected.items()))
        kinds = set(expected.values())
        assert report["injected"] == {k: list(expected.values()).count(k) for k in kinds}

    async def test_record_corruption_is_the_same_on_every_serving(self, lister: Lister) -> None:
        await lister.plan(corrupt_rate=0.5, seed=11)
        first = await lister.ok_page(None)
        again = await lister.ok_page(None)
        assert lister.records(first) == lister.records(again)
        corrupted = (await lister.report())["corrupted"]
        ids = [lister.record_id(r) for r in lister.records(first)]
        assert set(corrupted) <= set(ids)
        assert 0 < len(corrupted) < len(ids)  # seed 11 corrupts some records of this page

    async def test_a_plan_replays(self, lister: Lister) -> None:
        plan = {"error_rate": 0.3, "no_retry_after_rate": 0.3, "seed": 3}
        runs = []
        for _ in range(2):
            await lister.plan(**plan)
            runs.append([(await lister.page(None)).status_code for _ in range(12)])
        assert runs[0] == runs[1]
        assert {200, 429} <= set(runs[0])

    async def test_control_api_is_never_faulted(self, lister: Lister) -> None:
        await lister.plan(error_rate=1.0)
        assert (await lister.client.get("/_sandbox/personas")).status_code == 200
        assert (await lister.client.get("/_sandbox/apps")).status_code == 200
        assert (await lister.report())["injected"] == {}

    async def test_legacy_settings_still_accepted(self, lister: Lister) -> None:
        response = await lister.client.post(
            "/_sandbox/faults",
            json={"platform": lister.platform, "error_rate": 0.1, "rate_limit_rate": 0.2},
        )
        assert response.status_code == 200
        settings = response.json()["faults"][lister.platform]
        assert settings["error_rate"] == 0.1 and settings["rate_limit_rate"] == 0.2
        assert settings["status"] == 503 and settings["latency_ms"] == 0

    @staticmethod
    def time_field_of(lister: Lister, record: dict[str, Any]) -> Any:
        return record.get(lister.time_field)
