"""AES-256-GCM envelopes for secrets at rest (platform tokens).

Envelope text: ``v1:<key id>:<base64url(nonce || ciphertext+tag)>``. The key id says which
key decrypts, so keys can rotate; the associated data binds a ciphertext to the row and column
it was written for, so a ciphertext copied to another row does not decrypt. Nonces are 96 random
bits from the OS per encryption (NIST SP 800-38D 8.2.2), never derived from a counter that a
restore could rewind.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored secret could not be decrypted; the message never contains key or plaintext."""


class Keyring:
    """The service's encryption keys; the first one encrypts, any of them decrypts."""

    def __init__(self, keys: Mapping[str, bytes]):
        if not keys:
            raise ValueError("a keyring needs at least one key")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"key {key_id!r} must be 32 bytes for AES-256")
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.primary_id = next(iter(keys))

    @classmethod
    def from_base64(cls, keys: Mapping[str, str]) -> Keyring:
        return cls({key_id: base64.b64decode(value) for key_id, value in keys.items()})

    def encrypt(self, plaintext: str, associated_data: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.primary_id].encrypt(
            nonce, plaintext.encode(), associated_data.encode()
        )
        blob = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{VERSION}:{self.primary_id}:{blob}"

    def decrypt(self, envelope: str, associated_data: str) -> str:
        try:
            version, key_id, blob = envelope.split(":", 2)
        except ValueError:
            raise DecryptionError("stored secret is not an encryption envelope") from None
        if version != VERSION:
            raise DecryptionError(f"unknown envelope version {version!r}")
        cipher = self._keys.get(key_id)
        if cipher is None:
            raise DecryptionError(
                f"stored secret was encrypted with key {key_id!r}, which is not configured"
            )
        try:
            raw = base64.urlsafe_b64decode(blob.encode())
            return cipher.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data.encode()
            ).decode()
        except (InvalidTag, ValueError):
            raise DecryptionError(
                "stored secret failed authentication (wrong row, tampered, or wrong key)"
            ) from None

    def key_id_of(self, envelope: str) -> str:
        return envelope.split(":", 2)[1]


def secret_aad(table: str, row_id: str, column: str) -> str:
    """Associated data naming the cell a secret belongs to."""
    return f"{table}/{row_id}/{column}"
