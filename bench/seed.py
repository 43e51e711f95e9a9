"""Seed a running service through its own HTTP API, as its users would.

Each sandbox persona gets a borrower (development sign-in) who connects it through the platform's
consent flow (auth URL, the sandbox's consent, the callback); an operator creates a lender and an
API key with the CLI; every borrower grants that lender. Seeding ends when every connection has
synced and every borrower's score reads as ``scored`` through the lender API.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from bench.served import Service

__all__ = ["Borrower", "SeedError", "Seeded", "connect", "seed"]

SANDBOX_CONTROL = "/sandbox/_sandbox"
PLATFORMS = ("tiktok_shop", "shopify", "amazon")


class SeedError(RuntimeError):
    """The service refused a step of seeding (the message names the request)."""


@dataclass(frozen=True)
class Borrower:
    """A signed-in borrower and the sandbox persona they connected."""

    id: str
    platform: str
    persona: dict[str, Any]
    headers: dict[str, str]

    @property
    def persona_id(self) -> str:
        value: str = self.persona["id"]
        return value


@dataclass(frozen=True)
class Seeded:
    lender_id: str
    api_key: str
    borrowers: list[Borrower]

    @property
    def lender_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def _ok(response: httpx.Response, *expected: int) -> httpx.Response:
    if response.status_code not in (expected or (200,)):
        request = response.request
        raise SeedError(
            f"{request.method} {request.url.path} answered {response.status_code}: "
            f"{response.text[:300]}"
        )
    return response


async def sign_in(client: httpx.AsyncClient, name: str) -> tuple[str, dict[str, str]]:
    """(borrower id, session headers) of the development borrower ``name``."""
    body = _ok(await client.post("/api/dev/sign-in", json={"name": name})).json()
    return body["borrower_id"], {"Authorization": f"Bearer {body['session_token']}"}


async def connect(client: httpx.AsyncClient, borrower: Borrower) -> None:
    """One pass of the consent flow; the service starts a pull when the callback lands."""
    persona = borrower.persona
    if borrower.platform == "shopify":
        path, params = "/api/shopify/auth", {"shop": persona["shop"]}
    elif borrower.platform == "amazon":
        path, params = "/api/amazon/auth", {"region": persona["region"]}
    else:
        path = "/api/tiktokshop/auth"
        params = {"creator": str(persona.get("role") == "creator").lower()}
    auth = _ok(await client.get(path, params=params, headers=borrower.headers)).json()
    state = parse_qs(urlsplit(auth["authUrl"]).query)["state"][0]
    consent = await client.post(
        f"{SANDBOX_CONTROL}/{borrower.platform}/authorize",
        json={"persona": borrower.persona_id, "state": state},
    )
    callback = urlsplit(_ok(consent).json()["callback_url"])
    landed = _ok(
        await client.get(f"{callback.path}?{callback.query}", headers=borrower.headers), 303
    )
    location = landed.headers.get("location", "")
    if "_connected=true" not in location:
        raise SeedError(f"connecting {borrower.persona_id} ended at {location}")


def create_lender(service: Service, name: str) -> tuple[str, str]:
    """(lender id, API key) made with `creditscore lenders create` and `keys create`."""
    lender_id = service.cli("lenders", "create", name).strip()
    issued = service.cli("keys", "create", lender_id, "--name", "load benchmark")
    match = re.search(r"key \(shown once\): (\S+)", issued)
    if not lender_id or match is None:
        raise SeedError("the CLI did not print a lender id and a key")
    return lender_id, match.group(1)


async def personas(
    client: httpx.AsyncClient, wanted: Sequence[str] | None
) -> list[tuple[str, dict[str, Any]]]:
    """(platform, persona) of the sandbox catalog, all of them or those named in ``wanted``."""
    catalog = _ok(await client.get(f"{SANDBOX_CONTROL}/personas")).json()
    found = [(p, persona) for p in PLATFORMS for persona in catalog[p]]
    if wanted is None:
        return found
    known = {persona["id"] for _, persona in found}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise SeedError(f"unknown personas {unknown}; the sandbox has {sorted(known)}")
    return [(p, persona) for p, persona in found if persona["id"] in wanted]


async def seed(
    client: httpx.AsyncClient,
    service: Service,
    wanted: Sequence[str] | None = None,
    timeout_s: float = 600.0,
) -> Seeded:
    """Borrowers for the personas, connected, granted to a new lender, synced and scored."""
    lender_id, api_key = await asyncio.to_thread(create_lender, service, "Load Benchmark Lender")
    borrowers = []
    for platform, persona in await personas(client, wanted):
        borrower_id, headers = await sign_in(client, f"load-{persona['id']}")
        borrower = Borrower(borrower_id, platform, persona, headers)
        await connect(client, borrower)
        granted = await client.post(
            "/api/grants", json={"lender_id": lender_id}, headers=borrower.headers
        )
        _ok(granted, 201)
        borrowers.append(borrower)
    seeded = Seeded(lender_id, api_key, borrowers)
    await wait_until_scored(client, seeded, timeout_s)
    return seeded


async def wait_until_scored(client: httpx.AsyncClient, seeded: Seeded, timeout_s: float) -> None:
    """Until every connection has synced and every score reads ``scored`` (or a clear error)."""
    deadline = time.monotonic() + timeout_s
    waiting = list(seeded.borrowers)
    while waiting:
        waiting = [b for b in waiting if not await _settled(client, seeded, b)]
        if waiting and time.monotonic() > deadline:
            names = [b.persona_id for b in waiting]
            raise SeedError(f"not synced and scored after {timeout_s:.0f} s: {names}")
        if waiting:
            await asyncio.sleep(0.5)


async def _settled(client: httpx.AsyncClient, seeded: Seeded, borrower: Borrower) -> bool:
    connections = _ok(await client.get("/api/connections", headers=borrower.headers)).json()
    for connection in connections:
        if connection["sync_state"] == "failed" or connection["status"] != "active":
            raise SeedError(
                f"{borrower.persona_id}: connection {connection['status']}, sync "
                f"{connection['sync_state']}: {connection['status_reason']}"
            )
    if not connections or any(c["sync_state"] != "complete" for c in connections):
        return False
    read = await client.get(f"/v1/borrowers/{borrower.id}/score", headers=seeded.lender_headers)
    return bool(_ok(read).json()["status"] == "scored")
