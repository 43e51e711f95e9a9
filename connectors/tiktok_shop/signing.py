"""TikTok Shop request signing (reference 1.2) as an ``httpx.Auth``.

sign = hex(HMAC-SHA256(secret, secret + path + sorted(k + v) + body + secret)) where the query
excludes ``sign`` and ``access_token``, values are the decoded values, the path is relative to
the API base URL (so a sandbox mounted under a prefix signs the platform path), and the body is
the exact bytes sent (nothing for multipart). The signer adds ``app_key`` and ``timestamp``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Generator, Mapping
from urllib.parse import urlsplit

import httpx

from connectors.core.timestamps import Clock, to_unix, utc_now

_UNSIGNED = frozenset({"sign", "access_token", "x-tts-access-token"})


def string_to_sign(path: str, params: Mapping[str, str], body: bytes = b"") -> bytes:
    """The base string before wrapping: path, then ``key + value`` by byte order, then body."""
    keys = sorted((k for k in params if k not in _UNSIGNED), key=lambda k: k.encode())
    return path.encode() + "".join(k + params[k] for k in keys).encode() + body


def compute_sign(app_secret: str, path: str, params: Mapping[str, str], body: bytes = b"") -> str:
    """Lower-case hex HMAC-SHA256 of ``secret + base string + secret`` keyed by the secret."""
    secret = app_secret.encode()
    message = secret + string_to_sign(path, params, body) + secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class TikTokShopSigner(httpx.Auth):
    """Adds ``app_key``, ``timestamp`` and ``sign`` to every request's query.

    ``api_base_path`` is the API base URL or just its path (``""`` for the real host,
    ``/tiktok-shop/api`` for the sandbox); it is stripped from the request path before signing.
    """

    requires_request_body = True

    def __init__(
        self, app_key: str, app_secret: str, api_base_path: str = "", clock: Clock = utc_now
    ) -> None:
        self._app_key = app_key
        self._app_secret = app_secret
        base = urlsplit(api_base_path).path if "://" in api_base_path else api_base_path
        self._base_path = base.rstrip("/")
        self._clock = clock

    def __repr__(self) -> str:
        return f"TikTokShopSigner(app_key={self._app_key!r}, base={self._base_path!r})"

    def signed_path(self, path: str) -> str:
        if not path.startswith(self._base_path + "/"):
            raise ValueError(f"request path {path!r} is not under the API base path")
        return path[len(self._base_path) :]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        params: dict[str, str] = {}
        for key, value in request.url.params.multi_items():
            if key in params:
                raise ValueError(
                    f"query parameter {key!r} is repeated; send one comma-joined value"
                )
            if key not in _UNSIGNED:
                params[key] = value
        params["app_key"] = self._app_key
        params["timestamp"] = str(to_unix(self._clock()))
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = b"" if media_type == "multipart/form-data" else request.content
        sign = compute_sign(self._app_secret, self.signed_path(request.url.path), params, body)
        request.url = request.url.copy_with(params={**params, "sign": sign})
        yield request
