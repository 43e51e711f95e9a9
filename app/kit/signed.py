"""Short-lived signed tokens (itsdangerous): borrower sessions, sign-in links, OAuth state.

Each use has its own salt, so a token minted for one purpose is refused by every other.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SESSION = "borrower-session"
SIGN_IN_LINK = "dev-sign-in-link"
OAUTH_STATE = "oauth-state"


class InvalidToken(Exception):
    """The token is forged, tampered with, expired, or minted for another purpose."""


class Signer:
    def __init__(self, secret_key: str):
        self._serializer = URLSafeTimedSerializer(secret_key)

    def dumps(self, payload: Any, purpose: str) -> str:
        return self._serializer.dumps(payload, salt=purpose)

    def loads(self, token: str, purpose: str, max_age_s: int) -> Any:
        try:
            return self._serializer.loads(token, salt=purpose, max_age=max_age_s)
        except SignatureExpired:
            raise InvalidToken("expired") from None
        except BadSignature:
            raise InvalidToken("invalid signature") from None
