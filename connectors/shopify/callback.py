"""Verifying Shopify's signed redirects: the OAuth callback and the install request (reference 1.5).

Procedure: drop ``hmac`` (and ``signature``), sort the remaining parameters, join them as
``key=value`` with ``&``, HMAC-SHA256 with the client secret, compare the lowercase hex digest
in constant time. The official libraries disagree on encoding values that contain ``=``, ``/``,
``+``, spaces and the like (reference 1.5, "Encoding subtlety"): Python ShopifyAPI signs raw
values (escaping only ``%``, ``&`` and, in keys, ``=``), Ruby and JS sign form-encoded values.
Both digests are computed and either may match: each is an HMAC under our secret over an
unambiguous rendering of the same parameters, so accepting both admits no forgery, and the
callback works whichever style Shopify's server uses for unusual values.

Then: the shop is a ``*.myshopify.com`` domain, the timestamp is fresh, no parameter is
repeated (a repeated key has no defined signing form, so it is rejected rather than guessed).
The state's binding to a borrower is the app's: pass ``expected_state`` or compare yourself.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from connectors.core.timestamps import to_unix
from connectors.shopify.config import ShopifyConfig
from connectors.shopify.errors import InvalidCallback, InvalidShopDomain
from connectors.shopify.shop_domain import normalize_shop_domain

_UNSIGNED = frozenset({"hmac", "signature"})
_FORM_SAFE = frozenset(string.ascii_letters + string.digits + "*-._")


class MultiItems(Protocol):
    """A multi-dict (starlette ``QueryParams``, ``httpx.QueryParams``...)."""

    def multi_items(self) -> list[tuple[str, str]]: ...


Query = Mapping[str, str] | MultiItems | Iterable[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class ShopCallback:
    """A verified callback. ``repr`` hides the code (it can be exchanged for a token)."""

    shop: str
    code: str
    state: str
    timestamp: datetime
    host: str | None = None

    def __repr__(self) -> str:
        return (
            f"ShopCallback(shop={self.shop!r}, state={self.state!r}, "
            f"timestamp={self.timestamp.isoformat()}, code=***)"
        )


def query_pairs(query: Query) -> list[tuple[str, str]]:
    """The (key, value) pairs of ``query`` in received order, whatever container it came in."""
    multi = getattr(query, "multi_items", None)
    if callable(multi):
        pairs: Iterable[Any] = multi()
    elif isinstance(query, Mapping):
        pairs = query.items()
    else:
        pairs = cast(Iterable[Any], query)
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidCallback("query keys and values must be strings")
        out.append((key, value))
    return out


def raw_message(pairs: Iterable[tuple[str, str]]) -> str:
    """Python ShopifyAPI style: raw values; ``%``/``&`` escaped everywhere, ``=`` in keys."""
    items = []
    for key, value in pairs:
        if key in _UNSIGNED:
            continue
        k = key.replace("%", "%25").replace("=", "%3D")
        v = value.replace("%", "%25")
        items.append(f"{k}={v}".replace("&", "%26"))
    return "&".join(sorted(items))


def form_message(pairs: Iterable[tuple[str, str]]) -> str:
    """Ruby/JS style: keys sorted, keys and values form-encoded, spaces as ``%20``."""
    kept = sorted((k, v) for k, v in pairs if k not in _UNSIGNED)
    return "&".join(f"{_form_encode(k)}={_form_encode(v)}" for k, v in kept)


def _form_encode(text: str) -> str:
    return "".join(
        char if char in _FORM_SAFE else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in text
    )


def sign(secret: str, message: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``message`` keyed by the client secret."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_signed_query(
    config: ShopifyConfig,
    query: Query,
    *,
    now: datetime,
    max_age_s: int | None = None,
    max_future_s: int | None = None,
) -> dict[str, str]:
    """Check ``hmac``, ``shop`` and ``timestamp`` of a signed redirect; its parameters as a dict.

    ``shop`` comes back normalised. Raises ``InvalidCallback`` naming the first failed check.
    """
    pairs = query_pairs(query)
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise InvalidCallback(f"query parameter {key[:40]!r} is repeated")
        params[key] = value
    given = params.get("hmac", "").strip().lower()
    if not given:
        raise InvalidCallback("the callback carries no hmac")
    secret = config.client_secret
    raw_ok = hmac.compare_digest(given.encode(), sign(secret, raw_message(pairs)).encode())
    form_ok = hmac.compare_digest(given.encode(), sign(secret, form_message(pairs)).encode())
    if not (raw_ok or form_ok):
        raise InvalidCallback("the callback's hmac does not match: not signed by Shopify")
    try:
        params["shop"] = normalize_shop_domain(params.get("shop", ""))
    except InvalidShopDomain as exc:
        raise InvalidCallback("the callback's shop is not a *.myshopify.com domain") from exc
    _check_timestamp(
        params.get("timestamp", ""),
        now=now,
        max_age_s=config.callback_max_age_s if max_age_s is None else max_age_s,
        max_future_s=config.callback_max_future_s if max_future_s is None else max_future_s,
    )
    return params


def verify_callback(
    config: ShopifyConfig,
    query: Query,
    *,
    now: datetime,
    max_age_s: int | None = None,
    max_future_s: int | None = None,
    expected_state: str | None = None,
) -> ShopCallback:
    """Verify an OAuth callback before anything else is done with it (reference 1.5 and 1.6).

    ``now`` is the current aware time; the timestamp may be at most ``max_age_s`` old and
    ``max_future_s`` ahead (defaults from the config: 300 s and 90 s, within the reference's
    suggestion). With ``expected_state`` the state is compared too (constant time).
    """
    params = verify_signed_query(
        config, query, now=now, max_age_s=max_age_s, max_future_s=max_future_s
    )
    code = params.get("code", "")
    state = params.get("state", "")
    if not code:
        raise InvalidCallback("the callback carries no code")
    if not state:
        raise InvalidCallback("the callback carries no state")
    if expected_state is not None and not hmac.compare_digest(
        state.encode(), expected_state.encode()
    ):
        raise InvalidCallback("the callback's state is not the one issued for this borrower")
    return ShopCallback(
        shop=params["shop"],
        code=code,
        state=state,
        timestamp=datetime.fromtimestamp(int(params["timestamp"]), tz=UTC),
        host=params.get("host") or None,
    )


def _check_timestamp(text: str, *, now: datetime, max_age_s: int, max_future_s: int) -> None:
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise InvalidCallback("the callback's timestamp is not unix seconds")
    age = to_unix(now) - int(text)
    if age > max_age_s:
        raise InvalidCallback(f"the callback is stale ({age} s old, at most {max_age_s} s)")
    if -age > max_future_s:
        raise InvalidCallback(f"the callback's timestamp is {-age} s in the future")
