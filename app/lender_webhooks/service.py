"""Lender endpoints: register (URL checked, secret made), list, change, rotate, delete, and the
delivery log with redelivery. Everything runs in the caller's transaction and is scoped to the
calling lender: another lender's endpoint is "not found"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import AppContext
from app.kit.errors import AppError, Conflict, NotFound
from app.lender_webhooks import signing
from app.lender_webhooks.egress import TargetPolicy, TargetRefused, parse_target
from app.lender_webhooks.schemas import DeliveryOut, EndpointIn, EndpointPatch
from app.lender_webhooks.secrets import endpoint_secrets, seal
from app.models import LenderWebhookDelivery, LenderWebhookEndpoint, LenderWebhookEvent
from app.models.base import new_id


class InvalidEndpointUrl(AppError):
    status_code = 422
    code = "invalid_url"


@dataclass(frozen=True)
class Registered:
    endpoint: LenderWebhookEndpoint
    secret: str

    def __repr__(self) -> str:
        return f"Registered(endpoint_id={self.endpoint.id!r}, secret=***)"


async def checked_url(context: AppContext, url: str) -> str:
    """The URL if deliveries may go there (form, scheme, resolved addresses); else a 422."""
    policy = TargetPolicy.of(context.settings)
    try:
        target = parse_target(url, policy)
        await context.webhook_egress.addresses(target, policy)
    except TargetRefused as exc:
        raise InvalidEndpointUrl(str(exc)) from None
    return target.url


async def register(
    context: AppContext, session: AsyncSession, lender_id: str, body: EndpointIn
) -> Registered:
    url = await checked_url(context, body.url)
    count = await session.scalar(
        select(func.count())
        .select_from(LenderWebhookEndpoint)
        .where(LenderWebhookEndpoint.lender_id == lender_id)
    )
    limit = context.settings.lender_webhooks.max_endpoints_per_lender
    if (count or 0) >= limit:
        raise Conflict(f"a lender can register at most {limit} endpoints: delete one first")
    endpoint = LenderWebhookEndpoint(
        id=new_id(),  # the encryption's associated data names the row
        lender_id=lender_id,
        url=url,
        description=body.description,
        event_types=sorted(set(body.event_types)),
        enabled=True,
    )
    secret = signing.new_secret()
    endpoint.secret_enc = seal(context.keyring, endpoint, secret, "secret")
    session.add(endpoint)
    await session.flush()
    return Registered(endpoint, secret)


async def owned(session: AsyncSession, lender_id: str, endpoint_id: str) -> LenderWebhookEndpoint:
    endpoint = await session.get(LenderWebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.lender_id != lender_id:
        raise NotFound("no such webhook endpoint")
    return endpoint


async def list_endpoints(session: AsyncSession, lender_id: str) -> list[LenderWebhookEndpoint]:
    rows = await session.scalars(
        select(LenderWebhookEndpoint)
        .where(LenderWebhookEndpoint.lender_id == lender_id)
        .order_by(LenderWebhookEndpoint.created_at, LenderWebhookEndpoint.id)
    )
    return list(rows)


async def change(
    session: AsyncSession, endpoint: LenderWebhookEndpoint, body: EndpointPatch
) -> LenderWebhookEndpoint:
    if body.description is not None:
        endpoint.description = body.description
    if body.event_types is not None:
        endpoint.event_types = sorted(set(body.event_types))
    if body.enabled is not None and body.enabled != endpoint.enabled:
        endpoint.enabled = body.enabled
        if not body.enabled:
            await session.execute(
                update(LenderWebhookDelivery)
                .where(
                    LenderWebhookDelivery.endpoint_id == endpoint.id,
                    LenderWebhookDelivery.status == "pending",
                )
                .values(
                    status="cancelled",
                    next_attempt_at=None,
                    last_error="the endpoint was disabled before this was sent",
                )
            )
    await session.flush()
    return endpoint


async def rotate_secret(
    context: AppContext, endpoint: LenderWebhookEndpoint, previous_hours: int | None
) -> str:
    """A new secret; the current one keeps signing beside it for ``previous_hours``."""
    now = context.clock()
    hours = (
        context.settings.lender_webhooks.previous_secret_hours
        if previous_hours is None
        else previous_hours
    )
    current = endpoint_secrets(context.keyring, endpoint, now)[0]
    secret = signing.new_secret()
    if hours > 0:
        endpoint.previous_secret_enc = seal(context.keyring, endpoint, current, "previous_secret")
        endpoint.previous_secret_expires_at = now + timedelta(hours=hours)
    else:
        endpoint.previous_secret_enc = endpoint.previous_secret_expires_at = None
    endpoint.secret_enc = seal(context.keyring, endpoint, secret, "secret")
    return secret


async def deliveries(
    session: AsyncSession,
    endpoint: LenderWebhookEndpoint,
    *,
    status: str | None,
    limit: int,
    before: datetime | None,
) -> list[DeliveryOut]:
    """The endpoint's delivery log, newest first."""
    query = (
        select(LenderWebhookDelivery, LenderWebhookEvent.type)
        .join(LenderWebhookEvent, LenderWebhookEvent.id == LenderWebhookDelivery.event_id)
        .where(LenderWebhookDelivery.endpoint_id == endpoint.id)
        .order_by(LenderWebhookDelivery.created_at.desc(), LenderWebhookDelivery.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(LenderWebhookDelivery.status == status)
    if before is not None:
        query = query.where(LenderWebhookDelivery.created_at < before)
    rows = await session.execute(query)
    return [view(delivery, event_type) for delivery, event_type in rows]


def view(delivery: LenderWebhookDelivery, event_type: str) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=event_type,
        status=delivery.status,  # type: ignore[arg-type]
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        last_response_excerpt=delivery.last_response_excerpt,
        last_attempt_at=delivery.last_attempt_at,
        next_attempt_at=delivery.next_attempt_at,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )


async def redeliver(
    context: AppContext,
    session: AsyncSession,
    endpoint: LenderWebhookEndpoint,
    delivery_id: str,
) -> DeliveryOut:
    """Send the delivery's event again now (same event id, so a receiver that already has it
    can tell). Its attempts keep counting: if this try fails, retries go on only while the
    delivery is under the attempt limit, and within the age limit counted from now."""
    delivery = await session.get(LenderWebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound("no such delivery for this endpoint")
    if not endpoint.enabled:
        raise Conflict("enable the endpoint before asking for a redelivery")
    now = context.clock()
    delivery.status = "pending"
    delivery.scheduled_at = delivery.next_attempt_at = now
    await session.flush()
    event = await session.get(LenderWebhookEvent, delivery.event_id)
    return view(delivery, event.type if event is not None else "")
