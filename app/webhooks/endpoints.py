"""`POST /webhooks/shopify`: verify the HMAC over the raw body before anything else, record the
delivery once, apply it, acknowledge fast; heavy work (shop deletion, re-scoring) runs after."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.connections.platforms import SHOPIFY
from app.db import transaction
from app.deps import ContextDep
from app.kit.errors import error_json
from app.webhooks import shopify
from app.webhooks.envelope import check_envelope
from app.webhooks.inbox import mark_processed, record_delivery
from connectors.shopify import InvalidWebhook, parse_webhook, verify_webhook

router = APIRouter(tags=["webhooks"])
log = structlog.get_logger(__name__)


@router.post("/webhooks/shopify", include_in_schema=False)
async def shopify_webhook(request: Request, context: ContextDep) -> Response:
    raw = await request.body()  # size capped by the app's BodySizeLimit middleware
    secret = context.settings.shopify.client_secret.get_secret_value()
    if not verify_webhook(secret, raw, request.headers.get("x-shopify-hmac-sha256", "")):
        # Shopify's rule for compliance topics, and ours for all: 401 on a bad signature.
        return error_json(
            401, "invalid_signature", "X-Shopify-Hmac-Sha256 is missing or does not sign the body"
        )
    # Nothing below records anything until the delivery is known to be well-formed, so a
    # refused delivery leaves its webhook id free for a good retry.
    check_envelope(request.headers)
    try:
        webhook = parse_webhook(request.headers, raw)
    except InvalidWebhook as exc:
        return error_json(400, "invalid_webhook", str(exc))
    now = context.clock()
    async with transaction(context.sessions) as session:
        fresh = await record_delivery(
            session,
            platform=SHOPIFY,
            delivery_id=webhook.webhook_id,
            event_id=webhook.event_id,
            topic=webhook.topic,
            account=webhook.shop_domain,
            triggered_at=webhook.triggered_at,
            received_at=now,
        )
        if not fresh:
            return JSONResponse({"status": "duplicate"})
        applied = await shopify.apply(session, webhook, now)
        await mark_processed(session, SHOPIFY, webhook.webhook_id, applied.outcome, now)
    if applied.delete_connections:
        await context.jobs.enqueue_delete_connections(applied.delete_connections, applied.rescore)
    else:
        for borrower_id in applied.rescore:
            await context.jobs.enqueue_rescore(borrower_id)
    log.info("shopify_webhook", topic=webhook.topic, outcome=applied.outcome)
    return JSONResponse({"status": "accepted"})
