"""Lender webhooks: endpoints with encrypted signing secrets, the event outbox, deliveries.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 11:23:44
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.kit.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "lender_webhook_endpoints",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("lender_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("event_types", JSON_DOC, nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("previous_secret_enc", sa.Text(), nullable=True),
        sa.Column(
            "previous_secret_expires_at", app.kit.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", app.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lender_id"],
            ["lenders.id"],
            name=op.f("fk_lender_webhook_endpoints_lender_id_lenders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lender_webhook_endpoints")),
    )
    with op.batch_alter_table("lender_webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lender_webhook_endpoints_lender_id"), ["lender_id"], unique=False
        )

    op.create_table(
        "lender_webhook_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=48), nullable=False),
        sa.Column("borrower_id", sa.String(length=36), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=False),
        sa.Column("created_at", app.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_lender_webhook_events_borrower_id_borrowers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lender_webhook_events")),
    )
    with op.batch_alter_table("lender_webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lender_webhook_events_borrower_id"), ["borrower_id"], unique=False
        )

    op.create_table(
        "lender_webhook_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("endpoint_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", app.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", app.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", app.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("last_response_excerpt", sa.String(length=300), nullable=True),
        sa.Column("delivered_at", app.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["lender_webhook_endpoints.id"],
            name=op.f("fk_lender_webhook_deliveries_endpoint_id_lender_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["lender_webhook_events.id"],
            name=op.f("fk_lender_webhook_deliveries_event_id_lender_webhook_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lender_webhook_deliveries")),
        sa.UniqueConstraint(
            "event_id",
            "endpoint_id",
            name=op.f("uq_lender_webhook_deliveries_event_id_endpoint_id"),
        ),
    )
    with op.batch_alter_table("lender_webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lender_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lender_webhook_deliveries_endpoint_id"), ["endpoint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("lender_webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lender_webhook_deliveries_endpoint_id"))
        batch_op.drop_index("ix_lender_webhook_deliveries_due")
    op.drop_table("lender_webhook_deliveries")
    with op.batch_alter_table("lender_webhook_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lender_webhook_events_borrower_id"))
    op.drop_table("lender_webhook_events")
    with op.batch_alter_table("lender_webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lender_webhook_endpoints_lender_id"))
    op.drop_table("lender_webhook_endpoints")
