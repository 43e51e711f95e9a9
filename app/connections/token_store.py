"""The connector's TokenStore over business_connections.

``load`` runs in its own short transaction. ``exclusive`` is the refresh section: one
transaction that first locks the rows of the authorization (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite a write that takes the database's write lock), then reads the tokens, and
commits whatever the refresher saved before the section ends. Every job, worker and process
refreshing the same authorization therefore queues on the database, re-reads the tokens the
previous holder committed, and never sends a refresh token that was already rotated away.

Saving writes every row that shares the authorization (one TikTok authorization may cover
several shops), each encrypted for its own row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.token_crypto import read_tokens, write_tokens
from app.context import AppContext
from app.db import transaction
from app.kit.crypto import Keyring
from app.models import BusinessConnection
from connectors.core.records import TokenSet
from connectors.core.tokens import HeldTokens


@dataclass
class _Held:
    keyring: Keyring
    rows: list[BusinessConnection]
    tokens: TokenSet

    async def save(self, tokens: TokenSet) -> None:
        for row in self.rows:
            write_tokens(self.keyring, row, tokens)
        self.tokens = tokens


class ConnectionTokenStore:
    def __init__(self, context: AppContext, connection_id: str):
        self._context = context
        self._connection_id = connection_id

    async def load(self) -> TokenSet:
        async with transaction(self._context.sessions) as session:
            connection = await session.get(BusinessConnection, self._connection_id)
            if connection is None:
                raise LookupError("connection no longer exists")
            return read_tokens(self._context.keyring, connection)

    async def save(self, tokens: TokenSet) -> None:
        async with self.exclusive() as held:
            await held.save(tokens)

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[HeldTokens]:
        async with transaction(self._context.sessions) as session:
            rows = await self._lock_authorization(session)
            yield _Held(self._context.keyring, rows, read_tokens(self._context.keyring, rows[0]))

    async def _lock_authorization(self, session: AsyncSession) -> list[BusinessConnection]:
        """The rows of the authorization, locked until the transaction ends; ours first."""
        if session.get_bind().dialect.name == "sqlite":
            # SQLite locks the whole database for writing; a write is the way to take it now
            # (a deferred transaction would only take it at the first write, after the read).
            await session.execute(
                update(BusinessConnection)
                .where(BusinessConnection.id == self._connection_id)
                .values(id=BusinessConnection.id)
                .execution_options(synchronize_session=False)
            )
        connection = await session.get(BusinessConnection, self._connection_id)
        if connection is None:
            raise LookupError("connection no longer exists")
        same_authorization = BusinessConnection.id == connection.id
        if connection.authorization_id:
            same_authorization = or_(
                same_authorization,
                and_(
                    BusinessConnection.borrower_id == connection.borrower_id,
                    BusinessConnection.platform == connection.platform,
                    BusinessConnection.authorization_id == connection.authorization_id,
                ),
            )
        # One statement in id order: jobs on two shops of one authorization lock in the same
        # order and cannot deadlock; populate_existing re-reads what the last holder committed.
        rows = list(
            await session.scalars(
                select(BusinessConnection)
                .where(same_authorization)
                .order_by(BusinessConnection.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        rows.sort(key=lambda row: row.id != connection.id)
        return rows
