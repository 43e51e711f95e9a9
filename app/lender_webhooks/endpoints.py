"""The lender webhook API under ``/v1/webhook-endpoints``, with a key holding ``webhooks:manage``.

The signing secret is in the answer to a registration and to a rotation, and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response

from app.audit import service as audit
from app.deps import ContextDep, SessionDep
from app.kit.errors import error_responses
from app.kit.ids import id_path
from app.lender_webhooks import service
from app.lender_webhooks.schemas import (
    DeliveryOut,
    EndpointCreated,
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    RotateIn,
    SecretOut,
)
from app.lenders.deps import LenderPrincipal, LenderPrincipalData
from app.models import LenderWebhookEndpoint

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["lender webhooks"])
SCOPE = "webhooks:manage"
EndpointId = id_path("the endpoint's id")


def _out(endpoint: LenderWebhookEndpoint) -> EndpointOut:
    return EndpointOut.model_validate(endpoint, from_attributes=True)


def _audit(
    request: Request, session: SessionDep, lender: LenderPrincipalData, action: str, target: str
) -> None:
    audit.record(
        session,
        actor_type="lender",
        actor_id=lender.lender_id,
        action=action,
        target_id=target,
        request=request,
        key_id=lender.key_id,
    )


@router.post(
    "",
    response_model=EndpointCreated,
    status_code=201,
    responses=error_responses(401, 403, 409, 422),
)
async def register_endpoint(
    request: Request,
    body: EndpointIn,
    lender: LenderPrincipal,
    context: ContextDep,
    session: SessionDep,
) -> EndpointCreated:
    """Register an endpoint. The answer holds its signing secret, shown this once."""
    lender.require(SCOPE)
    registered = await service.register(context, session, lender.lender_id, body)
    _audit(request, session, lender, "webhook_endpoint.create", registered.endpoint.id)
    return EndpointCreated(**_out(registered.endpoint).model_dump(), secret=registered.secret)


@router.get("", response_model=list[EndpointOut], responses=error_responses(401, 403))
async def list_endpoints(lender: LenderPrincipal, session: SessionDep) -> list[EndpointOut]:
    lender.require(SCOPE)
    return [_out(row) for row in await service.list_endpoints(session, lender.lender_id)]


@router.patch(
    "/{endpoint_id}", response_model=EndpointOut, responses=error_responses(401, 403, 404)
)
async def change_endpoint(
    request: Request,
    body: EndpointPatch,
    lender: LenderPrincipal,
    session: SessionDep,
    endpoint_id: str = EndpointId,
) -> EndpointOut:
    """Enable or disable an endpoint, or change its description or events."""
    lender.require(SCOPE)
    endpoint = await service.owned(session, lender.lender_id, endpoint_id)
    await service.change(session, endpoint, body)
    _audit(request, session, lender, "webhook_endpoint.update", endpoint.id)
    return _out(endpoint)


@router.delete("/{endpoint_id}", status_code=204, responses=error_responses(401, 403, 404))
async def delete_endpoint(
    request: Request, lender: LenderPrincipal, session: SessionDep, endpoint_id: str = EndpointId
) -> Response:
    """Delete an endpoint with its delivery log; nothing more is sent to it."""
    lender.require(SCOPE)
    endpoint = await service.owned(session, lender.lender_id, endpoint_id)
    await session.delete(endpoint)
    _audit(request, session, lender, "webhook_endpoint.delete", endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=SecretOut,
    responses=error_responses(401, 403, 404),
)
async def rotate_secret(
    request: Request,
    lender: LenderPrincipal,
    context: ContextDep,
    session: SessionDep,
    body: RotateIn | None = None,
    endpoint_id: str = EndpointId,
) -> SecretOut:
    """A new signing secret, shown this once; the old one also signs for a grace period."""
    lender.require(SCOPE)
    endpoint = await service.owned(session, lender.lender_id, endpoint_id)
    hours = body.previous_secret_hours if body is not None else None
    secret = await service.rotate_secret(context, endpoint, hours)
    _audit(request, session, lender, "webhook_endpoint.rotate_secret", endpoint.id)
    return SecretOut(secret=secret, previous_secret_expires_at=endpoint.previous_secret_expires_at)


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=list[DeliveryOut],
    responses=error_responses(401, 403, 404),
)
async def list_deliveries(
    lender: LenderPrincipal,
    session: SessionDep,
    endpoint_id: str = EndpointId,
    status: Literal["pending", "delivered", "failed", "cancelled"] | None = None,
    before: Annotated[
        datetime | None, Query(description="only deliveries created before this time")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    """The delivery log, newest first: each event, its attempts and the endpoint's answers."""
    lender.require(SCOPE)
    endpoint = await service.owned(session, lender.lender_id, endpoint_id)
    return await service.deliveries(session, endpoint, status=status, limit=limit, before=before)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
    responses=error_responses(401, 403, 404, 409),
)
async def redeliver(
    request: Request,
    background: BackgroundTasks,
    lender: LenderPrincipal,
    context: ContextDep,
    session: SessionDep,
    endpoint_id: str = EndpointId,
    delivery_id: str = id_path(),
) -> DeliveryOut:
    """Send a delivery's event again now, with the same event id."""
    lender.require(SCOPE)
    endpoint = await service.owned(session, lender.lender_id, endpoint_id)
    delivery = await service.redeliver(context, session, endpoint, delivery_id)
    _audit(request, session, lender, "webhook_delivery.redeliver", delivery.id)
    # After the commit (the request's transaction ends before the answer is sent).
    background.add_task(context.jobs.enqueue_lender_webhooks)
    return delivery
