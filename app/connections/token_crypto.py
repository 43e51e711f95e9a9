"""Platform tokens at rest: encrypted into a connection row, decrypted only to call the platform.

The associated data names the row and column, so a ciphertext moved to another row or column
does not decrypt.
"""

from __future__ import annotations

from app.kit.crypto import Keyring, secret_aad
from app.models import BusinessConnection
from connectors.core.records import AccountRole, TokenSet

TABLE = BusinessConnection.__tablename__


def write_tokens(keyring: Keyring, connection: BusinessConnection, tokens: TokenSet) -> None:
    connection.access_token_enc = keyring.encrypt(
        tokens.access_token, secret_aad(TABLE, connection.id, "access_token")
    )
    connection.access_token_expires_at = tokens.access_expires_at
    connection.refresh_token_enc = (
        keyring.encrypt(tokens.refresh_token, secret_aad(TABLE, connection.id, "refresh_token"))
        if tokens.refresh_token
        else None
    )
    connection.refresh_token_expires_at = tokens.refresh_expires_at
    connection.granted_scopes = list(tokens.scopes)


def read_tokens(keyring: Keyring, connection: BusinessConnection) -> TokenSet:
    if not connection.access_token_enc or connection.access_token_expires_at is None:
        raise LookupError("this connection holds no tokens")
    return TokenSet(
        access_token=keyring.decrypt(
            connection.access_token_enc, secret_aad(TABLE, connection.id, "access_token")
        ),
        access_expires_at=connection.access_token_expires_at,
        refresh_token=(
            keyring.decrypt(
                connection.refresh_token_enc, secret_aad(TABLE, connection.id, "refresh_token")
            )
            if connection.refresh_token_enc
            else None
        ),
        refresh_expires_at=connection.refresh_token_expires_at,
        scopes=tuple(connection.granted_scopes or ()),
        account_id=connection.authorization_id,
        account_name=connection.shop_name,
        region=connection.region,
        role=AccountRole(connection.role),
    )
