"""Shared flows of the Amazon sandbox tests: paging order APIs and transactions to the end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from amazon_client import Amz

MARKETS = {
    "amazon_us": "ATVPDKIKX0DER",
    "amazon_declining": "ATVPDKIKX0DER",
    "amazon_new": "ATVPDKIKX0DER",
    "amazon_eu": "A1PA6795UKMFR9,A13V1IB3VIYZZH,A1F83G8C2ARO7P",
}


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def pages_v0(
    amz: Amz, token: str, persona: str, after: float, before: float | None, size: int
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {
        "MarketplaceIds": MARKETS[persona],
        "CreatedAfter": iso(after),
        "MaxResultsPerPage": size,
    }
    if before is not None:
        params["CreatedBefore"] = iso(before)
    bodies = []
    while True:
        response = await amz.get(token, "/orders/v0/orders", params)
        assert response.status_code == 200, response.text
        bodies.append(response.json())
        next_token = bodies[-1]["payload"].get("NextToken")
        if not next_token:
            return bodies
        amz.clock.advance(1)  # lets the (scaled) bucket refill between pages
        params = {"MarketplaceIds": MARKETS[persona], "NextToken": next_token}


async def pages_2026(
    amz: Amz, token: str, after: float, before: float | None, size: int, included: str
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"createdAfter": iso(after), "includedData": included}
    if before is not None:
        params["createdBefore"] = iso(before)
    bodies = []
    while True:
        response = await amz.get(
            token, "/orders/2026-01-01/orders", {**params, "maxResultsPerPage": size}
        )
        assert response.status_code == 200, response.text
        bodies.append(response.json())
        next_token = bodies[-1].get("pagination", {}).get("nextToken")
        if not next_token:
            return bodies
        amz.clock.advance(1)  # lets the (scaled) bucket refill between pages
        params["paginationToken"] = next_token


async def transactions(amz: Amz, token: str, after: float, before: float) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"postedAfter": iso(after), "postedBefore": iso(before)}
    bodies = []
    while True:
        response = await amz.get(token, "/finances/2024-06-19/transactions", params)
        assert response.status_code == 200, response.text
        bodies.append(response.json())
        next_token = bodies[-1]["payload"].get("nextToken")
        if not next_token:
            return bodies
        amz.clock.advance(1)  # lets the (scaled) bucket refill between pages
        params = {"nextToken": next_token}
