"""Supabase Auth: a borrower's access token (JWT), verified locally, names the borrower.

authlib's JOSE support checks the signature against the project's JWT secret (HS256) or its
JSON Web Key Set (RS256/ES256), then expiry, not-before, audience and issuer; ``sub`` becomes the
borrower subject ``supabase:<sub>``. The algorithm family picks the key (a token signed "HS256"
never meets a public key), ``alg: none`` is never accepted, and no message repeats the token.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from typing import Any

import httpx
from authlib.jose import JsonWebKey, JsonWebToken, KeySet
from authlib.jose.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidTokenError,
    JoseError,
    MissingClaimError,
)
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.borrowers.service import get_or_create
from app.config import IdentitySettings
from app.context import AppContext
from app.kit.errors import NotAuthenticated
from app.models import Borrower

SYMMETRIC: tuple[str, ...] = ("HS256",)
ASYMMETRIC: tuple[str, ...] = ("RS256", "ES256")
LEEWAY_S = 30
MAX_TOKEN_CHARS = 8192
MAX_SUB_CHARS = 128


class SupabaseTokenError(NotAuthenticated):
    def __init__(self, reason: str):
        super().__init__(f"Supabase access token rejected: {reason}; sign in again")


class SupabaseVerifier:
    """Verifies access tokens of one Supabase project; the JWKS is fetched at most once."""

    def __init__(self, settings: IdentitySettings, http: httpx.AsyncClient):
        self._settings = settings
        self._http = http
        secret = settings.supabase_jwt_secret
        self._secret = secret.get_secret_value().encode() if secret else None
        self._keys: KeySet | None = (
            JsonWebKey.import_key_set(settings.supabase_jwks) if settings.supabase_jwks else None
        )
        self._fetch_lock = asyncio.Lock()

    async def _key_set(self) -> KeySet | None:
        if self._keys is not None or not self._settings.supabase_jwks_url:
            return self._keys
        async with self._fetch_lock:
            if self._keys is None:
                try:
                    response = await self._http.get(self._settings.supabase_jwks_url)
                    response.raise_for_status()
                    self._keys = JsonWebKey.import_key_set(response.json())
                except (httpx.HTTPError, ValueError, JoseError):
                    raise SupabaseTokenError("the signing keys could not be loaded") from None
        return self._keys

    async def claims(self, token: str, now: int) -> dict[str, Any]:
        """The verified claims of ``token`` at epoch second ``now``; raises `SupabaseTokenError`."""
        if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise SupabaseTokenError("not a signed JWT")
        algorithm = _header(token).get("alg")
        key: bytes | KeySet | None
        if algorithm in SYMMETRIC:
            key, allowed = self._secret, SYMMETRIC
        elif algorithm in ASYMMETRIC:
            key, allowed = await self._key_set(), ASYMMETRIC
        else:
            raise SupabaseTokenError("signing algorithm not accepted")
        if key is None:
            raise SupabaseTokenError("signing algorithm not accepted")
        options = {
            "iss": {"essential": True, "value": self._settings.supabase_issuer},
            "aud": {"essential": True, "value": self._settings.supabase_audience},
            "sub": {"essential": True},
            "exp": {"essential": True},
        }
        try:
            claims = JsonWebToken(list(allowed)).decode(token, key, claims_options=options)
            claims.validate(now=now, leeway=LEEWAY_S)
        except BadSignatureError:
            raise SupabaseTokenError("signature does not verify") from None
        except ExpiredTokenError:
            raise SupabaseTokenError("expired") from None
        except InvalidTokenError:
            raise SupabaseTokenError("not valid yet") from None
        except MissingClaimError as exc:
            raise SupabaseTokenError(f"missing claim {_claim_in(exc)!r}") from None
        except InvalidClaimError as exc:
            raise SupabaseTokenError(f"wrong {_CLAIM_NAMES.get(_claim_in(exc), 'claim')}") from None
        except (JoseError, ValueError):
            # ValueError: no key with the token's "kid", or a malformed token.
            raise SupabaseTokenError("signature does not verify") from None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > MAX_SUB_CHARS:
            raise SupabaseTokenError("missing claim 'sub'")
        return dict(claims)


_CLAIM_NAMES = {"aud": "audience", "iss": "issuer", "sub": "subject"}


def _claim_in(exc: JoseError) -> str:
    # authlib names the claim only inside its description ("Missing 'sub' claim").
    description = str(exc.description or "")
    found = re.search(r"""['"](\w+)['"]""", description)
    return found.group(1) if found else "claim"


def _header(token: str) -> dict[str, Any]:
    encoded = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, ValueError):
        raise SupabaseTokenError("not a signed JWT") from None
    if not isinstance(header, dict):
        raise SupabaseTokenError("not a signed JWT")
    return header


def verifier_of(app: FastAPI, context: AppContext) -> SupabaseVerifier:
    verifier: SupabaseVerifier | None = getattr(app.state, "supabase_verifier", None)
    if verifier is None:
        verifier = SupabaseVerifier(context.settings.identity, context.http)
        app.state.supabase_verifier = verifier
    return verifier


async def borrower_from_access_token(
    app: FastAPI, context: AppContext, session: AsyncSession, token: str
) -> Borrower:
    """The borrower a verified Supabase access token names, created on first sight."""
    now = int(context.clock().timestamp())
    claims = await verifier_of(app, context).claims(token, now)
    sub: str = claims["sub"]
    return await get_or_create(session, f"supabase:{sub}", sub)
