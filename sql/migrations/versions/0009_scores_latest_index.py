"""A borrower's latest score found through one index: (borrower_id, computed_at, as_of).

Every score read (the borrower's page, the lender API) asks for the newest score of one
borrower; with only ``borrower_id`` indexed that sorts the borrower's whole score history, which
grows by one row per daily refresh. The composite index replaces the single-column one (its
leading column serves the same lookups).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 18:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scores_borrower_latest", ["borrower_id", "computed_at", "as_of"], unique=False
        )
        batch_op.drop_index("ix_scores_borrower_id")


def downgrade() -> None:
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_index("ix_scores_borrower_id", ["borrower_id"], unique=False)
        batch_op.drop_index("ix_scores_borrower_latest")
