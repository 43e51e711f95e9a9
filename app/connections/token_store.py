"""The connector's TokenStore over business_connections.

Each call runs in its own short transaction, so a refreshed (possibly rotated) token is committed
before the connector uses it. Saving writes every row that shares the authorization (one TikTok
authorization may cover several shops), each encrypted for its own row.
"""

from __future__ import annotations

from sqlalchemy import select

from app.connections.token_crypto import read_tokens, write_tokens
from app.context import AppContext
from app.db import transaction
from app.models import BusinessConnection
from connectors.core.records import TokenSet


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
        async with transaction(self._context.sessions) as session:
            connection = await session.get(BusinessConnection, self._connection_id)
            if connection is None:
                raise LookupError("connection no longer exists")
            siblings = [connection]
            if connection.authorization_id:
                siblings = list(
                    await session.scalars(
                        select(BusinessConnection).where(
                            BusinessConnection.borrower_id == connection.borrower_id,
                            BusinessConnection.platform == connection.platform,
                            BusinessConnection.authorization_id == connection.authorization_id,
                        )
                    )
                )
            for row in siblings:
                write_tokens(self._context.keyring, row, tokens)
