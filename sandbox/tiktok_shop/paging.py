"""Opaque page tokens: base64 (standard alphabet, so ``/`` and ``+`` occur, reference 4.1),
bound to the query they were issued for, and tamper-evident.

Layout before base64: 11-byte nonce | 4-byte offset XOR keystream | 12-byte tag. The nonce and
keystream are derived from a secret, so the token is deterministic (same data, same pages) yet
shows no raw offset; the tag covers the query fingerprint, so a replay with other filters fails.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import struct
from typing import Any

_NONCE, _OFFSET, _TAG = 11, 4, 12


class BadPageToken(ValueError):
    """The token was not issued by this server for this query."""


def fingerprint(query: dict[str, Any]) -> bytes:
    return hashlib.sha256(
        json.dumps(query, sort_keys=True, separators=(",", ":")).encode()
    ).digest()


def _mac(secret: bytes, *parts: bytes) -> bytes:
    return hmac.new(secret, b"|".join(parts), hashlib.sha256).digest()


def encode(secret: bytes, query: dict[str, Any], offset: int) -> str:
    fp = fingerprint(query)
    raw_offset = struct.pack(">I", offset)
    nonce = _mac(secret, b"nonce", fp, raw_offset)[:_NONCE]
    stream = _mac(secret, b"stream", nonce)[:_OFFSET]
    masked = bytes(a ^ b for a, b in zip(raw_offset, stream, strict=True))
    tag = _mac(secret, b"tag", nonce, raw_offset, fp)[:_TAG]
    return base64.b64encode(nonce + masked + tag).decode()


def decode(secret: bytes, query: dict[str, Any], token: str) -> int:
    """The offset a token stands for; BadPageToken if forged, altered or bound to another query."""
    try:
        raw = base64.b64decode(token.encode(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadPageToken("page_token is not valid") from exc
    if len(raw) != _NONCE + _OFFSET + _TAG:
        raise BadPageToken("page_token is not valid")
    nonce, masked, tag = raw[:_NONCE], raw[_NONCE : _NONCE + _OFFSET], raw[_NONCE + _OFFSET :]
    stream = _mac(secret, b"stream", nonce)[:_OFFSET]
    raw_offset = bytes(a ^ b for a, b in zip(masked, stream, strict=True))
    expected = _mac(secret, b"tag", nonce, raw_offset, fingerprint(query))[:_TAG]
    if not hmac.compare_digest(tag, expected):
        raise BadPageToken("page_token does not belong to this query")
    offset: int = struct.unpack(">I", raw_offset)[0]
    return offset
