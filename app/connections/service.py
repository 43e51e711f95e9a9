"""Storing a platform connection: one row per borrower and account, tokens encrypted for it.

Services never commit; the caller owns the transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.token_crypto import write_tokens
from app.context import AppContext
from app.models import Borrower, BusinessConnection, ConnectionStatus, SyncState
from connectors.core.records import TokenSet


async def store_connection(
    context: AppContext,
    session: AsyncSession,
    borrower: Borrower,
    platform: str,
    account_id: str,
    tokens: TokenSet,
    **fields: object,
) -> BusinessConnection:
    """Create or renew the borrower's connection to ``account_id``: active, tokens encrypted
    for this row, waiting for its pull."""
    connection = await session.scalar(
        select(BusinessConnection).where(
            BusinessConnection.borrower_id == borrower.id,
            BusinessConnection.platform == platform,
            BusinessConnection.external_account_id == account_id,
        )
    )
    if connection is None:
        # The service's clock, not the database's: scoring as of a date leaves out the
        # connections made after it.
        connection = BusinessConnection(
            borrower_id=borrower.id,
            platform=platform,
            external_account_id=account_id,
            created_at=context.clock(),
        )
        session.add(connection)
        await session.flush()  # the row id is the tokens' associated data
    for name, value in fields.items():
        setattr(connection, name, value)
    connection.status = ConnectionStatus.ACTIVE.value
    connection.status_reason = None
    connection.sync_state = SyncState.PENDING.value
    write_tokens(context.keyring, connection, tokens)
    return connection
