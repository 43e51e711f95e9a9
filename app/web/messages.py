"""What a borrower reads when connecting an account failed: one plain sentence per platform and
reason code, for the codes the OAuth callbacks and connect forms put on the dashboard URL.

The codes are the ones the callbacks send (``?tiktokshop_error=<code>``, ``shopify_error``,
``amazon_error``): a denied consent, a replayed or expired state, a verification failure, and the
`AppError` codes of the connect services (``no_active_shop``, ``region_not_supported``,
``permission_missing``, ``invalid_token``, ``platform_error`` ...).
"""

from __future__ import annotations

from collections.abc import Mapping

PLATFORM_NAMES: Mapping[str, str] = {
    "tiktok_shop": "TikTok Shop",
    "shopify": "Shopify",
    "amazon": "Amazon",
}

# The query parameter each callback uses for its outcome, by platform.
ERROR_PARAMS: Mapping[str, str] = {
    "tiktok_shop": "tiktokshop_error",
    "shopify": "shopify_error",
    "amazon": "amazon_error",
}
CONNECTED_PARAMS: Mapping[str, str] = {
    "tiktok_shop": "tiktokshop_connected",
    "shopify": "shopify_connected",
    "amazon": "amazon_connected",
}

# Reasons that read the same on every platform; ``{platform}`` is the platform's name.
_COMMON: Mapping[str, str] = {
    "auth_denied": "You declined the authorization on {platform}. Nothing was connected.",
    "authorization_failed": (
        "{platform} did not complete the authorization. Nothing was connected; please try again."
    ),
    "invalid_state": "That connection attempt expired or was already used. Please start again.",
    "invalid_callback": (
        "{platform}'s answer could not be verified, so nothing was connected. Please try again."
    ),
    "missing_code": "{platform} did not send an authorization back. Please try again.",
    "platform_error": (
        "{platform} did not accept the connection just now. Nothing was connected; "
        "please try again in a few minutes."
    ),
    "permission_missing": (
        "The authorization on {platform} did not include every permission we need to read your "
        "orders and payouts. Please connect again and keep all the requested permissions."
    ),
    "region_not_supported": (
        "Your {platform} account is in a region we cannot score yet. Nothing was connected."
    ),
}

# Reasons specific to one platform, or worded better for it.
_BY_PLATFORM: Mapping[str, Mapping[str, str]] = {
    "tiktok_shop": {
        "no_active_shop": (
            "This TikTok Shop account has no active shop. Open a shop in TikTok Shop Seller "
            "Center (or finish its review), then connect again."
        ),
        "no_account": (
            "TikTok did not tell us which creator account you approved. Please try again."
        ),
    },
    "shopify": {
        "invalid_shop": (
            "Enter your store's myshopify.com domain, for example my-store.myshopify.com."
        ),
        "invalid_token": (
            "Your store did not accept that access token. Copy the Admin API access token of "
            "your custom app again, and check that the app has the read_orders permission."
        ),
        "permission_missing": (
            "Your store's app is missing the read_orders permission, so we cannot read your "
            "orders. Add read_orders (and read_all_orders for a full history) and try again."
        ),
    },
    "amazon": {
        "invalid_region": "Choose North America, Europe or Far East as your seller region.",
        "no_marketplace": (
            "This Amazon seller account sells in no marketplace of the region you picked. "
            "Choose the region where you sell and connect again."
        ),
    },
}

FALLBACK = "Connecting {platform} failed. Nothing was connected; please try again."


def connect_error(platform: str, code: str) -> str:
    """The sentence for a failed connection on ``platform`` with reason ``code``."""
    name = PLATFORM_NAMES.get(platform, "the platform")
    text = _BY_PLATFORM.get(platform, {}).get(code) or _COMMON.get(code) or FALLBACK
    return text.format(platform=name)


def connect_outcome(query: Mapping[str, str], *, syncing: bool) -> tuple[str | None, str | None]:
    """(success message, error message) for a dashboard URL a callback redirected to;
    ``syncing``: a pull is still running."""
    for platform, param in ERROR_PARAMS.items():
        code = query.get(param)
        if code:
            return None, connect_error(platform, code)
    for platform, param in CONNECTED_PARAMS.items():
        if query.get(param) == "true":
            name = PLATFORM_NAMES[platform]
            if not syncing:
                return f"{name} is connected and your data is read.", None
            return (
                f"{name} is connected. We are reading your last 90 days; "
                "your score appears here when that is done.",
                None,
            )
    return None, None
