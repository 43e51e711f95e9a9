"""Durable jobs: the sync lease on connections, and procrastinate's queue on PostgreSQL.

The queue's tables and functions are procrastinate's own schema, taken from the installed
package (pinned in pyproject.toml). A later procrastinate release that changes its schema ships
migration scripts; they are applied by a new revision here, never by hand.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.kit.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("business_connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_lease_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("sync_lease_until", app.kit.types.UTCDateTime(timezone=True), nullable=True)
        )
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # Sent as is, without parameters, on the migration's own connection and transaction:
        # the script's PL/pgSQL uses % in RAISE, which any bound statement would misread.
        cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_jobs, procrastinate_workers CASCADE"
        )
        op.execute(
            """
            DO $$ DECLARE f record; BEGIN
              FOR f IN SELECT oid::regprocedure AS sig FROM pg_proc
                       WHERE proname LIKE 'procrastinate\\_%' LOOP
                EXECUTE 'DROP FUNCTION IF EXISTS ' || f.sig || ' CASCADE';
              END LOOP;
            END $$;
            """
        )
        op.execute(
            "DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_status, "
            "procrastinate_job_event_type CASCADE"
        )
    with op.batch_alter_table("business_connections", schema=None) as batch_op:
        batch_op.drop_column("sync_lease_until")
        batch_op.drop_column("sync_lease_owner")
