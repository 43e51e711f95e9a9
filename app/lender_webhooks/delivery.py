"""Sending due deliveries: claim, sign and send, then record the outcome or the next attempt.

A batch is claimed in one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
workers never take the same delivery), which moves each delivery's next attempt a claim period
ahead: a worker that dies mid-send leaves it due again, so every event arrives at least once and
possibly twice (receivers deduplicate by event id). Nothing holds a transaction while sending.

Any 2xx answer delivers. Anything else — another status (redirects are not followed), a timeout,
a refused connection, an address the policy refuses — is retried with exponential backoff and
jitter (tenacity's schedule; a ``Retry-After`` answer is honoured as a minimum) until
``max_attempts`` or ``max_age_hours``, then the delivery is failed. A delivery whose endpoint was
disabled, or whose lender's grant was revoked or expired, is cancelled instead of sent. Only the
status code and a short excerpt of the answer are kept, never the whole body.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import structlog
import tenacity
from sqlalchemy import select

from app.config import LenderWebhookSettings
from app.context import AppContext
from app.db import transaction
from app.kit.crypto import DecryptionError, Keyring
from app.lender_webhooks import signing
from app.lender_webhooks.egress import (
    TargetPolicy,
    TargetRefused,
    WebhookEgress,
    parse_target,
    pinned_request,
)
from app.lender_webhooks.secrets import endpoint_secrets
from app.lenders import grants
from app.models import LenderWebhookDelivery, LenderWebhookEndpoint, LenderWebhookEvent

log = structlog.get_logger(__name__)

EXCERPT_BYTES = 512
EXCERPT_CHARS = 200


@dataclass(frozen=True)
class Outcome:
    """One attempt's result."""

    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    retry_after_s: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker has taken: where it goes and what it sends (secrets in memory only)."""

    delivery_id: str
    url: str
    secrets: tuple[str, ...] = field(repr=False)
    event_id: str
    event_type: str
    body: bytes


@dataclass
class BatchReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    claimed: int = 0
    # The batch was full: more may be due right now.
    more: bool = False


def body_of(event: LenderWebhookEvent) -> bytes:
    """The event's bytes on the wire: compact JSON with sorted keys, the same on every try."""
    return json.dumps(event.payload, separators=(",", ":"), sort_keys=True).encode()


def backoff(settings: LenderWebhookSettings, attempts: int, retry_after_s: float | None) -> float:
    """Seconds until the next try after ``attempts`` failed ones: exponential, with jitter."""
    wait = tenacity.wait_exponential(
        multiplier=settings.retry_wait_s, max=settings.retry_wait_max_s
    ) + tenacity.wait_random(0, settings.retry_jitter_s)
    state = tenacity.RetryCallState(tenacity.AsyncRetrying(), None, (), {})
    state.attempt_number = attempts
    seconds = float(wait(state))
    if retry_after_s is not None:
        seconds = max(seconds, min(retry_after_s, settings.retry_wait_max_s))
    return seconds


def _retry_after(response: httpx.Response, now: datetime) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds()) if when.tzinfo is not None else None


def _excerpt(raw: bytes) -> str | None:
    text = raw.decode("utf-8", errors="replace")
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return cleaned[:EXCERPT_CHARS] or None


async def send_one(
    client: httpx.AsyncClient,
    egress: WebhookEgress,
    policy: TargetPolicy,
    work: Claimed,
    *,
    timestamp: int,
    timeout_s: float,
    now: datetime,
) -> Outcome:
    """One signed POST of ``work`` to its endpoint; never raises for the receiver's faults."""
    try:
        target = parse_target(work.url, policy)
        address = (await egress.addresses(target, policy))[0]
    except TargetRefused as exc:
        return Outcome(error=f"refused: {exc}"[:300])
    headers = {
        "content-type": "application/json",
        signing.SIGNATURE_HEADER: signing.signature_header(work.secrets, timestamp, work.body),
        signing.EVENT_ID_HEADER: work.event_id,
        signing.EVENT_TYPE_HEADER: work.event_type,
    }
    request = pinned_request(client, target, address, content=work.body, headers=headers)
    try:
        # The whole exchange within the timeout: httpx's own timeouts apply per read, so a
        # receiver sending a byte at a time would otherwise hold the worker.
        async with asyncio.timeout(timeout_s):
            response = await client.send(request, stream=True)
            try:
                raw = b""
                async for chunk in response.aiter_bytes():
                    raw += chunk
                    if len(raw) >= EXCERPT_BYTES:
                        break
            finally:
                await response.aclose()
    except (TimeoutError, httpx.TimeoutException):
        return Outcome(error=f"timed out after {timeout_s:g} s")
    except httpx.HTTPError as exc:
        # The exception's text may quote the URL (and whatever the lender put in its query).
        return Outcome(error=f"connection failed ({type(exc).__name__})")
    outcome = Outcome(
        status_code=response.status_code,
        excerpt=_excerpt(raw[:EXCERPT_BYTES]),
        retry_after_s=_retry_after(response, now),
    )
    if not outcome.delivered:
        return Outcome(
            status_code=outcome.status_code,
            error=f"the endpoint answered {response.status_code}",
            excerpt=outcome.excerpt,
            retry_after_s=outcome.retry_after_s,
        )
    return outcome


