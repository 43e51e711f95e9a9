"""What each Shopify webhook topic does to the stored data (inside the request's transaction).

Order topics upsert the order (and refunds) by platform id, exactly as a pull would, and ask for
a re-score; app/uninstalled revokes the connection and deletes its tokens; the compliance topics
are answered from what is stored — which holds no customer PII: a customer appears only as a
pseudonymous reference, and customers/redact removes even that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.connections.platforms import SHOPIFY
from app.kit.upsert import upsert
from app.models import BusinessConnection, ConnectionStatus, Order
from app.sync.rows import TARGETS, to_row
from connectors.core.errors import BadRecord
from connectors.shopify import (
    ORDER_TOPICS,
    REFUND_TOPICS,
    UNINSTALLED_TOPIC,
    ShopifyWebhook,
    records_from_webhook,
)
from connectors.shopify.models import buyer_ref


@dataclass
class Applied:
    outcome: str
    rescore: set[str] = field(default_factory=set)
    # shop/redact: delete these connections (and their data) outside the request
    delete_connections: list[str] = field(default_factory=list)


async def apply(session: AsyncSession, webhook: ShopifyWebhook, now: datetime) -> Applied:
    connections = list(
        await session.scalars(
            select(BusinessConnection).where(
                BusinessConnection.platform == SHOPIFY,
                BusinessConnection.external_account_id == webhook.shop_domain,
            )
        )
    )
    topic = webhook.topic
    if topic in ORDER_TOPICS or topic in REFUND_TOPICS:
        return await _upsert_orders(session, webhook, connections, now)
    if topic == UNINSTALLED_TOPIC:
        for connection in connections:
            audit.record_connection(
                session, "connection.revoked", connection, actor_type="platform", topic=topic
            )
            connection.status = ConnectionStatus.REVOKED.value
            connection.status_reason = "The creditscore app was uninstalled from the store"
            connection.access_token_enc = connection.refresh_token_enc = None
        return Applied(
            f"revoked {len(connections)} connection(s) and deleted their tokens",
            rescore={c.borrower_id for c in connections},
        )
    if topic == "customers/data_request":
        return Applied(
            "no customer personal data is stored: orders keep only a pseudonymous buyer "
            f"reference (answered {now.isoformat()})"
        )
    if topic == "customers/redact":
        customer = webhook.payload.get("customer")
        try:
            ref = buyer_ref(webhook.shop_domain, customer)
        except BadRecord:
            ref = None
        redacted = 0
        if ref is not None:
            result = await session.execute(
                update(Order)
                .where(
                    Order.platform == SHOPIFY,
                    Order.connection_id.in_([c.id for c in connections]),
                    Order.buyer_ref == ref,
                )
                .values(buyer_ref=None)
                .returning(Order.id)
            )
            redacted = len(result.all())
        return Applied(f"removed the pseudonymous buyer reference from {redacted} order(s)")
    if topic == "shop/redact":
        for connection in connections:
            audit.record_connection(
                session, "connection.delete", connection, actor_type="platform", topic=topic
            )
        return Applied(
            f"deleting {len(connections)} connection(s) of the shop and their data",
            rescore={c.borrower_id for c in connections},
            delete_connections=[c.id for c in connections],
        )
    return Applied(f"topic {topic} is not used")


async def _upsert_orders(
    session: AsyncSession,
    webhook: ShopifyWebhook,
    connections: list[BusinessConnection],
    now: datetime,
) -> Applied:
    active = [c for c in connections if c.status == ConnectionStatus.ACTIVE.value]
    stored = 0
    for connection in active:
        try:
            records = records_from_webhook(webhook, currency=connection.currency)
        except (BadRecord, ValueError) as exc:
            reason = exc.message if isinstance(exc, BadRecord) else str(exc)
            return Applied(f"payload not usable: {reason}")
        by_kind: dict[type, list[dict[str, object]]] = {}
        for record in records:
            by_kind.setdefault(type(record), []).append(
                to_row(
                    record,
                    connection_id=connection.id,
                    borrower_id=connection.borrower_id,
                    seen_at=now,
                )
            )
        for kind, rows in by_kind.items():
            target = TARGETS[kind]
            stored += await upsert(session, target.model, rows, target.key)
    return Applied(
        f"upserted {stored} record(s) for {len(active)} connection(s)",
        rescore={c.borrower_id for c in active},
    )
