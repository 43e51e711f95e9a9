"""Background traffic during a load run: syncs and Shopify webhooks at a steady rate.

Syncs go round the borrowers: a Shopify borrower asks for one with ``POST /api/shopify/sync``
(the connections API's sync route); TikTok Shop and Amazon borrowers, which have no such route,
connect again through the consent flow, which also starts a pull. Webhooks are order deliveries
signed by the sandbox as Shopify signs them (``/_sandbox/shopify/webhooks/sample``), posted to
``/webhooks/shopify`` with a fresh delivery id each; the service must answer ``accepted``.
Each call is checked and every unexpected answer is counted with the request it came from.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from bench.seed import PLATFORMS, SANDBOX_CONTROL, Borrower, SeedError, connect

__all__ = ["Background", "run_background"]

WEBHOOK_TOPICS = ("orders/updated", "orders/paid", "orders/create")
MAX_SAMPLES = 10


@dataclass
class Background:
    """What the background traffic did: counts, and samples of what went wrong."""

    sync_requests: int = 0
    reconnects: int = 0
    webhooks_accepted: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    # Sandbox personas with no order to deliver (a new store): left out of the webhook rotation.
    webhook_personas_skipped: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_SAMPLES:
            self.error_samples.append(what)


async def _steady(
    interval_s: float, stop: asyncio.Event, step: Callable[[], Awaitable[None]]
) -> None:
    """Call ``step`` every ``interval_s`` on a fixed schedule (a slow step delays the next)."""
    next_at = time.monotonic()
    while not stop.is_set():
        await step()
        next_at += interval_s
        with contextlib.suppress(TimeoutError):  # the schedule's next tick, or stop
            await asyncio.wait_for(stop.wait(), max(0.0, next_at - time.monotonic()))


async def _sync(client: httpx.AsyncClient, borrower: Borrower, done: Background) -> None:
    try:
        if borrower.platform == "shopify":
            response = await client.post("/api/shopify/sync", headers=borrower.headers)
            if response.status_code != 202:
                done.error(f"POST /api/shopify/sync: {response.status_code} {response.text[:300]}")
            else:
                done.sync_requests += 1
        else:
            await connect(client, borrower)
            done.reconnects += 1
    except SeedError as exc:
        done.error(f"reconnect {borrower.persona_id}: {exc}")
    except httpx.HTTPError as exc:
        done.error(f"sync {borrower.persona_id}: {type(exc).__name__}: {exc}")


async def _webhook(client: httpx.AsyncClient, persona: str, topic: str, done: Background) -> bool:
    """Deliver one; False when the sandbox has no order of this persona to send."""
    sample_path = f"{SANDBOX_CONTROL}/shopify/webhooks/sample"
    try:
        sample = await client.post(sample_path, json={"persona": persona, "topic": topic})
        if sample.status_code in (400, 404):
            return False
        if not sample.is_success:
            done.error(f"POST {sample_path}: {sample.status_code} {sample.text[:300]}")
            return True
        delivery = sample.json()
        response = await client.post(
            "/webhooks/shopify", headers=delivery["headers"], content=delivery["body"].encode()
        )
    except httpx.HTTPError as exc:
        done.error(f"webhook {topic} of {persona}: {type(exc).__name__}: {exc}")
        return True
    if response.status_code == 200 and response.json().get("status") == "accepted":
        done.webhooks_accepted += 1
    else:
        done.error(
            f"POST /webhooks/shopify ({topic}): {response.status_code} {response.text[:300]}"
        )
    return True


async def run_background(
    client: httpx.AsyncClient,
    borrowers: list[Borrower],
    stop: asyncio.Event,
    sync_interval_s: float,
    webhook_interval_s: float,
) -> Background:
    """Syncs and webhooks until ``stop`` is set; what they did."""
    done = Background()
    # Platforms take turns, so every kind of sync runs even in a short window.
    by_platform = [[b for b in borrowers if b.platform == p] for p in PLATFORMS]
    turns = itertools.zip_longest(*by_platform)
    rotation = itertools.cycle([b for turn in turns for b in turn if b is not None])
    shops = [b.persona_id for b in borrowers if b.platform == "shopify"]
    deliveries = itertools.cycle(itertools.product(WEBHOOK_TOPICS, shops))

    async def one_sync() -> None:
        await _sync(client, next(rotation), done)

    async def one_webhook() -> None:
        nonlocal deliveries
        while shops:
            topic, persona = next(deliveries)
            if await _webhook(client, persona, topic, done):
                return
            shops.remove(persona)
            done.webhook_personas_skipped.append(persona)
            deliveries = itertools.cycle(itertools.product(WEBHOOK_TOPICS, shops))

    # An interval of zero or less turns that traffic off (a baseline of reads alone).
    loops = []
    if sync_interval_s > 0 and borrowers:
        loops.append(_steady(sync_interval_s, stop, one_sync))
    if webhook_interval_s > 0 and shops:
        loops.append(_steady(webhook_interval_s, stop, one_webhook))
    await asyncio.gather(*loops)
    return done
