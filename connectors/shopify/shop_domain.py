"""The shop-domain rule: the only hosts the connector ever talks to are ``*.myshopify.com``.

``normalize_shop_domain`` is deliberately narrower than what users might paste (reference 1.6):

* ASCII only, checked before lower-casing (``"\\u212a".lower() == "k"``: the Kelvin sign would
  otherwise become a plain ``k``), so homoglyphs, IDN and full-width dots never pass;
* surrounding ASCII whitespace is stripped, then the text is lower-cased;
* one leading ``http://`` or ``https://`` and one trailing ``/`` are removed: the reference's
  URL-form regex (``^https?://...myshopify.com/?``) allows exactly these;
* what remains must *fully* match ``[a-z0-9][a-z0-9-]*\\.myshopify\\.com`` (Shopify's
  weak-shop-validation regex, anchored at both ends; ``re.fullmatch`` because ``$`` would
  also match before a trailing newline), with the first label at most 63 characters (DNS).

So ports, paths, queries, userinfo (``x.myshopify.com@evil.com``), suffix tricks
(``x.myshopify.com.evil.com``), trailing dots, percent-encoding, backslashes, IP literals and
bare handles (``my-shop``: we do not guess the suffix) are all rejected. The JS library's
``admin.shopify.com/store/{handle}`` form is rejected too: it names no API host.
"""

from __future__ import annotations

import re

from connectors.shopify.errors import InvalidShopDomain

_SHOP = re.compile(r"[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com")
_SCHEMES = ("https://", "http://")
_ASCII_WHITESPACE = " \t\r\n\f\v"


def normalize_shop_domain(text: str) -> str:
    """The canonical ``<handle>.myshopify.com`` for ``text``, or ``InvalidShopDomain``."""
    if not isinstance(text, str):
        raise InvalidShopDomain("a shop domain must be text")
    if not text.isascii():
        raise InvalidShopDomain("a shop domain must be plain ASCII (like my-shop.myshopify.com)")
    candidate = text.strip(_ASCII_WHITESPACE).lower()
    for scheme in _SCHEMES:
        if candidate.startswith(scheme):
            candidate = candidate[len(scheme) :]
            break
    if candidate.endswith("/"):
        candidate = candidate[:-1]
    if not _SHOP.fullmatch(candidate):
        raise InvalidShopDomain(
            f"{text[:80]!r} is not a Shopify store domain: enter the store's "
            "<name>.myshopify.com address"
        )
    return candidate


def is_shop_domain(text: str) -> bool:
    """True when ``text`` is already a canonical shop domain (no normalisation needed)."""
    try:
        return normalize_shop_domain(text) == text
    except InvalidShopDomain:
        return False