async def claim_due(context: AppContext, now: datetime, report: BatchReport) -> list[Claimed]:
    """Take up to a batch of due deliveries (moving each a claim period ahead); cancel those
    whose endpoint was disabled or whose grant ended meanwhile."""
    settings = context.settings.lender_webhooks
    # Long enough for the whole batch to be sent (rounds of `concurrency`, each within the
    # timeout), so no other worker takes a delivery this one still holds.
    rounds = -(-settings.batch_size // settings.concurrency)
    claim_until = now + timedelta(seconds=settings.timeout_s * (rounds + 1) + 60)
    keyring: Keyring = context.keyring
    work: list[Claimed] = []
    async with transaction(context.sessions) as session:
        query = (
            select(LenderWebhookDelivery)
            .where(
                LenderWebhookDelivery.status == "pending",
                LenderWebhookDelivery.next_attempt_at <= now,
            )
            .order_by(LenderWebhookDelivery.next_attempt_at)
            .limit(settings.batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        deliveries = list(await session.scalars(query))
        report.claimed = len(deliveries)
        report.more = len(deliveries) >= settings.batch_size
        for delivery in deliveries:
            endpoint = await session.get(LenderWebhookEndpoint, delivery.endpoint_id)
            event = await session.get(LenderWebhookEvent, delivery.event_id)
            reason = None
            if endpoint is None or event is None or not endpoint.enabled:
                reason = "the endpoint was disabled before this was sent"
            elif not await grants.has_access(session, endpoint.lender_id, event.borrower_id):
                reason = "the borrower's grant ended before this was sent"
            if reason is not None or endpoint is None or event is None:
                delivery.status, delivery.next_attempt_at = "cancelled", None
                delivery.last_error = reason
                report.cancelled += 1
                continue
            try:
                secrets = endpoint_secrets(keyring, endpoint, now)
            except DecryptionError as exc:
                delivery.next_attempt_at = now + timedelta(seconds=settings.retry_wait_max_s)
                delivery.last_error = f"cannot sign: {exc}"[:300]
                log.error("lender_webhook_secret_unreadable", endpoint_id=endpoint.id)
                continue
            delivery.next_attempt_at = claim_until
            work.append(
                Claimed(
                    delivery_id=delivery.id,
                    url=endpoint.url,
                    secrets=secrets,
                    event_id=event.id,
                    event_type=event.type,
                    body=body_of(event),
                )
            )
    return work


async def _record(
    context: AppContext, results: list[tuple[Claimed, Outcome]], report: BatchReport
) -> None:
    settings = context.settings.lender_webhooks
    now = context.clock()
    max_age = timedelta(hours=settings.max_age_hours)
    async with transaction(context.sessions) as session:
        for work, outcome in results:
            delivery = await session.get(LenderWebhookDelivery, work.delivery_id)
            if delivery is None or delivery.status != "pending":
                continue  # deleted with its endpoint, or cancelled meanwhile
            delivery.attempts += 1
            delivery.last_attempt_at = now
            delivery.last_status_code = outcome.status_code
            delivery.last_error = outcome.error
            delivery.last_response_excerpt = outcome.excerpt
            if outcome.delivered:
                delivery.status, delivery.delivered_at = "delivered", now
                delivery.next_attempt_at = None
                report.delivered += 1
            elif (
                delivery.attempts >= settings.max_attempts or now - delivery.scheduled_at >= max_age
            ):
                delivery.status, delivery.next_attempt_at = "failed", None
                report.failed += 1
            else:
                wait = backoff(settings, delivery.attempts, outcome.retry_after_s)
                delivery.next_attempt_at = now + timedelta(seconds=wait)
                report.retrying += 1


async def deliver_due(context: AppContext, egress: WebhookEgress | None = None) -> BatchReport:
    """Send one batch of the deliveries that are due now; what became of them."""
    settings = context.settings.lender_webhooks
    egress = egress or context.webhook_egress
    policy = TargetPolicy.of(context.settings)
    now = context.clock()
    report = BatchReport()
    work = await claim_due(context, now, report)
    if work:
        limit = asyncio.Semaphore(settings.concurrency)

        async def one(item: Claimed) -> tuple[Claimed, Outcome]:
            async with limit:
                # Signed when sent, not when claimed: a long batch stays inside the receiver's
                # tolerance window.
                return item, await send_one(
                    client,
                    egress,
                    policy,
                    item,
                    timestamp=int(context.clock().timestamp()),
                    timeout_s=settings.timeout_s,
                    now=now,
                )

        async with egress.client(settings.timeout_s) as client:
            results = await asyncio.gather(*(one(item) for item in work))
        await _record(context, list(results), report)
    log.info(
        "lender_webhooks_sent",
        claimed=report.claimed,
        delivered=report.delivered,
        retrying=report.retrying,
        failed=report.failed,
        cancelled=report.cancelled,
    )
    return report
