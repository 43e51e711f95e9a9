"""Test-side token minting: Supabase-shaped JWTs (HS256 secret, RS256 keys) and SIWE messages."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from authlib.jose import JsonWebKey, jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from eth_account import Account
from eth_account.messages import encode_defunct

ISSUER = "https://demo-project.supabase.co/auth/v1"
JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"
SERVICE_DOMAIN = "creditscore.demo"


@dataclass
class RsaKey:
    kid: str
    private_pem: bytes = field(init=False)
    public_jwk: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        jwk = JsonWebKey.import_key(public, {"kty": "RSA"}).as_dict()
        self.public_jwk = {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


RSA_KEY = RsaKey("key-1")
OTHER_RSA_KEY = RsaKey("key-1")  # same kid, different key: a forger's


def claims(now: datetime, **overrides: Any) -> dict[str, Any]:
    epoch = int(now.timestamp())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": "authenticated",
        "sub": "8f7c0d3e-1b2a-4c5d-9e8f-0a1b2c3d4e5f",
        "role": "authenticated",
        "iat": epoch,
        "exp": epoch + 3600,
        **overrides,
    }
    return {k: v for k, v in values.items() if v is not None}


def hs256(payload: dict[str, Any], secret: str = JWT_SECRET) -> str:
    token: bytes = jwt.encode({"alg": "HS256", "typ": "JWT"}, payload, secret)
    return token.decode()


def rs256(payload: dict[str, Any], key: RsaKey = RSA_KEY) -> str:
    header = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    token: bytes = jwt.encode(header, payload, key.private_pem)
    return token.decode()


def unsigned(payload: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def siwe_message(
    address: str,
    nonce: str,
    issued_at: datetime,
    *,
    domain: str = SERVICE_DOMAIN,
    chain_id: int = 1,
    expiration: datetime | None = None,
) -> str:
    lines = [
        f"{domain} wants you to sign in with your Ethereum account:",
        address,
        "",
        "Sign in to creditscore.",
        "",
        f"URI: http://{domain}/login",
        "Version: 1",
        f"Chain ID: {chain_id}",
        f"Nonce: {nonce}",
        f"Issued At: {_iso(issued_at)}",
    ]
    if expiration is not None:
        lines.append(f"Expiration Time: {_iso(expiration)}")
    return "\n".join(lines)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def sign(message: str, account: Any) -> str:
    signed = Account.sign_message(encode_defunct(text=message), private_key=account.key)
    signature: str = "0x" + signed.signature.hex().removeprefix("0x")
    return signature
